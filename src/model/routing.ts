/** The routing model: policy rules, route tables and interfaces, lowered from `ip rule`, `ip route`, `ip addr`/`ip link`. */
import type { Family, IpAddr, Prefix } from "./address.js";
import type { Origin } from "./origin.js";

export interface Range {
  lo: number;
  hi: number;
}

/** What a policy rule does when it applies. */
export type RuleAction =
  | { type: "lookup"; table: string }
  | { type: "goto"; priority: number }
  | { type: "nop" }
  | { type: "blackhole" }
  | { type: "unreachable" }
  | { type: "prohibit" };

/** One `ip rule` entry. A null selector means "any" (`from all`). */
export interface IpRule {
  family: Family;
  priority: number;
  /** `not`: the rule applies when its selectors do NOT all match. */
  not: boolean;
  from: Prefix | null;
  to: Prefix | null;
  iif: string | null;
  iifDetached: boolean;
  oif: string | null;
  oifDetached: boolean;
  fwmark: { value: number; mask: number } | null;
  /** tos / dsfield value. */
  tos: number | null;
  ipproto: number | null;
  sport: Range | null;
  dport: Range | null;
  uidrange: Range | null;
  l3mdev: boolean;
  /** The rule's routing protocol (`proto kernel`), informational. */
  protocol: string | null;
  suppressPrefixlength: number | null;
  suppressIfgroup: string | null;
  realms: string | null;
  action: RuleAction;
  origin: Origin;
}

export type RouteType =
  | "unicast" | "local" | "broadcast" | "multicast" | "blackhole" | "unreachable"
  | "prohibit" | "throw" | "anycast" | "nat";

export interface Nexthop {
  gateway: IpAddr | null;
  dev: string | null;
  weight: number;
  onlink: boolean;
  /** `linkdown`/`dead` flags as printed: the route is still selected (see domain notes). */
  flags: string[];
}

/** One route in one table. `table` is normalised: "main", "local", "default" or the number as text. */
export interface Route {
  family: Family;
  table: string;
  type: RouteType;
  dst: Prefix;
  tos: number | null;
  /** One entry for a plain route, several for multipath, none for blackhole/unreachable/prohibit/throw. */
  nexthops: Nexthop[];
  proto: string | null;
  /** `global`, `link`, `host`, `site`, `nowhere` or a number as text; defaults as `ip` prints them. */
  scope: string;
  src: IpAddr | null;
  metric: number;
  pref: string | null;
  /** Other attributes as printed (`mtu 9001`, `advmss 1460`, `expires 300sec`, …). */
  attributes: Record<string, string>;
  origin: Origin;
}

export interface InterfaceAddress {
  address: IpAddr;
  prefixLen: number;
  /** `global`, `link`, `host`, … */
  scope: string;
  secondary: boolean;
  /**
   * The flags `ip addr` printed that choose whether the kernel uses the address as a source (IPv6:
   * a `tentative` one is not used, a `deprecated`, `optimistic` or `temporary` one less preferred).
   */
  flags: AddressFlag[];
  label: string | null;
  /** A point-to-point peer (`inet A peer B/len`), when printed. */
  peer: string | null;
}

/** Address flags that source address selection reads (`ip addr`'s names for IFA_F_*). */
export const SOURCE_FLAGS = ["tentative", "dadfailed", "deprecated", "optimistic", "temporary", "home"] as const;
export type AddressFlag = (typeof SOURCE_FLAGS)[number];

export interface Interface {
  name: string;
  /** ifindex from `ip addr`/`ip link`, when shown. */
  index: number | null;
  /** The part after `@`: `if12` for a veth peer index, `eth1` for a VLAN's parent. */
  link: string | null;
  /** Operational state (`UP`, `DOWN`, `UNKNOWN`, `LOWERLAYERDOWN`), when shown. */
  state: string | null;
  flags: string[];
  mtu: number | null;
  mac: string | null;
  /** `link/ether`, `link/loopback`, … */
  linkType: string | null;
  addresses: InterfaceAddress[];
  origin: Origin;
}

/** The kernel's tables by number; `ip` prints these names. */
export const TABLE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({ "253": "default", "254": "main", "255": "local" }));

export function normaliseTable(name: string): string {
  return TABLE_NAMES.get(name) ?? name;
}

export interface RoutingModel {
  /** Policy rules per family, sorted by priority (stable: same-priority rules keep their order). */
  rules: IpRule[];
  /** Families for which an `ip rule` listing was present; others use the kernel's default rules. */
  rulesGiven: Family[];
  routes: Route[];
  interfaces: Interface[];
}

/** One of `ip rule`'s three rules on a fresh kernel: 0 local, 32766 main, 32767 default, from all. */
export function isKernelDefaultRule(r: IpRule): boolean {
  const table = r.action.type === "lookup" ? r.action.table : null;
  const plain = !r.not && r.from === null && r.to === null && r.iif === null && r.oif === null && r.fwmark === null && r.tos === null &&
    r.ipproto === null && r.sport === null && r.dport === null && r.uidrange === null && !r.l3mdev && r.suppressPrefixlength === null && r.suppressIfgroup === null;
  return plain && ((r.priority === 0 && table === "local") || (r.priority === 32766 && table === "main") || (r.priority === 32767 && table === "default"));
}
