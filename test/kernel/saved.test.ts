/**
 * What a node prints, podpath reads: rules of every module and target the CNIs and kube-proxy use
 * (and many they do not) are loaded with the real restores, one by one, then dumped with
 * `iptables-save` / `ip6tables-save` (legacy and nft), and podpath must read each dump without an
 * error. iptables-save prints its own forms (`--icmp-type 3/4`, `-p vrrp`, `--chunk-types any DATA`,
 * `--timestart 09:00:00 … --datestop 2038-…`): a dump of a real node is never refused.
 *
 * A rule this machine cannot load (a kernel module missing here) is left out, and counted.
 */
import { afterAll, describe, expect, test } from "vitest";
import { parseBundle } from "../../src/model/bundle.js";
import { CommandError, kernelUnsupportedReason, Session } from "./netns.js";

const CHAINS: Record<string, readonly string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"], nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"], raw: ["PREROUTING", "OUTPUT"],
};

const RULES4: Record<string, readonly string[]> = {
  filter: [
    '-A INPUT -m comment --comment "cali:abc" -m mark --mark 0x10000/0x10000 -j ACCEPT', "-A INPUT -m conntrack --ctstate INVALID -j DROP",
    '-A INPUT -j NFLOG --nflog-group 1 --nflog-prefix "DPI|default" --nflog-range 80', "-A INPUT -j NFLOG --nflog-group 1 --nflog-size 80 --nflog-threshold 1",
    "-A INPUT -j MARK --set-xmark 0x0/0x10000", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT", "-A INPUT -p tcp -m tcp --tcp-flags ALL NONE -j DROP",
    "-A INPUT -p tcp -m tcp --syn -j ACCEPT", "-A INPUT -p tcp -m tcp ! --syn -j ACCEPT", "-A INPUT -p tcp -m tcp --tcp-option 2 -j ACCEPT", "-A INPUT -p tcp -m tcpmss --mss 1000:1500 -j ACCEPT",
    '-A INPUT -m limit --limit 5/min --limit-burst 10 -j LOG --log-prefix "x: " --log-level 4',
    "-A INPUT -m hashlimit --hashlimit-above 10/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name h -j DROP",
    "-A INPUT -m hashlimit --hashlimit-upto 100kb/s --hashlimit-name hb --hashlimit-srcmask 24 -j ACCEPT",
    "-A INPUT -m conntrack --ctstatus ASSURED,SEEN_REPLY -j ACCEPT", "-A INPUT -m conntrack --ctdir ORIGINAL -j ACCEPT", "-A INPUT -m conntrack --ctexpire 10:100 -j ACCEPT",
    "-A INPUT -m conntrack --ctorigsrcport 80 --ctorigdstport 443 --ctreplsrcport 1:2 -j ACCEPT", "-A INPUT -m conntrack --ctproto tcp --ctorigdst 10.0.0.0/8 -j ACCEPT",
    "-A INPUT -m conntrack ! --ctstate NEW,RELATED -j ACCEPT", "-A INPUT -m conntrack --ctstate DNAT,SNAT -j ACCEPT", "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT",
    "-A FORWARD -m physdev --physdev-in eth0 --physdev-is-bridged -j ACCEPT", "-A FORWARD -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT",
    "-A FORWARD -m physdev ! --physdev-is-bridged -j ACCEPT", "-A INPUT -m pkttype --pkt-type multicast -j ACCEPT", "-A INPUT -m pkttype --pkt-type host -j ACCEPT",
    "-A INPUT -m pkttype --pkt-type otherhost -j ACCEPT", "-A OUTPUT -m owner --uid-owner 0-100 -j ACCEPT", "-A OUTPUT -m owner --uid-owner 0 --gid-owner 0 -j ACCEPT",
    "-A OUTPUT -m owner --socket-exists -j ACCEPT", "-A OUTPUT -m owner ! --uid-owner 0 -j ACCEPT",
    "-A INPUT -m recent --name ssh --rcheck --seconds 60 --hitcount 4 --rsource -j DROP", "-A INPUT -m recent --set --name ssh --mask 255.255.255.0 --rsource",
    '-A INPUT -m string --string "GET /" --algo kmp --from 0 --to 100 -j DROP', '-A INPUT -m string --hex-string "|00 01|" --algo bm -j DROP',
    '-A INPUT -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0x50" -j ACCEPT', "-A INPUT -m length --length 0:100 -j ACCEPT", "-A INPUT -m length ! --length 100 -j ACCEPT",
    "-A INPUT -m dscp --dscp-class AF41 -j ACCEPT", "-A INPUT -m tos --tos Minimize-Delay -j ACCEPT", "-A INPUT -m connmark --mark 0x1/0x1 -j ACCEPT",
    "-A INPUT -p tcp -m connlimit --connlimit-above 10 --connlimit-mask 32 --connlimit-saddr -j REJECT --reject-with tcp-reset",
    "-A INPUT -p udp -m multiport --ports 53,123 -j ACCEPT", "-A INPUT -p tcp -m multiport ! --dports 22,80:90 -j ACCEPT", "-A INPUT -p tcp -m multiport --sports 1:2,3 -j ACCEPT",
    "-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 --dst-range 10.1.0.1-10.1.0.2 -j ACCEPT", "-A INPUT -m iprange ! --src-range 10.0.0.1-10.0.0.9 -j ACCEPT",
    "-A INPUT -m mac --mac-source 02:00:00:00:00:01 -j ACCEPT", "-A INPUT -m devgroup --src-group 1 -j ACCEPT", "-A INPUT -m helper --helper ftp -j ACCEPT",
    "-A INPUT -j LOG --log-prefix abc --log-level 7 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid", "-A INPUT -j LOG --log-level 4",
    "-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT", "-A INPUT -p icmp -m icmp ! --icmp-type 8 -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type any -j ACCEPT",
    "-A INPUT -p icmp -m icmp --icmp-type host-prohibited -j ACCEPT", "-A INPUT -p vrrp -j ACCEPT", "-A INPUT -p ospf -j ACCEPT", "-A INPUT -p 253 -j ACCEPT",
    "-A INPUT -p gre -j ACCEPT", "-A INPUT -p ipencap -j ACCEPT", "-A INPUT -p mptcp -j ACCEPT", "-A INPUT ! -p udp -j ACCEPT", "-A INPUT -f -j DROP", "-A INPUT ! -f -j DROP",
    "-A INPUT -s 10.0.0.0/255.0.255.0 -j ACCEPT", "-A INPUT -s 10.0.0.1,10.0.0.2 -j ACCEPT", "-A INPUT -i eth+ -j ACCEPT", "-A INPUT ! -i lo -j ACCEPT",
    "-A OUTPUT -o abcdefghijklmn+ -j ACCEPT", "-A INPUT -m time --timestart 09:00 --timestop 17:00 --weekdays Mon,Tue -j ACCEPT", "-A INPUT -m quota --quota 1000 -j ACCEPT",
    "-A INPUT -m connbytes --connbytes 10: --connbytes-dir both --connbytes-mode bytes -j ACCEPT", "-A INPUT -m cpu --cpu 0 -j ACCEPT",
    "-A INPUT -m statistic --mode nth --every 3 --packet 1 -j ACCEPT", "-A INPUT -m statistic --mode random --probability 0.01 -j ACCEPT",
    "-A INPUT -m addrtype --src-type LOCAL,UNICAST ! --dst-type BROADCAST -j ACCEPT", "-A INPUT -m ecn --ecn-ip-ect 1 -j ACCEPT", "-A INPUT -p tcp -m ecn --ecn-tcp-cwr -j ACCEPT",
    "-A INPUT -m policy --dir in --pol none -j ACCEPT", "-A INPUT -p esp -m esp --espspi 5 -j ACCEPT", "-A INPUT -p ah -m ah --ahspi 5 -j ACCEPT",
    "-A INPUT -p sctp -m sctp --dport 5 --chunk-types any DATA -j ACCEPT", "-A INPUT -p dccp -m dccp --dport 5 -j ACCEPT", "-A INPUT -p udplite -j ACCEPT",
    "-A INPUT -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef -j ACCEPT",
    "-A INPUT -j NFQUEUE --queue-num 1 --queue-bypass", "-A INPUT -j NFQUEUE --queue-balance 0:3 --queue-cpu-fanout", "-A INPUT -j AUDIT --type drop",
    "-A INPUT -j IDLETIMER --timeout 10 --label foo", "-A INPUT -p tcp -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
    "-A INPUT -j REJECT --reject-with icmp-admin-prohibited", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -j REJECT",
    "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "-A INPUT -j CONNMARK --set-xmark 0x1/0xff", "-A INPUT -j TEE --gateway 10.0.0.1",
    "-A INPUT -j RATEEST --rateest-name x --rateest-interval 1 --rateest-ewmalog 2", "-A INPUT -m rateest --rateest x --rateest-gt --rateest-bps1 1",
    "-A INPUT -j HMARK --hmark-tuple src --hmark-mod 2 --hmark-rnd 1", "-A INPUT -m connlabel --label 1 -j ACCEPT",
  ],
  nat: [
    "-A PREROUTING -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT", "-A POSTROUTING -m addrtype ! --src-type LOCAL --limit-iface-out -j ACCEPT",
    "-A POSTROUTING -j SNAT --to-source 10.0.0.1-10.0.0.5:1000-2000 --persistent", "-A POSTROUTING -j MASQUERADE --random",
    "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random-fully", "-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80 --random --persistent",
    "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080 --random", "-A PREROUTING -j NETMAP --to 192.0.2.0/24", "-A PREROUTING -p tcp -j DNAT --to-destination :80",
    "-A PREROUTING -j DNAT --to-destination 10.0.0.1-10.0.0.9", "-A OUTPUT -m owner --uid-owner 0 -j RETURN",
    "-A PREROUTING -m statistic --mode random --probability 0.33333333349 -j RETURN", "-A INPUT -j SNAT --to-source 10.0.0.1",
  ],
  mangle: [
    "-A PREROUTING -m socket --transparent --nowildcard -j MARK --set-xmark 0x200/0xffffffff", "-A PREROUTING -m socket --restore-skmark -j ACCEPT",
    "-A PREROUTING -p tcp -m mark --mark 0xa00/0xe00 -j TPROXY --on-port 37001 --on-ip 127.0.0.1 --tproxy-mark 0x200/0xffffffff",
    "-A POSTROUTING -j CLASSIFY --set-class 1:10", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400", "-A PREROUTING -p tcp -j TCPMSS --set-mss 1400",
    "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill", "-A POSTROUTING -j CONNMARK --save-mark --mask 0xff",
    "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80", "-A PREROUTING -j MARK --and-mark 0xff", "-A PREROUTING -j MARK --or-mark 0x1",
    "-A PREROUTING -j MARK --xor-mark 0x1", "-A PREROUTING -j MARK --set-mark 0x1/0x3", "-A PREROUTING -j TTL --ttl-set 64", "-A PREROUTING -j TTL --ttl-dec 1",
    "-A PREROUTING -j DSCP --set-dscp-class EF", "-A PREROUTING -j TOS --set-tos Minimize-Delay", "-A PREROUTING -p tcp -j ECN --ecn-tcp-remove",
    "-A PREROUTING -m rpfilter --invert --loose --validmark --accept-local -j DROP", "-A INPUT -j CONNSECMARK --restore",
  ],
  raw: [
    '-A PREROUTING -m comment --comment "cilium: NOTRACK" -m mark --mark 0xa00/0xe00 -j CT --notrack', "-A PREROUTING -j CT --zone 1",
    "-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp", "-A PREROUTING -p tcp -j TRACE", "-A PREROUTING -j NOTRACK", "-A OUTPUT -j CT --zone-orig 1",
    "-A PREROUTING -m rpfilter -j DROP", "-A PREROUTING -j CT --ctevents new,destroy",
  ],
};

