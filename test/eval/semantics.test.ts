import { describe, expect, it } from "vitest";
import { parseAddress, type IpAddr } from "../../src/model/address.js";
import { evaluate } from "../../src/eval/evaluate.js";
import type { PacketInput } from "../../src/eval/types.js";
import { traceJson } from "../../src/explain/json.js";
import { factsOf } from "../helpers.js";

const ip = (s: string) => parseAddress(s) as IpAddr;

function packet(over: Omit<Partial<PacketInput>, "src" | "dst"> & { src: string; dst: string }): PacketInput {
  const { src, dst, ...rest } = over;
  return { proto: 6, sport: 40000, dport: 443, iif: "eni1", mark: 0, ctstate: "NEW", ctmark: 0, assume: {}, ...rest, src: ip(src), dst: ip(dst) };
}

/** A small node: pod veth eni1, primary ENI eth0 (main), secondary eth1 (table 2). */
const ROUTING = `
$ ip addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet 10.0.1.10/24 brd 10.0.1.255 scope global eth0
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff
    inet 10.0.1.20/24 brd 10.0.1.255 scope global eth1
4: eni1@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default
    link/ether 02:00:00:00:00:03 brd ff:ff:ff:ff:ff:ff link-netnsid 0
$ ip route show table all
default via 10.0.1.1 dev eth0
10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10
10.0.1.50 dev eni1 scope link
default via 10.0.1.1 dev eth1 table 2
10.0.1.1 dev eth1 table 2 scope link
local 10.0.1.10 dev eth0 table local proto kernel scope host src 10.0.1.10
local 10.0.1.20 dev eth1 table local proto kernel scope host src 10.0.1.20
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1
`;

function trace(rules: string, ipRules: string, p: PacketInput) {
  const facts = factsOf(`$ iptables-save\n${rules}\n$ ip rule\n${ipRules}\n${ROUTING}`);
  return traceJson(evaluate(facts, p), facts);
}

const DEFAULT_RULES = "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default";
const NAT = (body: string) => `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${body}\nCOMMIT`;
const MANGLE = (body: string) => `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${body}\nCOMMIT`;

