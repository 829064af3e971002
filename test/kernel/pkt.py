#!/usr/bin/env python3
"""Packet helper for podpath's kernel harness. Only ever run inside the harness's own pp-* namespaces.

  pkt.py capture IFACE OUTFILE MAXSECONDS   AF_PACKET capture of IPv4 and IPv6 frames arriving on IFACE
  pkt.py capture-local OUTFILE MAXSECONDS   raw TCP, UDP and ICMP sockets: packets delivered locally (after INPUT)
  pkt.py inject IFACE SRCMAC DSTMAC         reads JSON lines {src,dst,proto,sport,dport,token} on stdin,
                                            sends each as one Ethernet frame (UDP datagram / TCP SYN /
                                            ICMP echo request: proto 1, or 58 for IPv6; sport = its id)
  pkt.py local                              reads JSON lines {src,dst,proto,sport,dport,mark,token}:
                                            sends from a real socket bound to src:sport (SO_MARK=mark)

Captures write one JSON object per line: {src,dst,proto,sport,dport,syn,token,icmp}. Addresses with a
":" are IPv6 (frames, pseudo-header checksums and sockets follow the family).
Every loop is bounded by MAXSECONDS and by the parent's death.
"""
import errno, json, os, select, socket, struct, sys, time

MAGIC = b"PPK:"
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
ICMP_ECHO = {1: 8, 58: 128}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def parse_ip(pkt):
    if len(pkt) >= 40 and pkt[0] >> 4 == 6:
        return parse_ip6(pkt)
    if len(pkt) < 20 or pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 15) * 4
    total = struct.unpack("!H", pkt[2:4])[0]
    pkt = pkt[:total] if total >= ihl else pkt
    rec = {"src": socket.inet_ntoa(pkt[12:16]), "dst": socket.inet_ntoa(pkt[16:20]), "proto": pkt[9],
           "id": struct.unpack("!H", pkt[4:6])[0]}
    return parse_l4(rec, pkt[ihl:])


def parse_ip6(pkt):
    """An IPv6 packet without extension headers (the harness sends none)."""
    length = struct.unpack("!H", pkt[4:6])[0]
    rec = {"src": socket.inet_ntop(socket.AF_INET6, pkt[8:24]), "dst": socket.inet_ntop(socket.AF_INET6, pkt[24:40]),
           "proto": pkt[6], "id": 0}
    return parse_l4(rec, pkt[40:40 + length])


def parse_l4(rec, l4):
    """Ports, SYN, token or ICMP (or ICMPv6, proto 58) error of the transport header `l4`."""
    proto = rec["proto"]
    rec.update({"sport": None, "dport": None, "syn": False, "token": None, "icmp": None})
    if proto in (6, 17) and len(l4) >= 4:
        rec["sport"], rec["dport"] = struct.unpack("!HH", l4[:4])
        if proto == 6 and len(l4) >= 20:
            off = (l4[12] >> 4) * 4
            flags = l4[13]
            rec["syn"] = bool(flags & 0x02) and not (flags & 0x10)
            rec["rst"] = bool(flags & 0x04)
            payload = l4[off:]
        else:
            payload = l4[8:]
        if payload.startswith(MAGIC):
            rec["token"] = payload[len(MAGIC):].split(b";")[0].decode("ascii", "replace")
    elif proto in (1, 58) and len(l4) >= 8 and l4[0] == ICMP_ECHO[proto]:
        # An echo request (a probe): its identifier stands for the source port. Replies carry the
        # same payload but no token: the probe is the request.
        rec["sport"] = struct.unpack("!H", l4[4:6])[0]
        if l4[8:].startswith(MAGIC):
            rec["token"] = l4[8 + len(MAGIC):].split(b";")[0].decode("ascii", "replace")
    elif proto in (1, 58) and len(l4) >= 8:
        inner = parse_ip(l4[8:]) if len(l4) > 28 else None
        rec["icmp"] = {"type": l4[0], "code": l4[1], "inner": inner}
    return rec


def deadline_loop(maxs):
    end = time.time() + maxs
    ppid = os.getppid()
    while time.time() < end:
        if os.getppid() != ppid:
            return
        yield


def capture(iface, out, maxs):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.5)
    with open(out, "a", buffering=1) as f:
        f.write(json.dumps({"ready": True}) + "\n")
        for _ in deadline_loop(maxs):
            try:
                frame, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] == PACKET_OUTGOING or addr[1] not in (ETH_P_IP, ETH_P_IPV6):
                continue
            rec = parse_ip(frame[14:])
            if rec is not None:
                f.write(json.dumps(rec) + "\n")


