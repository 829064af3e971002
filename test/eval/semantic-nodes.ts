/**
 * Small nodes that pin one kernel behaviour each. The unit tests (semantics.test.ts) assert podpath's
 * answer for their packets; the kernel suite (test/kernel/semantics.test.ts) builds the same nodes in
 * namespaces and checks that the kernel gives that same answer for the same packets.
 */

import type { RpFilter } from "../../src/eval/source-check.js";

/** A small node: pod veth eni1, primary ENI eth0 (main), secondary eth1 (table 2). */
export const ROUTING = `
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

export const DEFAULT_RULES = "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default";
export const NAT = (body: string) => `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${body}\nCOMMIT`;
export const FILTER = (body: string) => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${body}\nCOMMIT`;
export const MANGLE = (body: string) => `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${body}\nCOMMIT`;

/** A whole node: iptables-save text, an ip rule listing, the routing above, and extra sections. */
export function dump(rules: string, ipRules: string, extra = ""): string {
  return `$ iptables-save\n${rules}\n$ ip rule\n${ipRules}\n${ROUTING}${extra}`;
}

/**
 * The same node on IPv6 (as an EKS IPv6 cluster's node: pods on the ENI's prefix, link-local
 * gateways): eth0 (main), eth1 (table 2), pod 2001:db8:1::50 on eni1. "Internet" is 2001:db8:ff00::/40.
 */
export const ROUTING6 = `
$ ip addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
    inet6 ::1/128 scope host
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet6 2001:db8:1::10/64 scope global
    inet6 fe80::10/64 scope link
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff
    inet6 2001:db8:1::20/64 scope global
    inet6 fe80::20/64 scope link
4: eni1@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default
    link/ether 02:00:00:00:00:03 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet6 fe80::30/64 scope link
$ ip -6 route show table all
2001:db8:1::50 dev eni1 metric 1024 pref medium
2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth1 proto kernel metric 256 pref medium
fe80::/64 dev eni1 proto kernel metric 256 pref medium
default via fe80::1 dev eth0 metric 1024 pref medium
default via fe80::1 dev eth1 table 2 metric 1024 pref medium
local ::1 dev lo table local proto kernel metric 0 pref medium
local 2001:db8:1::10 dev eth0 table local proto kernel metric 0 pref medium
local 2001:db8:1::20 dev eth1 table local proto kernel metric 0 pref medium
local fe80::10 dev eth0 table local proto kernel metric 0 pref medium
local fe80::20 dev eth1 table local proto kernel metric 0 pref medium
local fe80::30 dev eni1 table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev eth1 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev eni1 table local proto kernel metric 256 pref medium
`;

/**
 * An IPv6 node whose interfaces have several global addresses, for the kernel's source address
 * selection: eth0 holds one per kind (a tentative one first, a plain one, a ULA, one near the
 * "internet", a deprecated one), eth1 another, eth2 none (a route leaves by it), pod on eni1.
 */
export const ROUTING6_MULTI = `
$ ip addr
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
    inet6 ::1/128 scope host
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet6 2001:db8:ff02::10/64 scope global tentative
    inet6 2001:db8:1::10/64 scope global
    inet6 fd00:1::10/64 scope global
    inet6 2001:db8:ff00::10/64 scope global
    inet6 2001:db8:ff01::10/64 scope global deprecated
       valid_lft forever preferred_lft 0sec
    inet6 fe80::10/64 scope link
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff
    inet6 2001:db8:ff03::20/64 scope global
    inet6 fe80::20/64 scope link
4: eth2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:04 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::40/64 scope link
5: eni1@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default
    link/ether 02:00:00:00:00:03 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet6 fe80::30/64 scope link
$ ip -6 route show table all
2001:db8:1::50 dev eni1 metric 1024 pref medium
2001:db8:1::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth1 proto kernel metric 256 pref medium
fe80::/64 dev eth2 proto kernel metric 256 pref medium
fe80::/64 dev eni1 proto kernel metric 256 pref medium
2001:db8:ff03:1::/64 via fe80::1 dev eth2 metric 1024 pref medium
default via fe80::1 dev eth0 metric 1024 pref medium
local ::1 dev lo table local proto kernel metric 0 pref medium
local 2001:db8:1::10 dev eth0 table local proto kernel metric 0 pref medium
local fd00:1::10 dev eth0 table local proto kernel metric 0 pref medium
local 2001:db8:ff00::10 dev eth0 table local proto kernel metric 0 pref medium
local 2001:db8:ff01::10 dev eth0 table local proto kernel metric 0 pref medium
local 2001:db8:ff03::20 dev eth1 table local proto kernel metric 0 pref medium
local fe80::10 dev eth0 table local proto kernel metric 0 pref medium
local fe80::20 dev eth1 table local proto kernel metric 0 pref medium
local fe80::30 dev eni1 table local proto kernel metric 0 pref medium
local fe80::40 dev eth2 table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev eth1 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev eth2 table local proto kernel metric 256 pref medium
multicast ff00::/8 dev eni1 table local proto kernel metric 256 pref medium
`;