describe("netfilter traversal", () => {
  it("a user chain that runs off its end returns to its caller", () => {
    const t = trace(NAT(":A - [0:0]\n-A POSTROUTING -j A\n-A POSTROUTING -j SNAT --to-source 10.0.1.10\n-A A -d 192.0.2.0/24 -j RETURN"), DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.final.src).toBe("10.0.1.10");
  });

  it("goto does not come back to the chain that jumped", () => {
    const t = trace(NAT(":A - [0:0]\n:B - [0:0]\n-A POSTROUTING -j A\n-A POSTROUTING -j SNAT --to-source 10.0.1.10\n-A A -g B\n-A A -j RETURN\n-A B -d 192.0.2.0/24 -j RETURN"), DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    // B falls off its end → back to POSTROUTING (A's caller), which SNATs.
    expect(t.snat).toBe(true);
  });

  it("a DROP policy decides when no rule accepts, and the verdict names it", () => {
    const filter = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 192.0.2.0/24 -j ACCEPT\nCOMMIT";
    const t = trace(filter, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.verdict).toBe("dropped");
    expect(t.egress).toBeNull();
    expect(t.explanation).toMatch(/DROP policy of filter FORWARD/);
  });

  it("nat is consulted once per connection: an ESTABLISHED packet skips it", () => {
    const t = trace(NAT("-A POSTROUTING -j SNAT --to-source 10.0.1.10"), DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9", ctstate: "ESTABLISHED" }));
    expect(t.snat).toBe(false);
    expect(t.outcomes[0]?.steps).toContainEqual({ type: "nat-skipped", hook: "POSTROUTING", reason: "not-new" });
  });

  it("an untracked (NOTRACK) packet is never NATed", () => {
    const raw = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -j CT --notrack\nCOMMIT";
    const t = trace(`${raw}\n${NAT("-A POSTROUTING -j SNAT --to-source 10.0.1.10")}`, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.snat).toBe(false);
  });

  it("MASQUERADE takes the egress interface's primary address", () => {
    const t = trace(NAT("-A POSTROUTING -o eth+ -j MASQUERADE"), "0:\tfrom all lookup local\n1536:\tfrom 10.0.1.50 lookup 2\n32766:\tfrom all lookup main", packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.egress?.interface).toBe("eth1");
    expect(t.final.src).toBe("10.0.1.20");
  });
});

describe("marks feed policy routing", () => {
  it("CONNMARK --set-xmark then --restore-mark makes fwmark rule 1024 route via main", () => {
    const rules = [
      NAT(":C - [0:0]\n-A PREROUTING -i eni+ -j C\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80\n-A C -d 10.0.0.0/16 -j RETURN\n-A C -j CONNMARK --set-xmark 0x80/0x80"),
    ].join("\n");
    const ipRules = "0:\tfrom all lookup local\n1024:\tfrom all fwmark 0x80/0x80 lookup main\n1536:\tfrom 10.0.1.50 lookup 2\n32766:\tfrom all lookup main";
    const out = trace(rules, ipRules, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(out.egress?.interface).toBe("eth0");
    const inVpc = trace(rules, ipRules, packet({ src: "10.0.1.50", dst: "10.0.7.7" }));
    expect(inVpc.egress?.interface).toBe("eth1");
  });

  it("--restore-mark overwrites only the masked bits of a mark set earlier", () => {
    const rules = MANGLE("-A PREROUTING -j MARK --set-xmark 0x4001/0xffffffff\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80");
    const t = trace(rules, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9", ctmark: 0x80 }));
    expect(t.outcomes[0]?.steps).toContainEqual(expect.objectContaining({ type: "target", effect: "packet-mark-restored 0x4001 → 0x4081" }));
  });
});

describe("policy routing", () => {
  it("throw continues with the next rule; blackhole drops; unreachable is unroutable", () => {
    const extra = "$ ip route show table 5\nthrow 203.0.113.0/24\nblackhole 198.51.100.0/24\nunreachable 192.0.2.0/24\n";
    const ipRules = "0:\tfrom all lookup local\n100:\tfrom all lookup 5\n32766:\tfrom all lookup main";
    const run = (dst: string) => {
      const facts = factsOf(`$ ip rule\n${ipRules}\n${ROUTING}${extra}`);
      return traceJson(evaluate(facts, packet({ src: "10.0.1.50", dst })), facts);
    };
    expect(run("203.0.113.9").egress?.interface).toBe("eth0");
    expect(run("198.51.100.1").verdict).toBe("dropped");
    expect(run("192.0.2.1").verdict).toBe("unroutable");
  });

  it("uses the kernel's default rules when no ip rule listing was given, and says so", () => {
    const facts = factsOf(ROUTING);
    const t = traceJson(evaluate(facts, packet({ src: "10.0.1.50", dst: "203.0.113.9" })), facts);
    expect(t.egress?.interface).toBe("eth0");
    expect(t.outcomes[0]?.assumptions.join("\n")).toMatch(/kernel's defaults/);
  });

  it("a node-generated packet is routed with iif lo and leaves as sent", () => {
    const facts = factsOf(`$ ip rule\n${DEFAULT_RULES}\n${ROUTING}`);
    const t = traceJson(evaluate(facts, packet({ src: "10.0.1.10", dst: "203.0.113.9", iif: null })), facts);
    expect(t.verdict).toBe("sent");
    expect(t.egress?.interface).toBe("eth0");
  });

  it("a packet to a node address is delivered locally and has no egress", () => {
    const facts = factsOf(`$ ip rule\n${DEFAULT_RULES}\n${ROUTING}`);
    const t = traceJson(evaluate(facts, packet({ src: "10.0.1.50", dst: "10.0.1.20" })), facts);
    expect(t.verdict).toBe("delivered-locally");
    expect(t.egress).toBeNull();
  });
});

describe("what a dump cannot tell is explored, not guessed", () => {
  it("kube-proxy's statistic chain yields one outcome per endpoint with the right probabilities", () => {
    const rules = NAT([
      ":KUBE-SVC - [0:0]", ":SEP-A - [0:0]", ":SEP-B - [0:0]", ":SEP-C - [0:0]",
      "-A PREROUTING -d 10.100.0.5/32 -p tcp -m tcp --dport 80 -j KUBE-SVC",
      "-A KUBE-SVC -m statistic --mode random --probability 0.33333333349 -j SEP-A",
      "-A KUBE-SVC -m statistic --mode random --probability 0.50000000000 -j SEP-B",
      "-A KUBE-SVC -j SEP-C",
      "-A SEP-A -p tcp -m tcp -j DNAT --to-destination 10.0.1.50:8080",
      "-A SEP-B -p tcp -m tcp -j DNAT --to-destination 10.0.9.2:8080",
      "-A SEP-C -p tcp -m tcp -j DNAT --to-destination 10.0.9.3:8080",
    ].join("\n"));
    const t = trace(rules, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "10.100.0.5", dport: 80 }));
    const byDst = Object.fromEntries(t.outcomes.map((o) => [o.final.dst, o.probability]));
    expect(Object.keys(byDst).sort()).toEqual(["10.0.1.50", "10.0.9.2", "10.0.9.3"]);
    for (const p of Object.values(byDst)) expect(p).toBeCloseTo(1 / 3, 6);
    expect(t.final.dst).toBeNull();
    expect(t.dnat).toBe(true);
  });

  it("an ipset match forks into both answers, unless --assume answers it", () => {
    const rules = NAT("-A POSTROUTING -m set --match-set NO-SNAT dst -j RETURN\n-A POSTROUTING -j SNAT --to-source 10.0.1.10");
    const both = trace(rules, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(both.outcomes.map((o) => o.snat).sort()).toEqual([false, true]);
    expect(both.snat).toBeNull();
    const given = trace(rules, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9", assume: { set: false } }));
    expect(given.outcomes).toHaveLength(1);
    expect(given.snat).toBe(true);
  });

  it("stops a pathological fan-out and says so", () => {
    const chain = Array.from({ length: 20 }, (_, i) => `-A POSTROUTING -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${i + 1}/0xff`).join("\n");
    const rules = `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${chain}\nCOMMIT`;
    const t = trace(rules, DEFAULT_RULES, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.truncated).toBe(true);
    expect(t.outcomes.length).toBeLessThanOrEqual(256);
  });
});
