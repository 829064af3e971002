/** Facts about the node the evaluator needs, derived once from the model: addresses, address types, rules. */
import { prefixContains, type Family, type IpAddr } from "../model/address.js";
import type { NodeModel } from "../model/node.js";
import type { Interface, IpRule, Route } from "../model/routing.js";

export interface NodeFacts {
  node: NodeModel;
  /** Policy rules of a family, in priority order; the kernel's defaults when none were given. */
  rules(family: Family): IpRule[];
  defaultRules(family: Family): boolean;
  /** Routes per table per family. */
  routes(table: string, family: Family): Route[];
  interface(name: string): Interface | null;
  /** Interfaces in ifindex order (the kernel's order when it searches for a source address). */
  interfacesInOrder(): Interface[];
  /** RTN type of `addr` as addrtype sees it (the local table), optionally limited to a device. */
  addressType(addr: IpAddr, dev: string | null): string;
  isLocal(addr: IpAddr): boolean;
}

const defaultOrigin = (raw: string) => ({ file: "(kernel default)", line: 0, column: 0, raw });

/** `ip rule` on a fresh kernel: 0 local, 32766 main, 32767 default. */
function kernelDefaultRules(family: Family): IpRule[] {
  const base = {
    family, not: false, from: null, to: null, iif: null, iifDetached: false, oif: null, oifDetached: false,
    fwmark: null, tos: null, ipproto: null, sport: null, dport: null, uidrange: null, l3mdev: false,
    protocol: null, suppressPrefixlength: null, suppressIfgroup: null, realms: null,
  };
  return [
    { ...base, priority: 0, action: { type: "lookup", table: "local" }, origin: defaultOrigin("0:\tfrom all lookup local") },
    { ...base, priority: 32766, action: { type: "lookup", table: "main" }, origin: defaultOrigin("32766:\tfrom all lookup main") },
    { ...base, priority: 32767, action: { type: "lookup", table: "default" }, origin: defaultOrigin("32767:\tfrom all lookup default") },
  ];
}

export function nodeFacts(node: NodeModel): NodeFacts {
  // Routes by family, then table: looked up on every routing decision, so no key string is built.
  const routesBy: Record<Family, Map<string, Route[]>> = { 4: new Map(), 6: new Map() };
  for (const r of node.routing.routes) {
    const tables = routesBy[r.family];
    let list = tables.get(r.table);
    if (!list) tables.set(r.table, (list = []));
    list.push(r);
  }
  const ifaces = new Map(node.routing.interfaces.map((i) => [i.name, i]));
  const ordered = [...node.routing.interfaces].sort((a, b) => (a.index ?? 1e9) - (b.index ?? 1e9));
  const haveLocalTable = (family: Family) => (routesBy[family].get("local")?.length ?? 0) > 0;
  const rulesOf = new Map<Family, IpRule[]>();
  for (const family of [4, 6] as const) {
    rulesOf.set(family, node.routing.rulesGiven.includes(family)
      ? node.routing.rules.filter((r) => r.family === family)
      : kernelDefaultRules(family));
  }

  const addressType = (addr: IpAddr, dev: string | null): string => {
    if (addr.family === 4) {
      if (addr.value === 0n || addr.value === 0xffffffffn) return "BROADCAST";
      if (addr.value >> 28n === 0xen) return "MULTICAST";
    } else if (addr.value >> 120n === 0xffn) {
      return "MULTICAST";
    }
    if (haveLocalTable(addr.family)) {
      // Longest prefix in the local table, as inet_dev_addr_type does.
      let best: Route | null = null;
      for (const r of routesBy[addr.family].get("local") ?? []) {
        if (prefixContains(r.dst, addr) && (best === null || r.dst.len > best.dst.len)) best = r;
      }
      if (best === null) return "UNICAST";
      if (dev !== null && best.nexthops[0]?.dev !== dev) return "UNICAST";
      return best.type.toUpperCase();
    }
    // No local table in the dump: the interfaces' own addresses are the node's local ones.
    for (const iface of ordered) {
      if (dev !== null && iface.name !== dev) continue;
      for (const a of iface.addresses) {
        if (a.address.family === addr.family && a.address.value === addr.value) return "LOCAL";
      }
    }
    if (addr.family === 4 && addr.value >> 24n === 127n) return dev === null || dev === "lo" ? "LOCAL" : "UNICAST";
    return "UNICAST";
  };

  return {
    node,
    rules: (family) => rulesOf.get(family) ?? [],
    defaultRules: (family) => !node.routing.rulesGiven.includes(family),
    routes: (table, family) => routesBy[family].get(table) ?? [],
    interface: (name) => ifaces.get(name) ?? null,
    interfacesInOrder: () => ordered,
    addressType,
    isLocal: (addr) => addressType(addr, null) === "LOCAL",
  };
}