export const DEFAULT_RULES6 = "0:\tfrom all lookup local\n32766:\tfrom all lookup main";
const POD_RULES6 = "0:\tfrom all lookup local\n1536:\tfrom 2001:db8:1::50 lookup 2\n32766:\tfrom all lookup main";

/** A whole IPv6 node: ip6tables-save text, an `ip -6 rule` listing and ROUTING6. */
export function dump6(rules: string, ipRules: string): string {
  return `$ ip6tables-save\n${rules}\n$ ip -6 rule\n${ipRules}\n${ROUTING6}`;
}

const POD_RULES = "0:\tfrom all lookup local\n1536:\tfrom 10.0.1.50 lookup 2\n32766:\tfrom all lookup main";
const CONNMARK_RULES = "0:\tfrom all lookup local\n1024:\tfrom all fwmark 0x80/0x80 lookup main\n1536:\tfrom 10.0.1.50 lookup 2\n32766:\tfrom all lookup main";

/** The nodes, by the behaviour they pin. */
/**
 * rp_filter's node, laid out as the VPC CNI does with external SNAT off: pod 10.0.1.50 on the primary
 * ENI (eni1), pod 10.0.1.60 on the secondary ENI (eni2), whose ip rule sends only VPC-bound traffic
 * (10.0.0.0/16) to table 2; 198.51.100.0/24 is unreachable from the node.
 */
const RP_NODE = `$ ip rule
0:\tfrom all lookup local
512:\tfrom all to 10.0.1.50 lookup main
512:\tfrom all to 10.0.1.60 lookup main
1536:\tfrom 10.0.1.60 to 10.0.0.0/16 lookup 2
32766:\tfrom all lookup main
32767:\tfrom all lookup default
${ROUTING.replace("10.0.1.50 dev eni1 scope link", "10.0.1.50 dev eni1 scope link\n10.0.1.60 dev eni2 scope link\nunreachable 198.51.100.0/24")
    .replace("link-netnsid 0\n", "link-netnsid 0\n5: eni2@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default\n    link/ether 02:00:00:00:00:04 brd ff:ff:ff:ff:ff:ff link-netnsid 1\n")}`;

