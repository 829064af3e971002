/**
 * Builds a parsed node (`NodeModel`) inside network namespaces with the real kernel:
 *
 *   NODE namespace: one veth per dumped interface (except lo), with the dump's exact name, MAC, MTU and
 *   addresses; every route of every table, every ip rule, the iptables rulesets (printed back as
 *   iptables-save text and loaded with iptables-restore), sysctls so packets flow.
 *   One peer namespace per interface: holds `p0`, the other end of that interface's veth (the "wire").
 *
 * Addresses are added with `noprefixroute`, so the kernel creates no connected routes of its own; the
 * dump's routes (including `proto kernel` connected routes) are then added exactly as dumped. The kernel
 * still creates table local's local/broadcast routes itself, which is why those are skipped.
 */
import { formatAddress, formatPrefix, isIpv6LinkLocal, type IpAddr } from "../../src/model/address.js";
import { ruleSpec, type Chain, type Ruleset, type TableName } from "../../src/model/netfilter.js";
import { runsKubeProxy, type NodeModel } from "../../src/model/node.js";
import { isKernelDefaultRule, type Interface, type IpRule, type Route } from "../../src/model/routing.js";
import { printAppend } from "../../src/parse/print-iptables.js";
import { RP_FILTER_DEFAULT, type RpFilter } from "../../src/eval/source-check.js";
import type { Session } from "./netns.js";

export interface Wire {
  /** The node's interface name. */
  iface: string;
  /** Peer namespace holding `p0`. */
  peerNs: string;
  nodeMac: string;
  peerMac: string;
}

export interface BuiltNode {
  session: Session;
  nodeNs: string;
  wires: Map<string, Wire>;
  /** Things the dump had that could not be reproduced in the namespace (reported, not fatal). */
  warnings: string[];
  /** IPv6 is built too (the dump has global addresses, routes, rules or ip6tables). */
  ipv6: boolean;
}

const PEER_IF = "p0";

function cleanName(name: string): string {
  return name.replace(/@.*$/, "");
}

function validMac(mac: string | null): mac is string {
  if (mac === null || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) return false;
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && mac !== "00:00:00:00:00:00";
}

function peerMacFor(i: number): string {
  const h = (i + 1).toString(16).padStart(4, "0");
  return `02:50:50:00:${h.slice(0, 2)}:${h.slice(2)}`;
}

function nodeMacFor(i: number): string {
  const h = (i + 1).toString(16).padStart(4, "0");
  return `02:4e:4f:00:${h.slice(0, 2)}:${h.slice(2)}`;
}

/** The interfaces the harness builds: every dumped interface except loopback, in dump order. */
export function buildableInterfaces(node: NodeModel): Interface[] {
  const seen = new Set<string>();
  return node.routing.interfaces.filter((i) => {
    const name = cleanName(i.name);
    if (name === "lo" || i.linkType === "link/loopback" || seen.has(name) || name.length > 15) return false;
    seen.add(name);
    return true;
  });
}

/** `iptables-save` text for one ruleset, rules printed by podpath's own printer. */
export function rulesetText(ruleset: Ruleset): string {
  const out: string[] = [];
  const order: TableName[] = ["raw", "mangle", "nat", "filter", "security"];
  for (const name of order) {
    const table = ruleset.tables.get(name);
    if (!table) continue;
    out.push(`*${name}`);
    const chains = [...table.chains.values()];
    for (const c of chains) out.push(`:${c.name} ${c.builtin ? (c.policy ?? "ACCEPT") : "-"} [0:0]`);
    for (const c of chains as Chain[]) for (const r of c.rules) out.push(printAppend(c.name, ruleSpec(r)));
    out.push("COMMIT");
  }
  return `${out.join("\n")}\n`;
}

function range(r: { lo: number; hi: number }): string {
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
}

