/**
 * Random EKS IPv6 nodes written as dump text (ip6tables-save, `ip -6 rule`, `ip -6 route show table
 * all`, `ip addr`): the VPC CNI in IPv6 mode (pods on prefixes delegated to the primary ENI, each
 * routed to its veth, no SNAT of IPv6), router-advertised link-local gateways, and kube-proxy's
 * ip6tables rules (ClusterIPs in a ULA service range, statistic endpoints DNATed to [addr]:port,
 * NodePorts, masquerade by mark, endpoint-less services rejected), sometimes a "network policy".
 */
import { chainId, hex, mac, probability, type GeneratedNode } from "./gen-node.js";
import { pick, type Rng } from "./packets.js";

const h16 = (r: Rng) => Math.floor(r() * 0xffff).toString(16);

export function generateNode6(r: Rng, index: number): GeneratedNode {
  // A /48 of documentation space for the VPC; the node's subnet is one /64 of it (another holds
  // remote endpoints), its pods on an /80 of the subnet.
  const site = `2001:db8:${h16(r)}`;
  const n = Math.floor(r() * 0xfffe);
  const subnet = `${site}:${n.toString(16)}`;
  const otherSubnet = `${site}:${(n + 1).toString(16)}`;
  const al2023 = r() < 0.5;
  const ifName = (i: number) => (al2023 ? `ens${5 + i}` : `eth${i}`);
  const nodeIp = `${subnet}::${h16(r)}:${h16(r)}`;
  const prefix80 = `${subnet}:${h16(r)}`;
  const pods = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => ({ ip: `${prefix80}::${(i + 2).toString(16)}`, veth: `eni${hex(r, 11)}`, mac: mac(r, false) }));
  const second = r() < 0.4 ? { name: ifName(1), ip: `${subnet}::${h16(r)}:${h16(r)}`, mac: mac(r, true) } : null;
  const primary = { name: ifName(0), ip: nodeIp, mac: mac(r, true) };
  const svcRange = `fd${hex(r, 2)}:${h16(r)}::`;
  const remote = () => `${otherSubnet}::${h16(r)}`;

  // ---- ip6tables
  const natChains = new Set<string>(["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-NODEPORTS"]);
  const nat: string[] = [
    "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
  ];
  const filterChains = new Set<string>(["KUBE-SERVICES", "KUBE-FORWARD"]);
  const filter: string[] = [
    "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
    "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
  ];
  if (r() < 0.35) filter.push(`-A FORWARD -d ${pick(r, ["2001:db8:ff00::/48", "2001:db8:ff01::/48"])} -m comment --comment "policy" -j ${pick(r, ["DROP", "REJECT --reject-with icmp6-port-unreachable"])}`);
  const nSvc = 1 + Math.floor(r() * 4);
  for (let s = 0; s < nSvc; s++) {
    const ip = `${svcRange}${h16(r)}`;
    const proto = r() < 0.75 ? "tcp" : "udp";
    const port = pick(r, [80, 443, 53, 8080, 9000]);
    const tport = pick(r, [port, 8080, 8443]);
    const name = `ns${s}/svc${s}:p`;
    const nEp = Math.floor(r() * 4);
    if (nEp === 0) {
      filter.push(`-A KUBE-SERVICES -d ${ip}/128 -p ${proto} -m comment --comment "${name} has no endpoints" -m ${proto} --dport ${port} -j REJECT --reject-with icmp6-port-unreachable`);
      continue;
    }
    const svc = `KUBE-SVC-${chainId(r)}`;
    natChains.add(svc);
    nat.push(`-A KUBE-SERVICES -d ${ip}/128 -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port} -j ${svc}`);
    for (let e = 0; e < nEp; e++) {
      const ep = r() < 0.6 ? pick(r, pods).ip : remote();
      const sep = `KUBE-SEP-${chainId(r)}`;
      natChains.add(sep);
      const left = nEp - e;
      nat.push(`-A ${svc} -m comment --comment "${name} -> [${ep}]:${tport}"${left > 1 ? ` -m statistic --mode random --probability ${probability(1 / left)}` : ""} -j ${sep}`);
      nat.push(`-A ${sep} -s ${ep}/128 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      nat.push(`-A ${sep} -p ${proto} -m comment --comment "${name}" -m ${proto} -j DNAT --to-destination [${ep}]:${tport}`);
    }
    if (r() < 0.5) {
      const ext = `KUBE-EXT-${chainId(r)}`;
      natChains.add(ext);
      nat.push(`-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${name}" -m ${proto} --dport ${30000 + Math.floor(r() * 2767)} -j ${ext}`);
      nat.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
      nat.push(`-A ${ext} -j ${svc}`);
    }
  }
  nat.push("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
  nat.push("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
  nat.push("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
  nat.push("-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0");
  nat.push("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");

  const table = (name: string, builtins: string[], chains: Set<string>, rules: string[]) => {
    const names = [...builtins, ...[...chains].sort()];
    return [
      `*${name}`,
      ...builtins.map((b) => `:${b} ACCEPT [0:0]`),
      ...[...chains].sort().map((c) => `:${c} - [0:0]`),
      // ip6tables-save prints a table's rules chain by chain: built-ins first, then user chains sorted.
      ...names.flatMap((n) => rules.filter((l) => l.startsWith(`-A ${n} `))),
      "COMMIT",
    ];
  };
  const ipt = [
    "# Generated by ip6tables-save v1.8.9 (nf_tables) on Sun Nov 22 00:00:00 2026",
    ...table("filter", ["INPUT", "FORWARD", "OUTPUT"], filterChains, filter),
    ...table("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"], natChains, nat),
    "# Completed on Sun Nov 22 00:00:00 2026",
  ].join("\n");

  // ---- ip -6 rule, ip -6 route show table all
  const rules = ["0:\tfrom all lookup local", "32766:\tfrom all lookup main"];
  const enis = second ? [primary, second] : [primary];
  const routes: string[] = [];
  for (const p of pods) routes.push(`${p.ip} dev ${p.veth} metric 1024 pref medium`);
  for (const e of enis) routes.push(`${subnet}::/64 dev ${e.name} proto ra metric ${e === primary ? 1024 : 1025} expires 3597sec pref medium`);
  for (const e of [...enis, ...pods.map((p) => ({ name: p.veth }))]) routes.push(`fe80::/64 dev ${e.name} proto kernel metric 256 pref medium`);
  routes.push(`default via fe80::1 dev ${primary.name} proto ra metric 1024 expires 1797sec hoplimit 64 pref medium`);
  routes.push("local ::1 dev lo table local proto kernel metric 0 pref medium");
  for (const e of enis) routes.push(`local ${e.ip} dev ${e.name} table local proto kernel metric 0 pref medium`);
  for (const e of enis) routes.push(`anycast ${subnet}:: dev ${e.name} table local proto kernel metric 0 pref medium`);
  for (const e of [...enis, ...pods.map((p) => ({ name: p.veth }))]) routes.push(`multicast ff00::/8 dev ${e.name} table local proto kernel metric 256 pref medium`);

  // ---- ip addr
  const addr = [
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
    "    inet 127.0.0.1/8 scope host lo",
    "       valid_lft forever preferred_lft forever",
    "    inet6 ::1/128 scope host noprefixroute",
    "       valid_lft forever preferred_lft forever",
  ];
  let idx = 2;
  for (const e of enis) {
    addr.push(`${idx++}: ${e.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000`);
    addr.push(`    link/ether ${e.mac} brd ff:ff:ff:ff:ff:ff`);
    addr.push(`    inet6 ${e.ip}/128 scope global dynamic noprefixroute`);
    addr.push("       valid_lft 447sec preferred_lft 137sec");
  }
  for (const p of pods) {
    addr.push(`${idx++}: ${p.veth}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default`);
    addr.push(`    link/ether ${p.mac} brd ff:ff:ff:ff:ff:ff link-netns cni-${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`);
  }

  return {
    label: `random-${index}-ipv6`,
    layout: "ipv6",
    files: {
      "ip6tables-save.txt": `${ipt}\n`,
      "ip-6-rule.txt": `${rules.join("\n")}\n`,
      "ip-6-route.txt": `${routes.join("\n")}\n`,
      "ip-addr.txt": `${addr.join("\n")}\n`,
    },
  };
}