export const NODES = {
  fallOff: dump(NAT(":A - [0:0]\n-A POSTROUTING -j A\n-A POSTROUTING -j SNAT --to-source 10.0.1.10\n-A A -d 192.0.2.0/24 -j RETURN"), DEFAULT_RULES),
  goto: dump(NAT(":A - [0:0]\n:B - [0:0]\n-A POSTROUTING -j A\n-A POSTROUTING -j SNAT --to-source 10.0.1.10\n-A A -g B\n-A A -j RETURN\n-A B -d 192.0.2.0/24 -j RETURN"), DEFAULT_RULES),
  dropPolicy: dump("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 192.0.2.0/24 -j ACCEPT\nCOMMIT", DEFAULT_RULES),
  snatAll: dump(NAT("-A POSTROUTING -j SNAT --to-source 10.0.1.10"), DEFAULT_RULES),
  notrack: dump(`*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -j CT --notrack\nCOMMIT\n${NAT("-A POSTROUTING -j SNAT --to-source 10.0.1.10")}`, DEFAULT_RULES),
  masquerade: dump(NAT("-A POSTROUTING -o eth+ -j MASQUERADE"), POD_RULES),
  connmark: dump(NAT(":C - [0:0]\n-A PREROUTING -i eni+ -j C\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80\n-A C -d 10.0.0.0/16 -j RETURN\n-A C -j CONNMARK --set-xmark 0x80/0x80"), CONNMARK_RULES),
  restoreMasked: dump(MANGLE("-A PREROUTING -j MARK --set-xmark 0x4001/0xffffffff\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80"), DEFAULT_RULES),
  routeTypes: dump("", "0:\tfrom all lookup local\n100:\tfrom all lookup 5\n32766:\tfrom all lookup main",
    "$ ip route show table 5\nthrow 203.0.113.0/24\nblackhole 198.51.100.0/24\nunreachable 192.0.2.0/24\n"),
  plain: dump("", DEFAULT_RULES),
  // NFQUEUE ends the traversal: with nothing reading queue 3 the kernel drops; under --queue-bypass
  // it accepts (the DROP after it is never reached).
  queue: dump(FILTER([
    "-A FORWARD -d 192.0.2.0/24 -j NFQUEUE --queue-num 3",
    "-A FORWARD -d 198.51.100.0/24 -j NFQUEUE --queue-num 4 --queue-bypass",
    "-A FORWARD -d 198.51.100.0/24 -j DROP",
  ].join("\n")), DEFAULT_RULES),
  // kube-proxy's three-endpoint service: one of them is the sender itself (hairpin).
  statistic: dump(NAT([
    ":KUBE-SVC - [0:0]", ":SEP-A - [0:0]", ":SEP-B - [0:0]", ":SEP-C - [0:0]",
    "-A PREROUTING -d 10.100.0.5/32 -p tcp -m tcp --dport 80 -j KUBE-SVC",
    "-A KUBE-SVC -m statistic --mode random --probability 0.33333333349 -j SEP-A",
    "-A KUBE-SVC -m statistic --mode random --probability 0.50000000000 -j SEP-B",
    "-A KUBE-SVC -j SEP-C",
    "-A SEP-A -p tcp -m tcp -j DNAT --to-destination 10.0.1.50:8080",
    "-A SEP-B -p tcp -m tcp -j DNAT --to-destination 10.0.9.2:8080",
    "-A SEP-C -p tcp -m tcp -j DNAT --to-destination 10.0.9.3:8080",
  ].join("\n")), DEFAULT_RULES),
  reject: dump(FILTER([
    "-A FORWARD -d 192.0.2.0/24 -j REJECT --reject-with icmp-port-unreachable",
    "-A FORWARD -d 198.51.100.0/24 -p tcp -j REJECT --reject-with tcp-reset",
    "-A FORWARD -d 203.0.113.0/24 -j DROP",
  ].join("\n")), DEFAULT_RULES),
  // How SNAT leaves the source port, by destination (probes come from ports 20000 and up).
  // An address list is a rule per address: iptables-restore writes `-d A,B` as two rules.
  addressList: dump(FILTER("-A FORWARD -s 10.0.1.50 -d 192.0.2.9,198.51.100.0/24 -p tcp -j DROP"), DEFAULT_RULES),
  // NETMAP maps a whole network, keeping the host bits: destinations in PREROUTING, sources in POSTROUTING.
  netmap: dump(NAT([
    "-A PREROUTING -d 198.51.100.0/24 -j NETMAP --to 192.0.2.0/24",
    "-A POSTROUTING -s 10.0.1.48/28 -d 203.0.113.0/24 -j NETMAP --to 10.0.9.0/28",
    "-A POSTROUTING -s 10.0.1.48/28 -j MASQUERADE",
  ].join("\n")), DEFAULT_RULES),
  snatPorts: dump(NAT([
    "-A POSTROUTING -d 192.0.2.0/25 -j SNAT --to-source 10.0.1.10",
    "-A POSTROUTING -d 192.0.2.128/25 -p tcp -j MASQUERADE --to-ports 20000-29999",
    "-A POSTROUTING -d 198.51.100.0/25 -p tcp -j SNAT --to-source 10.0.1.10:1024",
    "-A POSTROUTING -d 198.51.100.128/25 -p tcp -j MASQUERADE --to-ports 1024-2047",
    "-A POSTROUTING -d 203.0.113.0/24 -j SNAT --to-source 10.0.1.10 --random-fully",
  ].join("\n")), DEFAULT_RULES),
  plain6: dump6("", DEFAULT_RULES6),
  policy6: dump6("", POD_RULES6),
  snat6: dump6(NAT("-A POSTROUTING -o eth0 -j SNAT --to-source 2001:db8:1::10"), DEFAULT_RULES6),
  masquerade6: dump6(NAT("-A POSTROUTING -o eth+ -j MASQUERADE"), POD_RULES6),
  netmap6: dump6(NAT("-A PREROUTING -d 2001:db8:ff10::/48 -j NETMAP --to 2001:db8:ff20::/48\n-A POSTROUTING -s 2001:db8:1::50/128 -d 2001:db8:ff30::/48 -j NETMAP --to 2001:db8:1:5::/64"), DEFAULT_RULES6),
  dnat6: dump6(NAT("-A PREROUTING -d fd00:100::5/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [2001:db8:9::2]:8080"), DEFAULT_RULES6),
  dropPolicy6: dump6("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 2001:db8:ff00::/40 -j ACCEPT\nCOMMIT", DEFAULT_RULES6),
  // kube-proxy on an IPv6 cluster: ClusterIP and NodePort, one endpoint the pod itself, masquerade by mark.
  kubeProxy6: dump6(NAT([
    ":KUBE-EXT-A - [0:0]", ":KUBE-MARK-MASQ - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]",
    ":KUBE-SEP-A1 - [0:0]", ":KUBE-SEP-A2 - [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-SVC-A - [0:0]",
    "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
    "-A KUBE-EXT-A -m comment --comment \"masquerade traffic for default/web:http external destinations\" -j KUBE-MARK-MASQ",
    "-A KUBE-EXT-A -j KUBE-SVC-A",
    "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
    "-A KUBE-NODEPORTS -p tcp -m comment --comment \"default/web:http\" -m tcp --dport 30080 -j KUBE-EXT-A",
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
    "-A KUBE-SEP-A1 -s 2001:db8:1::50/128 -m comment --comment \"default/web:http\" -j KUBE-MARK-MASQ",
    "-A KUBE-SEP-A1 -p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination [2001:db8:1::50]:8080",
    "-A KUBE-SEP-A2 -s 2001:db8:9::2/128 -m comment --comment \"default/web:http\" -j KUBE-MARK-MASQ",
    "-A KUBE-SEP-A2 -p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination [2001:db8:9::2]:8080",
    "-A KUBE-SERVICES -d fd00:100::10/128 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A",
    "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS",
    "-A KUBE-SVC-A ! -s 2001:db8:1::/64 -d fd00:100::10/128 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ",
    "-A KUBE-SVC-A -m comment --comment \"default/web:http -> [2001:db8:1::50]:8080\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A1",
    "-A KUBE-SVC-A -m comment --comment \"default/web:http -> [2001:db8:9::2]:8080\" -j KUBE-SEP-A2",
  ].join("\n")), DEFAULT_RULES6),
  masqueradeSelect6: `$ ip6tables-save\n${NAT("-A POSTROUTING -o eth+ -j MASQUERADE")}\n$ ip -6 rule\n${DEFAULT_RULES6}\n${ROUTING6_MULTI}`,
  // REDIRECT takes the arrival interface's first address usable for the destination's scope.
  redirect6: `$ ip6tables-save\n${NAT("-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 9090")}\n$ ip -6 rule\n${DEFAULT_RULES6}\n${ROUTING6_MULTI}`,
  reject6: dump6(FILTER("-A FORWARD -d 2001:db8:ff00::/40 -j REJECT\n-A FORWARD -d 2001:db8:eeee::/48 -p tcp -j REJECT --reject-with tcp-reset"), DEFAULT_RULES6),
  // ip rule selectors and actions beyond from/to/fwmark/not (the generated nodes have those): table 2
  // leaves by eth1, main by eth0.
  ruleSelectors: dump("", [
    "0:\tfrom all lookup local",
    "100:\tfrom all ipproto udp lookup 2",
    "110:\tfrom all ipproto tcp dport 8000-8100 lookup 2",
    "115:\tfrom all nop",
    "120:\tfrom all to 198.51.100.0/24 lookup 2 suppress_prefixlength 0",
    "125:\tfrom all to 198.51.100.128/25 iif eni1 lookup 2",
    "130:\tfrom all to 192.0.2.128/25 goto 150",
    "140:\tfrom all to 192.0.2.0/24 lookup 2",
    "150:\tfrom all to 192.0.2.0/24 lookup main",
    "170:\tfrom all to 203.0.113.128/25 prohibit",
    "190:\tfrom all to 203.0.113.32/27 blackhole",
    "32766:\tfrom all lookup main",
    "32767:\tfrom all lookup default",
  ].join("\n")),
  // Match modules the generated nodes do not use, each steering a packet to SNAT to .10 or .20 (or none).
  matchModules: dump(NAT([
    "-A PREROUTING -d 10.100.0.9/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.200:80",
    "-A POSTROUTING -p tcp -m multiport --dports 8000:8010,9000 -j SNAT --to-source 10.0.1.10",
    "-A POSTROUTING -d 198.51.100.64/26 -p tcp -m multiport ! --dports 1:1000 -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -m iprange --dst-range 192.0.2.10-192.0.2.20 -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -m conntrack --ctorigdst 10.100.0.9/32 -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -d 203.0.113.0/25 -p icmp -m icmp --icmp-type 8 -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -d 198.51.100.0/26 -p tcp -m tcp ! --syn -j SNAT --to-source 10.0.1.10",
    "-A POSTROUTING -d 198.51.100.0/26 -p tcp -m tcp --tcp-flags SYN,ACK SYN -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -d 203.0.113.128/25 -m addrtype --src-type LOCAL -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -d 203.0.113.0/25 -m conntrack --ctproto udp -j SNAT --to-source 10.0.1.20",
    "-A POSTROUTING -p udp -m udp --sport 1:1023 -j SNAT --to-source 10.0.1.10",
    "-A POSTROUTING -d 192.0.2.64/26 -m iprange ! --src-range 10.0.1.40-10.0.1.60 -j SNAT --to-source 10.0.1.20",
  ].join("\n")), DEFAULT_RULES),
  // MARK's set/or/and/xor/xmark and the mark match steering fwmark rules (odd marks, or exactly 0x2,
  // leave by eth1); nat's ACCEPT ending a chain before a DNAT; a DNAT that changes only the port.
  markTargets: dump(`${MANGLE([
    "-A PREROUTING -d 203.0.113.0/26 -j MARK --set-mark 0x10",
    "-A PREROUTING -d 203.0.113.0/27 -j MARK --or-mark 0x1",
    "-A PREROUTING -d 203.0.113.16/28 -j MARK --and-mark 0xfe",
    "-A PREROUTING -d 203.0.113.64/26 -j MARK --set-xmark 0x3/0x2",
    "-A PREROUTING -d 203.0.113.64/27 -j MARK --xor-mark 0x1",
    "-A PREROUTING -d 198.51.100.0/24 -m mark ! --mark 0x0/0xffff -j MARK --set-mark 0x1",
    "-A PREROUTING -d 198.51.100.128/25 -j MARK --set-mark 0x4",
    "-A PREROUTING -m mark --mark 0x4 -j MARK --or-mark 0x1",
  ].join("\n"))}\n${NAT([
    "-A PREROUTING -d 10.100.0.7/32 -j ACCEPT",
    "-A PREROUTING -d 10.100.0.0/24 -p tcp -j DNAT --to-destination 192.0.2.9",
    "-A PREROUTING -d 10.100.1.5/32 -p tcp -j DNAT --to-destination :8080",
  ].join("\n"))}`, "0:\tfrom all lookup local\n100:\tfrom all fwmark 0x1/0x1 lookup 2\n110:\tfrom all fwmark 0x2 lookup 2\n32766:\tfrom all lookup main"),
  // The local paths: REDIRECT on a pod veth (no address there), INPUT's DROP and REJECT, a DNAT in
  // nat OUTPUT, FORWARD by both interfaces, SNAT by a negated out-interface wildcard, OUTPUT's REJECT.
  localPaths: dump(`${NAT([
    "-A PREROUTING -i eni1 -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 9090",
    "-A OUTPUT -d 10.100.0.9/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.9:8080",
    "-A POSTROUTING ! -o eth+ -j SNAT --to-source 10.0.1.20",
  ].join("\n"))}\n${FILTER([
    "-A INPUT -p tcp -m tcp --dport 9999 -j DROP",
    "-A INPUT -p tcp -m tcp --dport 9998 -j REJECT --reject-with tcp-reset",
    "-A FORWARD -i eni1 -o eth0 -p udp -j DROP",
    "-A OUTPUT -d 192.0.2.128/25 -j REJECT",
  ].join("\n"))}`, DEFAULT_RULES),
  // MASQUERADE out of a device with no address (a pod veth, as kube-proxy masquerades NodePort traffic
  // to a local pod) takes the first global address of any device in ifindex order: eth9 comes first,
  // but its address is link-scoped, so it is eth0's. (A secondary address always has its primary's
  // scope: the kernel refuses another, so a secondary is never the first global one.)
  masqueradeFallback: `$ iptables-save\n${NAT("-A POSTROUTING -o eni1 -j MASQUERADE")}\n$ ip rule\n${DEFAULT_RULES}\n${ROUTING
    .replace("4: eni1@", "5: eni1@").replace("3: eth1:", "4: eth1:")
    .replace("2: eth0:", `2: eth9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 02:00:00:00:00:09 brd ff:ff:ff:ff:ff:ff
    inet 10.0.5.1/24 scope link eth9
3: eth0:`)
    .replace("default via 10.0.1.1 dev eth0\n", "default via 10.0.1.1 dev eth0\n10.0.5.0/24 dev eth9 proto kernel scope link src 10.0.5.1\n")
    .replace("local 127.0.0.1", "local 10.0.5.1 dev eth9 table local proto kernel scope host src 10.0.5.1\nlocal 127.0.0.1")}`,
  // No rules: what the kernel's input route check refuses from the addresses alone.
  martians: dump("", DEFAULT_RULES),
  // With kube-proxy's chains, route_localnet is 1 (the kernel suite sets it as kube-proxy does):
  // loopback addresses may arrive, and kube-proxy's KUBE-FIREWALL rule is what stops them.
  martiansKube: dump(`${NAT(":KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES")}\n${FILTER([
    ":KUBE-FIREWALL - [0:0]",
    "-A INPUT -j KUBE-FIREWALL",
    "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
  ].join("\n"))}`, DEFAULT_RULES),
  // The same with an ip rule of the CNI's: the kernel then checks a source by a reverse lookup, and a
  // loopback source is local (127.0.0.0/8 in table local), so a martian even with route_localnet 1.
  martiansKubeRules: `$ iptables-save\n${NAT(":KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES")}\n$ ip rule\n${POD_RULES}\n${ROUTING.replace(
    "local 127.0.0.1 dev lo", "local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1\nlocal 127.0.0.1 dev lo")}`,
  // The same on IPv6, where ip6_rcv_core refuses them on receipt; a mangle rule shows PREROUTING never ran.
  martians6: dump6(MANGLE("-A PREROUTING -j MARK --set-mark 0x1"), DEFAULT_RULES6),
  // The reverse-path check, as the kernel suite builds it with rp_filter 1, 2 and 0 on every interface.
  rpStrict: RP_NODE,
  rpLoose: RP_NODE,
  rpOff: RP_NODE,
  // rp_filter 0 with the default rules, and a local route the kernel did not make: it checks the
  // source by the reverse lookup then, not by the interfaces' addresses.
  customLocal: `$ iptables-save\n\n$ ip rule\n${DEFAULT_RULES}\n${ROUTING.replace("local 127.0.0.1 dev lo", "local 198.51.100.0/24 dev lo table local scope host\nlocal 127.0.0.1 dev lo")}`,
  // IPv4 multicast arriving: the all-hosts group is delivered (INPUT sees it), any other dropped
  // (no interface joined it); FORWARD never sees either.
  multicast4: dump(FILTER("-A FORWARD -j ACCEPT\n-A INPUT -s 203.0.113.66/32 -j DROP"), DEFAULT_RULES),
  // The same on IPv6: the table local's multicast routes deliver only the groups the kernel joins by
  // itself (all-nodes, all-routers as forwarding is on, each address's solicited-node group).
  multicast6: dump6("", DEFAULT_RULES6),
  // Link-local addresses in forwarding: a link-local destination is routed on the arrival interface
  // only; a link-local (or unspecified) source is not forwarded to another interface.
  linkLocal6: dump6("", DEFAULT_RULES6),
} as const;