/** `ip rule add …` arguments for a model rule. */
export function ipRuleArgs(r: IpRule): string[] {
  const a: string[] = [];
  if (r.not) a.push("not");
  a.push("pref", String(r.priority));
  a.push("from", r.from ? formatPrefix(r.from) : "all");
  if (r.to) a.push("to", formatPrefix(r.to));
  if (r.iif) a.push("iif", r.iif);
  if (r.oif) a.push("oif", r.oif);
  if (r.fwmark) a.push("fwmark", `0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}`);
  if (r.tos !== null) a.push("tos", `0x${r.tos.toString(16)}`);
  if (r.ipproto !== null) a.push("ipproto", String(r.ipproto));
  if (r.sport) a.push("sport", range(r.sport));
  if (r.dport) a.push("dport", range(r.dport));
  if (r.uidrange) a.push("uidrange", `${r.uidrange.lo}-${r.uidrange.hi}`);
  if (r.l3mdev) a.push("l3mdev");
  if (r.protocol) a.push("protocol", r.protocol);
  if (r.realms) a.push("realms", r.realms);
  switch (r.action.type) {
    case "lookup":
      if (!r.l3mdev) a.push("lookup", r.action.table);
      if (r.suppressPrefixlength !== null) a.push("suppress_prefixlength", String(r.suppressPrefixlength));
      if (r.suppressIfgroup !== null) a.push("suppress_ifgroup", r.suppressIfgroup);
      break;
    case "goto":
      a.push("goto", String(r.action.priority));
      break;
    case "nop":
      a.push("nop");
      break;
    default:
      a.push(r.action.type);
  }
  return a;
}

function isDefaultLocal(r: IpRule): boolean {
  return r.priority === 0 && !r.not && r.from === null && r.to === null && r.iif === null && r.oif === null &&
    r.fwmark === null && r.tos === null && r.action.type === "lookup" && r.action.table === "local";
}

/** `ip route replace …` arguments (without nexthops' onlink unless dumped). */
export function ipRouteArgs(r: Route, onlink: boolean): string[] {
  const a: string[] = [];
  if (r.type !== "unicast") a.push(r.type);
  a.push(formatPrefix(r.dst, true));
  if (r.tos !== null) a.push("tos", `0x${r.tos.toString(16)}`);
  if (r.nexthops.length === 1) {
    const nh = r.nexthops[0]!;
    if (nh.gateway) a.push("via", formatAddress(nh.gateway));
    if (nh.dev) a.push("dev", cleanName(nh.dev));
    if (nh.onlink || (onlink && nh.gateway)) a.push("onlink");
  }
  if (r.proto) a.push("proto", r.proto);
  a.push("scope", r.scope);
  if (r.src) a.push("src", formatAddress(r.src));
  a.push("metric", String(r.metric));
  a.push("table", r.table);
  if (r.nexthops.length > 1) {
    for (const nh of r.nexthops) {
      a.push("nexthop");
      if (nh.gateway) a.push("via", formatAddress(nh.gateway));
      if (nh.dev) a.push("dev", cleanName(nh.dev));
      a.push("weight", String(nh.weight));
      if (nh.onlink || (onlink && nh.gateway)) a.push("onlink");
    }
  }
  return a;
}

/** Routes the kernel creates by itself from the addresses and links (table local's local/broadcast, IPv6's anycast/multicast). */
function kernelMade(r: Route): boolean {
  return r.table === "local" && r.proto === "kernel" && (r.type === "local" || r.type === "broadcast" || r.type === "anycast" || r.type === "multicast");
}

/** Whether the node has anything IPv6 to build beyond link-local addresses (which any dump lists). */
function hasIpv6(node: NodeModel): boolean {
  const global = (a: IpAddr) => a.family === 6 && !isIpv6LinkLocal(a);
  return buildableInterfaces(node).some((i) => i.addresses.some((a) => global(a.address))) ||
    node.routing.routes.some((r) => !kernelMade(r) && global(r.dst)) ||
    node.routing.rulesGiven.includes(6) || node.rulesets.some((r) => r.family === 6);
}

export interface BuildOptions {
  /** Addresses the node must reach without ARP: a permanent neighbour entry on every interface. */
  neighbours: Iterable<string>;
  /** rp_filter on every interface (podpath's default when absent; give podpath the same with --assume). */
  rpFilter?: RpFilter;
}

/** `ip route append` for IPv6; "File exists" means the very route is there already (the kernel made it). */
function appendRoute6(session: Session, ns: string, args: string[]): void {
  try {
    session.ip(ns, ["route", "append", ...args]);
  } catch (e) {
    if (!/File exists/.test((e as Error).message)) throw e;
  }
}