def capture_local(out, maxs):
    socks = [socket.socket(socket.AF_INET, socket.SOCK_RAW, p) for p in (socket.IPPROTO_TCP, socket.IPPROTO_UDP, socket.IPPROTO_ICMP)]
    # IPv6 raw sockets get no IP header: the source comes with recvmsg, the destination with PKTINFO.
    socks6 = []
    if socket.has_ipv6:
        for p in (socket.IPPROTO_TCP, socket.IPPROTO_UDP, socket.IPPROTO_ICMPV6):
            try:
                s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, p)
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
                socks6.append(s6)
            except OSError:
                pass
    with open(out, "a", buffering=1) as f:
        f.write(json.dumps({"ready": True}) + "\n")
        for _ in deadline_loop(maxs):
            r, _, _ = select.select(socks + socks6, [], [], 0.5)
            for s in r:
                if s in socks6:
                    data, anc, _, addr = s.recvmsg(65535, 256)
                    dst = next((socket.inet_ntop(socket.AF_INET6, d[:16]) for lvl, typ, d in anc
                                if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO), None)
                    rec = None if dst is None else parse_l4({"src": addr[0], "dst": dst, "proto": s.proto, "id": 0}, data)
                else:
                    rec = parse_ip(s.recv(65535))
                if rec is not None:
                    f.write(json.dumps(rec) + "\n")


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def is6(address):
    return ":" in address


def echo(p, ident, payload):
    """An ICMP (or ICMPv6) echo request, checksum zero: identifier = the probe's source port."""
    return struct.pack("!BBHHH", ICMP_ECHO[p["proto"]], 0, 0, p["sport"] & 0xFFFF, ident & 0xFFFF) + payload


def build(p, ident):
    """One IPv4 or IPv6 packet (by the source's family): a UDP datagram or a TCP SYN carrying the token."""
    v6 = is6(p["src"])
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    src, dst = socket.inet_pton(fam, p["src"]), socket.inet_pton(fam, p["dst"])
    payload = MAGIC + p["token"].encode() + b";"

    def pseudo(proto, length):
        return src + dst + (struct.pack("!IxxxB", length, proto) if v6 else struct.pack("!BBH", 0, proto, length))

    if p["proto"] in (1, 58):
        l4 = echo(p, ident, payload)
        ck = csum((pseudo(58, len(l4)) if v6 else b"") + l4)
        l4 = l4[:2] + struct.pack("!H", ck) + l4[4:]
    elif p["proto"] == 6:
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], 0x1000 + ident, 0, 5 << 4, 0x02, 64240, 0, 0)
        l4 = hdr + payload
        ck = csum(pseudo(6, len(l4)) + l4)
        l4 = l4[:16] + struct.pack("!H", ck) + l4[18:]
    else:
        l4 = struct.pack("!HHHH", p["sport"], p["dport"], 8 + len(payload), 0) + payload
        ck = csum(pseudo(17, len(l4)) + l4) or 0xFFFF
        l4 = l4[:6] + struct.pack("!H", ck) + l4[8:]
    if v6:
        return struct.pack("!IHBB16s16s", (6 << 28) | (p.get("tos", 0) << 20), len(l4), p["proto"], 64, src, dst) + l4
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, p.get("tos", 0), 20 + len(l4), ident & 0xFFFF, 0x4000, 64, p["proto"], 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + l4


def inject(iface, srcmac, dstmac):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, ETH_P_IP))
    eth = mac(dstmac) + mac(srcmac)
    n = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        p = json.loads(line)
        n += 1
        s.send(eth + struct.pack("!H", ETH_P_IPV6 if is6(p["src"]) else ETH_P_IP) + build(p, n))
    print(json.dumps({"sent": n}))


def local():
    res = []
    socks = []
    for line in sys.stdin:
        if not line.strip():
            continue
        p = json.loads(line)
        icmp = p["proto"] in (1, 58)
        st = socket.SOCK_RAW if icmp else socket.SOCK_STREAM if p["proto"] == 6 else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6 if is6(p["src"]) else socket.AF_INET, st, p["proto"] if icmp else 0)
        r = "ok"
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if p.get("mark"):
                s.setsockopt(socket.SOL_SOCKET, 36, p["mark"])  # SO_MARK
            s.bind((p["src"], 0 if icmp else p["sport"]))
            if icmp:
                # ICMPv6 raw sockets get their checksum from the kernel; ICMP ones need it here.
                data = echo(p, 0, MAGIC + p["token"].encode() + b";")
                if p["proto"] == 1:
                    data = data[:2] + struct.pack("!H", csum(data)) + data[4:]
                s.sendto(data, (p["dst"], 0))
            elif p["proto"] == 6:
                s.setblocking(False)
                e = s.connect_ex((p["dst"], p["dport"]))
                if e not in (0, errno.EINPROGRESS):
                    r = errno.errorcode.get(e, str(e))
            else:
                s.sendto(MAGIC + p["token"].encode() + b";", (p["dst"], p["dport"]))
        except OSError as e:
            r = errno.errorcode.get(e.errno, str(e.errno))
        res.append({"token": p["token"], "result": r})
        socks.append(s)
    time.sleep(0.05)
    for s in socks:
        s.close()
    print(json.dumps(res))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "capture":
        capture(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "capture-local":
        capture_local(sys.argv[2], float(sys.argv[3]))
    elif cmd == "inject":
        inject(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "local":
        local()
    else:
        sys.exit("unknown command " + cmd)