/** A UDP datagram to port 53, arriving on `iif` (the pod's veth unless it says). */
const udp53 = (src: string, dst: string, iif = "eni1") => ({ src, dst, iif, proto: 17 as const, dport: 53 });

/**
 * The rp_filter probes, the same on each of its nodes: an internet client to the secondary ENI's pod
 * arriving on that ENI (an NLB keeping client IPs: the way back leaves by eth0) and from the VPC; to
 * the primary ENI's pod on eth0 and on eth1; from the unreachable range; the pod's own packet, and one
 * with the other pod's address (the veth has no address).
 */
const RP_PROBES = [
  { src: "203.0.113.7", dst: "10.0.1.60", iif: "eth1" },
  { src: "10.0.5.5", dst: "10.0.1.60", iif: "eth1" },
  { src: "203.0.113.7", dst: "10.0.1.50", iif: "eth0" },
  { src: "203.0.113.7", dst: "10.0.1.50", iif: "eth1" },
  { src: "198.51.100.7", dst: "10.0.1.50", iif: "eth0" },
  { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
  { src: "10.0.1.60", dst: "203.0.113.9", iif: "eni1" },
];
function rpProbes() {
  const at = (rpFilter: RpFilter | undefined) => RP_PROBES.map((p) => (rpFilter === undefined ? p : { ...p, rpFilter }));
  return { rpStrict: at(1), rpLoose: at(undefined), rpOff: at(0) };
}

/**
 * Packets the kernel suite sends to each node: from the pod on eni1 unless `iif` is null (the node
 * sends it), TCP unless `proto` says (1 and 58: an ICMP / ICMPv6 echo request), each sent `repeat` times (default 3) from different source ports:
 * more for a statistic pick (`statistic`'s first endpoint is the sender itself: an unmasqueraded
 * hairpin, back out eni1), once where repeats would clash in conntrack (SNAT to a single port).
 */
export const KERNEL_PACKETS: Partial<Record<keyof typeof NODES, { src: string; dst: string; iif: string | null; proto?: 6 | 17 | 1 | 58; dport?: number; repeat?: number; rpFilter?: RpFilter }[]>> = {
  fallOff: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }],
  goto: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }],
  dropPolicy: [
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", proto: 1 }, { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1", proto: 1 },
  ],
  snatAll: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", proto: 1 }],
  notrack: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  masquerade: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  connmark: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "10.0.7.7", iif: "eni1" }],
  restoreMasked: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  routeTypes: [{ src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }, { src: "10.0.1.50", dst: "198.51.100.1", iif: "eni1" }, { src: "10.0.1.50", dst: "192.0.2.1", iif: "eni1" }],
  plain: [
    { src: "10.0.1.10", dst: "203.0.113.9", iif: null }, { src: "10.0.1.50", dst: "10.0.1.20", iif: "eni1" },
    { src: "10.0.1.10", dst: "203.0.113.9", iif: null, proto: 1 }, { src: "10.0.1.50", dst: "10.0.1.20", iif: "eni1", proto: 1 },
  ],
  statistic: [{ src: "10.0.1.50", dst: "10.100.0.5", iif: "eni1", dport: 80, repeat: 12 }],
  queue: [{ src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }, { src: "10.0.1.50", dst: "198.51.100.9", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  reject: [
    { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }, udp53("10.0.1.50", "192.0.2.9"),
    { src: "10.0.1.50", dst: "198.51.100.9", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
    { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1", proto: 1 },
  ],
  addressList: [{ src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }, { src: "10.0.1.50", dst: "198.51.100.7", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  netmap: [{ src: "10.0.1.50", dst: "198.51.100.7", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" }],
  snatPorts: [
    { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" }, udp53("10.0.1.50", "192.0.2.9"),
    { src: "10.0.1.50", dst: "192.0.2.200", iif: "eni1" }, { src: "10.0.1.50", dst: "198.51.100.9", iif: "eni1", repeat: 1 },
    { src: "10.0.1.50", dst: "198.51.100.200", iif: "eni1" }, { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
  ],
  plain6: [
    { src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }, { src: "2001:db8:1::50", dst: "2001:db8:1::20", iif: "eni1" },
    { src: "2001:db8:1::10", dst: "2001:db8:ff00::9", iif: null },
    udp53("2001:db8:1::50", "2001:db8:ff00::9"),
    { src: "2001:db8:1::10", dst: "2001:db8:ff00::9", iif: null, proto: 17, dport: 53 },
    { src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1", proto: 58 }, { src: "2001:db8:1::10", dst: "2001:db8:ff00::9", iif: null, proto: 58 },
    { src: "2001:db8:1::50", dst: "2001:db8:1::20", iif: "eni1", proto: 58 },
  ],
  policy6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }, { src: "2001:db8:1::50", dst: "2001:db8:1::60", iif: "eni1" }],
  snat6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }],
  masquerade6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }],
  dnat6: [{ src: "2001:db8:1::50", dst: "fd00:100::5", iif: "eni1", dport: 80 }],
  netmap6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff10::7", iif: "eni1" }, { src: "2001:db8:1::50", dst: "2001:db8:ff30::9", iif: "eni1" }],
  dropPolicy6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }, { src: "2001:db8:1::50", dst: "2001:db8:eeee::9", iif: "eni1" }],
  kubeProxy6: [
    { src: "2001:db8:1::50", dst: "fd00:100::10", iif: "eni1", dport: 80, repeat: 8 },
    { src: "2001:db8:ff00::7", dst: "2001:db8:1::10", iif: "eth0", dport: 30080, repeat: 8 },
    { src: "2001:db8:1::10", dst: "fd00:100::10", iif: null, dport: 80, repeat: 8 },
  ],
  // Longest prefix, the ULA label, no deprecated or tentative source, the outgoing interface first,
  // and from another interface when the outgoing one has no global address.
  masqueradeSelect6: ["2001:db8:ff00::9", "fd00:9::9", "2001:db8:ff01::9", "2001:db8:ff02::9", "2001:db8:ff03::9", "2001:db8:ff03:1::9"]
    .map((dst) => ({ src: "2001:db8:1::50", dst, iif: "eni1" })),
  redirect6: [
    { src: "2001:db8:ff00::7", dst: "2001:db8:ee00::9", iif: "eth0", dport: 8080 },
    { src: "fe80::7", dst: "fe80::99", iif: "eth0", dport: 8080 },
  ],
  reject6: [{ src: "2001:db8:1::50", dst: "2001:db8:ff00::9", iif: "eni1" }, { src: "2001:db8:1::50", dst: "2001:db8:eeee::9", iif: "eni1" }],
  // With rp_filter 0, so that the reverse-path check (the rp nodes') does not hide what the selectors do.
  ruleSelectors: ([
    udp53("10.0.1.50", "203.0.113.9"),
    { src: "10.0.1.10", dst: "192.0.2.200", iif: null, proto: 17, dport: 53 },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", dport: 8080 },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
    { src: "10.0.1.50", dst: "198.51.100.9", iif: "eni1" },
    { src: "10.0.1.50", dst: "198.51.100.200", iif: "eni1" },
    { src: "10.0.1.10", dst: "198.51.100.200", iif: null },
    { src: "10.0.1.50", dst: "192.0.2.200", iif: "eni1" },
    { src: "10.0.1.50", dst: "192.0.2.9", iif: "eni1" },
    { src: "10.0.1.50", dst: "203.0.113.200", iif: "eni1" },
    { src: "10.0.1.50", dst: "203.0.113.40", iif: "eni1" },
  ] as const).map((p) => ({ ...p, rpFilter: 0 as const })),
  matchModules: [
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", dport: 8005 },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", dport: 9000 },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", dport: 443 },
    { src: "10.0.1.50", dst: "198.51.100.70", iif: "eni1", dport: 443 },
    { src: "10.0.1.50", dst: "198.51.100.70", iif: "eni1", dport: 2000 },
    { src: "10.0.1.50", dst: "192.0.2.15", iif: "eni1" },
    { src: "10.0.1.50", dst: "10.100.0.9", iif: "eni1", dport: 80 },
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", proto: 1 },
    { src: "10.0.1.50", dst: "198.51.100.9", iif: "eni1" },
    { src: "10.0.1.10", dst: "203.0.113.200", iif: null },
    { src: "10.0.1.50", dst: "203.0.113.200", iif: "eni1" },
    udp53("10.0.1.50", "203.0.113.9"),
    { src: "10.0.1.50", dst: "192.0.2.70", iif: "eni1" },
    { src: "10.0.1.10", dst: "192.0.2.70", iif: null },
  ],
  markTargets: ["203.0.113.5", "203.0.113.20", "203.0.113.40", "203.0.113.70", "203.0.113.100", "198.51.100.9", "198.51.100.200", "10.100.0.7", "10.100.0.8", "10.100.1.5"]
    .map((dst) => ({ src: "10.0.1.50", dst, iif: "eni1" })),
  masqueradeFallback: [{ src: "203.0.113.9", dst: "10.0.1.50", iif: "eth0" }],
  martians: [
    { src: "10.0.1.50", dst: "127.0.0.1", iif: "eni1" },
    { src: "127.0.0.5", dst: "203.0.113.9", iif: "eni1" },
    udp53("0.0.0.0", "203.0.113.9"),
    { src: "10.0.1.50", dst: "0.1.2.3", iif: "eni1" },
    { src: "10.0.1.50", dst: "0.0.0.0", iif: "eni1" },
    udp53("224.0.0.5", "203.0.113.9"),
    udp53("255.255.255.255", "203.0.113.9"),
    udp53("10.0.1.50", "255.255.255.255"),
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
    // The node's own addresses as sources from outside (accept_local 0): on the arrival interface's
    // address, on another interface's, and on a pod's packet to the node itself.
    udp53("10.0.1.10", "203.0.113.9", "eth0"),
    udp53("10.0.1.20", "203.0.113.9"),
    udp53("10.0.1.20", "10.0.1.10"),
  ],
  martiansKube: [
    udp53("10.0.1.50", "127.0.0.1"),
    udp53("127.0.0.5", "127.0.0.1"),
    udp53("127.0.0.5", "203.0.113.9"),
    udp53("10.0.1.50", "203.0.113.9"),
  ],
  martiansKubeRules: [
    udp53("127.0.0.5", "203.0.113.9"),
    udp53("10.0.1.20", "203.0.113.9", "eth0"),
    udp53("203.0.113.7", "10.0.1.50", "eth0"),
  ],
  ...rpProbes(),
  customLocal: [udp53("198.51.100.7", "10.0.1.50", "eth0"), udp53("203.0.113.7", "10.0.1.50", "eth0")].map((p) => ({ ...p, rpFilter: 0 as const })),
  multicast6: [
    udp53("2001:db8:1::50", "ff02::1"), udp53("2001:db8:1::50", "ff02::2"), udp53("2001:db8:1::50", "ff05::1:3"),
    udp53("2001:db8:1::50", "ff02::1:ff00:30"), udp53("2001:db8:1::50", "ff0e::1234"),
    udp53("2001:db8:ff00::7", "ff02::1:ff00:10", "eth0"), udp53("2001:db8:ff00::7", "ff02::1:ff00:20", "eth0"),
  ],
  linkLocal6: [
    udp53("fe80::99", "2001:db8:ff00::9"), udp53("2001:db8:1::50", "fe80::99"), udp53("::", "2001:db8:ff00::9"),
    udp53("fe80::99", "2001:db8:ff00::9", "eth0"), udp53("2001:db8:ff00::7", "fe80::99", "eth1"),
  ],
  multicast4: [
    udp53("10.0.1.50", "239.1.2.3"), udp53("10.0.1.50", "224.0.0.1"), udp53("10.0.1.50", "224.0.0.251"),
    udp53("203.0.113.7", "224.0.0.1", "eth0"), udp53("203.0.113.66", "224.0.0.1", "eth0"), udp53("203.0.113.7", "239.1.2.3", "eth1"),
  ],
  martians6: [
    udp53("2001:db8:1::50", "::1"),
    udp53("::1", "2001:db8:ff00::9"),
    udp53("ff02::1", "2001:db8:ff00::9"),
    udp53("::ffff:10.0.1.50", "2001:db8:ff00::9"),
    udp53("2001:db8:1::50", "ff01::1"),
    udp53("2001:db8:1::50", "ff00::1"),
    udp53("2001:db8:1::50", "2001:db8:ff00::9"),
  ],
  localPaths: [
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1", dport: 8080 },
    { src: "10.0.1.50", dst: "10.0.1.10", iif: "eni1", dport: 9999 },
    { src: "10.0.1.50", dst: "10.0.1.10", iif: "eni1", dport: 9998 },
    { src: "10.0.1.50", dst: "10.0.1.10", iif: "eni1", dport: 443 },
    { src: "10.0.1.10", dst: "10.100.0.9", iif: null, dport: 80 },
    { src: "10.0.1.10", dst: "10.0.1.50", iif: null },
    udp53("10.0.1.50", "203.0.113.9"),
    { src: "10.0.1.50", dst: "203.0.113.9", iif: "eni1" },
    { src: "10.0.1.10", dst: "192.0.2.200", iif: null },
  ],
};
