/**
 * Random EKS-like nodes written as dump TEXT, the way the real tools print them (iptables-save,
 * `ip rule`, `ip route show table all`, `ip addr`), so podpath parses exactly what the kernel is given.
 *
 * Amazon VPC CNI layouts: current single chain (v1.12+), chained (v1.3–v1.16), legacy (v1.0–v1.2),
 * external SNAT; kube-proxy iptables mode (modern: KUBE-EXT, MASQUERADE --random-fully), with
 * endpoint-less services rejected in filter KUBE-SERVICES, and sometimes a "network policy" in FORWARD
 * (DROP, REJECT, or NFQUEUE with nothing reading the queue, with or without --queue-bypass).
 */
import { pick, type Rng } from "./packets.js";

export type Layout = "current" | "chained" | "legacy" | "external";

export interface GeneratedNode {
  label: string;
  layout: Layout | "ipv6";
  /** Dump files by name (the name tells podpath what each holds, and its family). */
  files: Record<string, string>;
}

function ipNum(s: string): number {
  return s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}

function ipStr(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function hex(r: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

export function mac(r: Rng, ec2: boolean): string {
  const first = ec2 ? 0x02 : (Math.floor(r() * 256) | 2) & 0xfe;
  return [first, ...Array.from({ length: 5 }, () => Math.floor(r() * 256))].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export function chainId(r: Rng): string {
  const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let s = "";
  for (let i = 0; i < 16; i++) s += a[Math.floor(r() * 32)];
  return s;
}

/** iptables prints statistic probabilities from a 31-bit fixed-point value with %.11f. */
export function probability(p: number): string {
  return (Math.round(p * 0x80000000) / 0x80000000).toFixed(11);
}

/** Where kubeProxyRules adds its chains and rules. */
export interface RuleSink {
  natChains: Set<string>;
  nat: string[];
  filter: string[];
}

/**
 * kube-proxy's iptables-mode rules for 1–4 services, in either family: a ClusterIP each, 0–3
 * endpoints (none: the service is rejected in filter), picked by statistic and DNATed, some with a
 * NodePort through KUBE-EXT; then the NodePort dispatch, the masquerade mark and KUBE-POSTROUTING.
 */
export function kubeProxyRules(r: Rng, how: { family: 4 | 6; serviceIp: () => string; endpoint: () => string }, out: RuleSink): void {
  const { natChains, nat, filter } = out;
  const host = how.family === 4 ? "/32" : "/128";
  const at = (ep: string, port: number) => (how.family === 4 ? `${ep}:${port}` : `[${ep}]:${port}`);
  const unreachable = how.family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
  const nSvc = 1 + Math.floor(r() * 4);
  for (let s = 0; s < nSvc; s++) {
    const ip = how.serviceIp();
    const proto = r() < 0.75 ? "tcp" : "udp";
    const port = pick(r, [80, 443, 53, 8080, 9000]);
    const tport = pick(r, [port, 8080, 8443]);
    const name = `ns${s}/svc${s}:p`;
    const nEp = Math.floor(r() * 4);
    if (nEp === 0) {
      filter.push(`-A KUBE-SERVICES -d ${ip}${host} -p ${proto} -m comment --comment "${name} has no endpoints" -m ${proto} --dport ${port} -j REJECT --reject-with ${unreachable}`);
      continue;
    }
    const svc = `KUBE-SVC-${chainId(r)}`;
    natChains.add(svc);
    nat.push(`-A KUBE-SERVICES -d ${ip}${host} -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port} -j ${svc}`);
    for (let e = 0; e < nEp; e++) {
      const ep = how.endpoint();
      const sep = `KUBE-SEP-${chainId(r)}`;
      natChains.add(sep);
      const left = nEp - e;
      nat.push(`-A ${svc} -m comment --comment "${name} -> ${at(ep, tport)}"${left > 1 ? ` -m statistic --mode random --probability ${probability(1 / left)}` : ""} -j ${sep}`);
      nat.push(`-A ${sep} -s ${ep}${host} -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      nat.push(`-A ${sep} -p ${proto} -m comment --comment "${name}" -m ${proto} -j DNAT --to-destination ${at(ep, tport)}`);
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
}

interface Eni { name: string; ip: string; table: string; mac: string; pods: { ip: string; veth: string; mac: string }[] }

export function generateNode(r: Rng, index: number): GeneratedNode {
  const layout: Layout = pick(r, ["current", "current", "chained", "legacy", "external"] as const);
  const vpc10 = r() < 0.5;
  const vpcBase = vpc10 ? ipNum(`10.${Math.floor(r() * 200) + 1}.0.0`) : ipNum("192.168.0.0");
  const vpcLen = vpc10 ? pick(r, [16, 16, 18, 20]) : 16;
  const vpc = `${ipStr(vpcBase)}/${vpcLen}`;
  const secondCidr = r() < 0.3 ? `${ipStr(ipNum(`10.${Math.floor(r() * 50) + 201}.0.0`))}/16` : null;
  const subnetBase = vpcBase + Math.floor(r() * 2 ** (32 - vpcLen - 8)) * 256;
  const gw = ipStr(subnetBase + 1);
  const used = new Set<number>([0, 1, 255]);
  const hostIp = () => {
    for (let i = 0; i < 1000; i++) {
      const h = 2 + Math.floor(r() * 252);
      if (!used.has(h)) {
        used.add(h);
        return ipStr(subnetBase + h);
      }
    }
    throw new Error("subnet full");
  };
  const al2023 = r() < 0.5;
  const ifName = (i: number) => (al2023 ? `ens${5 + i}` : `eth${i}`);
  const nEni = 1 + Math.floor(r() * 3);
  const enis: Eni[] = [];
  for (let i = 0; i < nEni; i++) {
    const pods = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ ip: hostIp(), veth: `eni${hex(r, 11)}`, mac: mac(r, false) }));
    enis.push({ name: ifName(i), ip: hostIp(), table: i === 0 ? "main" : String(i + 1), mac: mac(r, true), pods });
  }
  const primary = enis[0]!;
  const exclusions: string[] = [];
  for (let i = Math.floor(r() * 3); i > 0; i--) {
    exclusions.push(pick(r, ["172.16.0.0/12", "100.64.0.0/10", "10.0.0.0/8", `172.${20 + Math.floor(r() * 10)}.0.0/16`, "198.51.100.0/24", "203.0.113.128/25"]));
  }
  const excl = [...new Set(exclusions)].filter((e) => e !== vpc);
  const vpcCidrs = [vpc, ...(secondCidr ? [secondCidr] : [])];
  const allPods = enis.flatMap((e) => e.pods.map((p) => ({ ...p, eni: e })));
  const svcCidr = vpc10 ? "172.20" : "10.100";
  const randomFully = pick(r, [" --random-fully", " --random", ""]);

  // ---- iptables
  const natChains = new Set<string>(["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-NODEPORTS"]);
  const nat: string[] = [];
  const filterChains = new Set<string>(["KUBE-SERVICES", "KUBE-FORWARD", "KUBE-FIREWALL"]);
  const filter: string[] = [
    "-A INPUT -j KUBE-FIREWALL",
    "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
    "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
    "-A OUTPUT -j KUBE-FIREWALL",
    "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
  ];
  if (r() < 0.35) filter.push(`-A FORWARD -d ${pick(r, ["198.51.100.0/24", "192.0.2.0/24", "203.0.113.0/26"])} -m comment --comment "policy" -j ${pick(r, ["DROP", "REJECT --reject-with icmp-port-unreachable", "NFQUEUE --queue-num 7", "NFQUEUE --queue-num 7 --queue-bypass"])}`);
  const mangle: string[] = [];
  nat.push("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
  nat.push("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
  nat.push("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
  const snat = `-m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${primary.ip}${randomFully}`;
  const cidrs = [...excl.slice().reverse(), ...vpcCidrs.slice().reverse()];
  const mangleRules = [
    `-A PREROUTING -i ${primary.name} -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80`,
    "-A PREROUTING -i eni+ -m comment --comment \"AWS, primary ENI\" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80",
  ];
  if (layout === "current") {
    natChains.add("AWS-SNAT-CHAIN-0").add("AWS-CONNMARK-CHAIN-0");
    nat.push("-A PREROUTING -i eni+ -m comment --comment \"AWS, outbound connections\" -j AWS-CONNMARK-CHAIN-0");
    nat.push("-A PREROUTING -m comment --comment \"AWS, CONNMARK\" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80");
    nat.push("-A POSTROUTING -m comment --comment \"AWS SNAT CHAIN\" -j AWS-SNAT-CHAIN-0");
    for (const c of cidrs) nat.push(`-A AWS-CONNMARK-CHAIN-0 -d ${c} -m comment --comment "AWS CONNMARK CHAIN, ${excl.includes(c) ? "EXCLUDED CIDR" : "VPC CIDR"}" -j RETURN`);
    nat.push("-A AWS-CONNMARK-CHAIN-0 -m comment --comment \"AWS, CONNMARK\" -j CONNMARK --set-xmark 0x80/0x80");
    for (const c of cidrs) nat.push(`-A AWS-SNAT-CHAIN-0 -d ${c} -m comment --comment "${excl.includes(c) ? "AWS SNAT CHAIN EXCLUSION" : "AWS SNAT CHAIN"}" -j RETURN`);
    nat.push(`-A AWS-SNAT-CHAIN-0 ! -o vlan+ ${snat}`);
    mangle.push(...mangleRules);
  } else if (layout === "chained") {
    const list = [...vpcCidrs, ...excl];
    nat.push("-A PREROUTING -i eni+ -m comment --comment \"AWS, outbound connections\" -m state --state NEW -j AWS-CONNMARK-CHAIN-0");
    nat.push("-A PREROUTING -m comment --comment \"AWS, CONNMARK\" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80");
    nat.push("-A POSTROUTING -m comment --comment \"AWS SNAT CHAIN\" -j AWS-SNAT-CHAIN-0");
    list.forEach((c, i) => {
      natChains.add(`AWS-SNAT-CHAIN-${i}`).add(`AWS-CONNMARK-CHAIN-${i}`);
      nat.push(`-A AWS-SNAT-CHAIN-${i} ! -d ${c} -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-${i + 1}`);
      nat.push(`-A AWS-CONNMARK-CHAIN-${i} ! -d ${c} -m comment --comment "AWS CONNMARK CHAIN, VPC CIDR" -j AWS-CONNMARK-CHAIN-${i + 1}`);
    });
    natChains.add(`AWS-SNAT-CHAIN-${list.length}`).add(`AWS-CONNMARK-CHAIN-${list.length}`);
    nat.push(`-A AWS-SNAT-CHAIN-${list.length} ! -o vlan+ ${snat}`);
    nat.push(`-A AWS-CONNMARK-CHAIN-${list.length} -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80`);
    mangle.push(...mangleRules);
  } else if (layout === "legacy") {
    nat.push(`-A POSTROUTING ! -d ${vpc} ${snat}`);
  } else {
    natChains.add("AWS-SNAT-CHAIN-0").add("AWS-CONNMARK-CHAIN-0");
    mangle.push(...mangleRules);
  }

  // kube-proxy services.
  const remote = () => ipStr(vpcBase + 2 ** (32 - vpcLen) - 256 * (2 + Math.floor(r() * 3)) + 10 + Math.floor(r() * 200));
  kubeProxyRules(r, {
    family: 4,
    serviceIp: () => `${svcCidr}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 250)}`,
    endpoint: () => (allPods.length > 0 && r() < 0.6 ? pick(r, allPods).ip : remote()),
  }, { natChains, nat, filter });

  const table = (name: string, builtins: string[], chains: Set<string>, rules: string[]) => [
    `# Generated by iptables-save v1.8.9 (nf_tables) on Sun Nov 22 00:00:00 2026`,
    `*${name}`,
    ...builtins.map((b) => `:${b} ACCEPT [0:0]`),
    ...[...chains].sort().map((c) => `:${c} - [0:0]`),
    ...rules,
    "COMMIT",
    `# Completed on Sun Nov 22 00:00:00 2026`,
  ];
  // iptables-save prints a table's rules chain by chain: built-ins first, then user chains sorted.
  const order = (builtins: string[], chains: Set<string>, rules: string[]) => {
    const names = [...builtins, ...[...chains].sort()];
    return names.flatMap((n) => rules.filter((l) => l.startsWith(`-A ${n} `)));
  };
  const mangleB = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
  const filterB = ["INPUT", "FORWARD", "OUTPUT"];
  const natB = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"];
  const ipt = [
    ...table("mangle", mangleB, new Set(), order(mangleB, new Set(), mangle)),
    ...table("filter", filterB, filterChains, order(filterB, filterChains, filter)),
    ...table("nat", natB, natChains, order(natB, natChains, nat)),
  ].join("\n");

  // ---- ip rule
  const rules: string[] = ["0:\tfrom all lookup local"];
  for (const p of allPods) rules.push(`512:\tfrom all to ${p.ip} lookup main`);
  if (layout === "legacy") rules.push(`1024:\tnot from all to ${vpc} lookup main`);
  else rules.push("1024:\tfrom all fwmark 0x80/0x80 lookup main");
  const perCidr = layout === "chained" && r() < 0.5;
  for (const p of allPods) {
    if (p.eni.table === "main") continue;
    if (perCidr) for (const c of [...vpcCidrs, ...excl]) rules.push(`1536:\tfrom ${p.ip} to ${c} lookup ${p.eni.table}`);
    else rules.push(`1536:\tfrom ${p.ip} lookup ${p.eni.table}`);
  }
  rules.push("32766:\tfrom all lookup main", "32767:\tfrom all lookup default");

  // ---- ip route show table all
  const routes: string[] = [];
  for (const e of enis.slice(1)) routes.push(`default via ${gw} dev ${e.name} table ${e.table} `, `${gw} dev ${e.name} table ${e.table} scope link `);
  const subnet = `${ipStr(subnetBase)}/24`;
  if (al2023) {
    routes.push(`default via ${gw} dev ${primary.name} proto dhcp src ${primary.ip} metric 512 `);
    routes.push(`${subnet} dev ${primary.name} proto kernel scope link src ${primary.ip} metric 512 `);
    routes.push(`${gw} dev ${primary.name} proto dhcp scope link src ${primary.ip} metric 512 `);
  } else {
    routes.push(`default via ${gw} dev ${primary.name} `, `169.254.169.254 dev ${primary.name} `);
    routes.push(`${subnet} dev ${primary.name} proto kernel scope link src ${primary.ip} `);
  }
  for (const p of allPods) routes.push(`${p.ip} dev ${p.veth} scope link `);
  routes.push("local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ");
  routes.push("local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ");
  routes.push("broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ");
  for (const e of enis) routes.push(`local ${e.ip} dev ${e.name} table local proto kernel scope host src ${e.ip} `);
  for (const e of enis) routes.push(`broadcast ${ipStr(subnetBase + 255)} dev ${e.name} table local proto kernel scope link src ${e.ip} `);

  // ---- ip addr
  const addr: string[] = [
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
    "    inet 127.0.0.1/8 scope host lo",
    "       valid_lft forever preferred_lft forever",
  ];
  let idx = 2;
  enis.forEach((e, i) => {
    addr.push(`${idx++}: ${e.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000`);
    addr.push(`    link/ether ${e.mac} brd ff:ff:ff:ff:ff:ff`);
    const dyn = i === 0 && al2023 ? " metric 512" : "";
    addr.push(`    inet ${e.ip}/24${dyn} brd ${ipStr(subnetBase + 255)} scope global ${i === 0 ? "dynamic " : ""}${e.name}`);
    addr.push(i === 0 ? "       valid_lft 3598sec preferred_lft 3598sec" : "       valid_lft forever preferred_lft forever");
  });
  for (const p of allPods) {
    addr.push(`${idx++}: ${p.veth}@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP group default`);
    addr.push(`    link/ether ${p.mac} brd ff:ff:ff:ff:ff:ff link-netns cni-${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`);
  }

  return {
    label: `random-${index}-${layout}`,
    layout,
    files: {
      "iptables-save.txt": `${ipt}\n`,
      "ip-rule.txt": `${rules.join("\n")}\n`,
      "ip-route.txt": `${routes.join("\n")}\n`,
      "ip-addr.txt": `${addr.join("\n")}\n`,
    },
  };
}