export function buildNode(session: Session, node: NodeModel, opts: BuildOptions): BuiltNode {
  const warnings: string[] = [];
  const nodeNs = session.add("node");
  const wires = new Map<string, Wire>();
  const ifaces = buildableInterfaces(node);
  const quiet = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];
  const v6 = hasIpv6(node);
  // IPv6 only when the dump has some, and then exactly as dumped: no DAD (addresses usable at once;
  // only those dumped as tentative stay so), no autoconfiguration, no link-local address of the
  // kernel's own making.
  session.exec(nodeNs, ["sysctl", "-qw", ...(v6
    ? ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.default.addr_gen_mode=1",
      "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0", "net.ipv6.conf.default.autoconf=0"]
    : quiet)]);

  ifaces.forEach((iface, i) => {
    const name = cleanName(iface.name);
    const peerNs = session.add(`w${i}`);
    session.exec(peerNs, ["sysctl", "-qw", ...quiet]);
    const nodeMac = validMac(iface.mac) ? iface.mac.toLowerCase() : nodeMacFor(i);
    const peerMac = peerMacFor(i);
    const mtu = String(Math.min(Math.max(iface.mtu ?? 1500, 1280), 65535));
    session.ip(peerNs, ["link", "add", PEER_IF, "address", peerMac, "mtu", mtu, "type", "veth",
      "peer", "name", name, "address", nodeMac, "mtu", mtu, "netns", nodeNs]);
    session.ip(peerNs, ["link", "set", PEER_IF, "up"]);
    wires.set(name, { iface: name, peerNs, nodeMac, peerMac });
  });

  // Addresses: IPv4 primary ones first so the kernel marks the others secondary, as dumped; IPv6
  // ones last first, since the kernel lists an interface's IPv6 addresses newest first (within a
  // scope), and that order breaks ties in its source address selection.
  for (const iface of ifaces) {
    const name = cleanName(iface.name);
    const v4 = iface.addresses.filter((a) => a.address.family === 4);
    const ordered = [...v4.filter((x) => !x.secondary), ...v4.filter((x) => x.secondary),
      ...(v6 ? iface.addresses.filter((a) => a.address.family === 6).reverse() : [])];
    if (ordered.some((a) => a.flags.includes("tentative"))) {
      // Tentative as dumped: DAD runs, and takes far longer than the probes do (nobody answers it).
      session.exec(nodeNs, ["sysctl", "-qw", `net/ipv6/conf/${name}/accept_dad=1`, `net/ipv6/conf/${name}/dad_transmits=10`, `net/ipv6/neigh/${name}/retrans_time_ms=60000`]);
    }
    for (const a of ordered) {
      const args = ["addr", "add", `${formatAddress(a.address)}/${a.prefixLen}`];
      if (a.peer) args.splice(3, 0, "peer", a.peer);
      if (a.address.family === 4) args.push("brd", "+");
      args.push("scope", a.scope, "dev", name, "noprefixroute");
      if (a.address.family === 6 && !a.flags.includes("tentative")) args.push("nodad");
      if (a.flags.includes("deprecated")) args.push("preferred_lft", "0");
      const unbuildable = a.flags.filter((f) => f !== "tentative" && f !== "deprecated");
      if (unbuildable.length > 0) warnings.push(`address ${formatAddress(a.address)}: flags ${unbuildable.join(", ")} cannot be set by ip addr`);
      try {
        session.ip(nodeNs, args);
      } catch (e) {
        warnings.push(`address: ${(e as Error).message}`);
      }
    }
    session.ip(nodeNs, ["link", "set", name, "up"]);
  }

  // sysctls no dump shows, as podpath assumes them: forwarding on; rp_filter 2 (loose), or the
  // probes' value, on every interface (the larger of `all`'s and the interface's own counts);
  // accept_local 0, the kernel's default (a packet arriving with a source of the node's own is a martian).
  const rp = opts.rpFilter ?? RP_FILTER_DEFAULT.value;
  const sys = [
    "net.ipv4.ip_forward=1", "net/ipv4/conf/all/rp_filter=0", `net/ipv4/conf/default/rp_filter=${rp}`,
    "net/ipv4/conf/all/send_redirects=0", "net/ipv4/conf/default/send_redirects=0",
  ];
  for (const name of wires.keys()) sys.push(`net/ipv4/conf/${name}/rp_filter=${rp}`);
  // ICMP errors unthrottled (this namespace's own limits), so that every REJECT answers its probe.
  sys.push("net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_msgs_per_sec=1000000");
  if (v6) sys.push("net.ipv6.conf.all.forwarding=1", "net.ipv6.icmp.ratelimit=0");
  // kube-proxy sets route_localnet for localhost NodePorts; podpath assumes it where kube-proxy's rules are.
  if (runsKubeProxy(node)) sys.push("net.ipv4.conf.all.route_localnet=1");
  session.exec(nodeNs, ["sysctl", "-qw", ...sys]);

  // Routes: device routes first (gateways must be reachable when their route is added), then the rest.
  const routes = node.routing.routes.filter((r) => (r.family === 4 || v6) && !kernelMade(r));
  const known = new Set(wires.keys());
  known.add("lo");
  const ordered = [...routes.filter((r) => r.nexthops.every((n) => n.gateway === null)), ...routes.filter((r) => r.nexthops.some((n) => n.gateway !== null))];
  for (const r of ordered) {
    const missing = r.nexthops.map((n) => n.dev && cleanName(n.dev)).filter((d): d is string => d !== null && !known.has(d));
    if (missing.length > 0) {
      warnings.push(`route skipped (no interface ${missing.join(",")}): ${r.origin.raw.trim()}`);
      continue;
    }
    // IPv6 keeps routes to one prefix on several devices (fe80::/64 on each, which the kernel makes
    // itself): `replace` would take the first one's place, so they are appended, and one the kernel
    // already made is left as it is.
    const v6route = r.family === 6;
    try {
      if (v6route) appendRoute6(session, nodeNs, ipRouteArgs(r, false));
      else session.ip(nodeNs, ["route", "replace", ...ipRouteArgs(r, false)]);
    } catch {
      try {
        if (v6route) appendRoute6(session, nodeNs, ipRouteArgs(r, true));
        else session.ip(nodeNs, ["route", "replace", ...ipRouteArgs(r, true)]);
        warnings.push(`route added with onlink: ${r.origin.raw.trim()}`);
      } catch (e) {
        warnings.push(`route failed: ${(e as Error).message}`);
      }
    }
  }

  for (const family of v6 ? ([4, 6] as const) : ([4] as const)) {
    // Policy rules, when the dump had them: replace the kernel's defaults by the dumped list.
    // A kernel whose rules were never changed checks a packet's source more lightly (fib_validate_source):
    // dumped defaults are left as the kernel made them, not flushed and added again.
    const dumped = node.routing.rules.filter((r) => r.family === family);
    const defaults = family === 4 ? 3 : 2;
    if (node.routing.rulesGiven.includes(family) && !(dumped.length === defaults && dumped.every(isKernelDefaultRule))) {
      const rules = dumped;
      session.ip(nodeNs, [`-${family}`, "rule", "flush"]);
      for (const r of rules) {
        if (isDefaultLocal(r)) continue;
        try {
          session.ip(nodeNs, [`-${family}`, "rule", "add", ...ipRuleArgs(r)]);
        } catch (e) {
          warnings.push(`rule failed: ${(e as Error).message}`);
        }
      }
      if (!rules.some(isDefaultLocal)) session.ip(nodeNs, [`-${family}`, "rule", "del", "pref", "0", "lookup", "local"]);
    }

    // iptables: podpath's model printed back, loaded atomically.
    const ruleset = node.rulesets.find((r) => r.family === family);
    if (ruleset) {
      const text = rulesetText(ruleset);
      const restore = family === 4 ? "iptables-restore" : "ip6tables-restore";
      try {
        session.exec(nodeNs, [restore], { input: text, timeoutMs: 60_000 });
      } catch (e) {
        throw new Error(`${restore} rejected the model's ruleset: ${(e as Error).message}\n${text}`);
      }
    }
  }

  // Permanent neighbours: nothing waits on ARP (or neighbour discovery). Every candidate next hop on every interface.
  const lines: string[] = [];
  const neigh = new Set(opts.neighbours);
  for (const r of routes) for (const nh of r.nexthops) if (nh.gateway) neigh.add(formatAddress(nh.gateway));
  for (const w of wires.values()) {
    for (const a of neigh) lines.push(`neigh replace ${a} lladdr ${w.peerMac} dev ${w.iface} nud permanent`);
  }
  const errs = session.ipBatch(nodeNs, lines);
  if (errs.length > 0) warnings.push(`neighbours: ${errs.slice(0, 3).join("; ")}`);

  return { session, nodeNs, wires, warnings, ipv6: v6 };
}

export function addrText(a: IpAddr): string {
  return formatAddress(a);
}