const RULES6: Record<string, readonly string[]> = {
  filter: [
    "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -j ACCEPT", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 1/4 -j ACCEPT",
    "-A INPUT -m frag --fragid 1:10 --fraglen 8 --fragres --fragfirst -j ACCEPT", "-A INPUT -m ipv6header --header hop-by-hop,ipv6-frag --soft -j ACCEPT",
    "-A INPUT -m rt --rt-type 2 --rt-segsleft 1:2 -j ACCEPT", "-A INPUT -m hbh --hbh-len 8 -j ACCEPT", "-A INPUT -m dst --dst-len 8 -j ACCEPT", "-A INPUT -m eui64 -j ACCEPT",
    "-A INPUT -p mh -m mh --mh-type binding-refresh-request -j ACCEPT", "-A INPUT -m ah --ahspi 5 -j ACCEPT", "-A INPUT -p ipv6-frag -j ACCEPT",
    "-A INPUT -s fd00::/ffff:ffff:: -j ACCEPT", "-A INPUT -s fd00::1,fd00::2 -j ACCEPT", "-A INPUT -m addrtype --dst-type LOCAL,ANYCAST -j ACCEPT",
    "-A INPUT -m conntrack --ctorigsrc fd00::/64 --ctstate NEW -j ACCEPT", "-A INPUT -m iprange --src-range fd00::1-fd00::9 -j ACCEPT",
    "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -m hl --hl-gt 5 -j ACCEPT",
    "-A INPUT -m policy --dir in --pol ipsec --mode tunnel --tunnel-src fd00::1 -j ACCEPT", "-A INPUT -p tcp -m connlimit --connlimit-above 5 --connlimit-mask 64 -j DROP",
    "-A INPUT -m recent --set --mask ffff:ffff:: -j ACCEPT",
  ],
  nat: [
    "-A PREROUTING -d fd00::a/128 -p tcp -m tcp --dport 443 -j DNAT --to-destination [2001:db8::5]:443", "-A PREROUTING -j DNAT --to-destination fd00::1-fd00::5",
    "-A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]:1000-2000", "-A POSTROUTING -p udp -j SNAT --to-source [fd00::1]:1000-2000", "-A POSTROUTING -j MASQUERADE --random-fully",
    "-A PREROUTING -j NETMAP --to fd00::/64", "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080",
  ],
  mangle: ["-A PREROUTING -j HL --hl-dec 1", "-A PREROUTING -p tcp -j TPROXY --on-port 1 --on-ip fd00::1 --tproxy-mark 0x1/0x1", "-A PREROUTING -m socket --transparent -j ACCEPT"],
  raw: ["-A PREROUTING -j CT --zone 5", "-A PREROUTING -j NOTRACK"],
};

const unsupported = kernelUnsupportedReason();
if (unsupported) console.log(unsupported);

describe.skipIf(unsupported !== null)("podpath reads what iptables-save prints", () => {
  const session = new Session("saved");
  afterAll(() => session.cleanup());

  const backends = [
    { rules: RULES4, tool: "iptables", backend: "legacy" }, { rules: RULES4, tool: "iptables", backend: "nft" },
    { rules: RULES6, tool: "ip6tables", backend: "legacy" }, { rules: RULES6, tool: "ip6tables", backend: "nft" },
  ] as const;
  test.each(backends.map((b) => ({ ...b, name: `${b.tool}-${b.backend}-save` })))("$name", ({ rules, tool, backend }) => {
    const ns = session.add(`${tool}-${backend}`);
    let loaded = 0;
    let total = 0;
    for (const [table, list] of Object.entries(rules)) {
      for (const rule of list) {
        total++;
        const text = `*${table}\n${(CHAINS[table] ?? []).map((c) => `:${c} ACCEPT [0:0]`).join("\n")}\n${rule}\nCOMMIT\n`;
        try {
          session.exec(ns, [`${tool}-${backend}-restore`, "--noflush"], { input: text, timeoutMs: 30_000 });
          loaded++;
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
        }
      }
    }
    const dump = session.exec(ns, [`${tool}-${backend}-save`], { timeoutMs: 30_000 });
    const errors = parseBundle(dump, `${tool}-save.txt`).diagnostics.filter((d) => d.severity === "error");
    console.log(`${tool}-${backend}-save: ${loaded}/${total} rules loaded here, ${dump.split("\n").filter((l) => l.startsWith("-A")).length} saved, ${errors.length} errors from podpath`);
    // Most load on any kernel with the usual modules; a few need one this machine may lack.
    expect(loaded).toBeGreaterThan(total * 0.8);
    expect(errors.map((e) => `${e.message}\n  ${e.excerpt}`)).toEqual([]);
  });
});
