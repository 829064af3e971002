/**
 * Syntax trees for iproute2 listings (`ip rule`, `ip route`, `ip addr`, `ip link`, `ip -br …`).
 * They are faithful to what was printed: options stay in input order with their columns, values
 * stay text. Validation (addresses, numbers, families) happens in lowering (src/model/lower-ip-*.ts).
 */
import type { Family } from "../model/address.js";
import type { Origin } from "../model/origin.js";
import type { SourceLine } from "./source.js";

/** The origin of a whole line: its first non-blank column and its text. */
export function lineOrigin(line: SourceLine): Origin {
  const m = /\S/.exec(line.raw);
  return { file: line.file, line: line.line, column: m === null ? 1 : m.index + 1, raw: line.raw };
}

/** A value as written, with its 1-based column in the line. */
export interface Token {
  text: string;
  column: number;
}

// ─── ip rule ────────────────────────────────────────────────────────────────────────────────

/** One option of an `ip rule` line, in the order printed. */
export type RuleOptionSyntax =
  | { type: "from"; column: number; value: Token }
  | { type: "to"; column: number; value: Token }
  | { type: "iif"; column: number; name: Token; detached: boolean }
  | { type: "oif"; column: number; name: Token; detached: boolean }
  | { type: "fwmark"; column: number; value: Token; mask: Token | null }
  | { type: "tos"; column: number; keyword: "tos" | "dsfield"; value: Token }
  | { type: "ipproto"; column: number; value: Token }
  | { type: "sport"; column: number; lo: Token; hi: Token | null }
  | { type: "dport"; column: number; lo: Token; hi: Token | null }
  | { type: "uidrange"; column: number; lo: Token; hi: Token }
  | { type: "l3mdev"; column: number }
  | { type: "protocol"; column: number; value: Token }
  | { type: "suppress_prefixlength"; column: number; value: Token }
  | { type: "suppress_ifgroup"; column: number; value: Token }
  | { type: "realms"; column: number; value: Token }
  | { type: "lookup"; column: number; table: Token }
  | { type: "goto"; column: number; target: Token }
  | { type: "action"; column: number; action: "nop" | "blackhole" | "unreachable" | "prohibit" }
  /** A word the grammar does not know (newer iproute2 selectors such as `dscp`, `flowlabel`). */
  | { type: "unknown"; column: number; word: string };

/** What the grammar returns for one `ip rule` line. */
export interface RuleLineSyntax {
  priority: Token | null;
  not: boolean;
  options: RuleOptionSyntax[];
}

/** One `ip rule` line, located. `family` is the section's family (null: infer from addresses). */
export interface IpRuleSyntax extends RuleLineSyntax {
  type: "ip-rule";
  family: Family | null;
  origin: Origin;
}

// ─── ip route ───────────────────────────────────────────────────────────────────────────────

/** Route types as `ip route` prints them (unicast is not printed). */
export type RouteTypeWord =
  | "unicast" | "local" | "broadcast" | "multicast" | "blackhole" | "unreachable"
  | "prohibit" | "throw" | "anycast" | "nat";

/** Per-nexthop flags (RTNH_F_*) as printed. */
export type NexthopFlagWord =
  | "onlink" | "linkdown" | "dead" | "pervasive" | "offload" | "trap" | "notify" | "unresolved";

/** Route flags (RTM_F_*) as printed. */
export type RouteFlagWord = "rt_offload" | "rt_trap" | "rt_offload_failed";

export type RouteOptionSyntax =
  | { type: "via"; column: number; family: "inet" | "inet6" | null; address: Token }
  | { type: "dev"; column: number; name: Token }
  | { type: "table"; column: number; value: Token }
  | { type: "proto"; column: number; value: Token }
  | { type: "scope"; column: number; value: Token }
  | { type: "src"; column: number; address: Token }
  /** IPv6 source-specific routes: `2001:db8::/64 from 2001:db8:1::/64 via …`. */
  | { type: "from"; column: number; prefix: Token }
  | { type: "metric"; column: number; keyword: string; value: Token }
  | { type: "pref"; column: number; value: Token }
  | { type: "tos"; column: number; value: Token }
  | { type: "nhid"; column: number; value: Token }
  | { type: "weight"; column: number; value: Token }
  | { type: "nexthop-flag"; column: number; flag: NexthopFlagWord }
  | { type: "route-flag"; column: number; flag: RouteFlagWord }
  /** Metrics and other `name value` attributes: `mtu 9001`, `mtu lock 1500`, `expires 299sec`, `error -101`. */
  | { type: "attribute"; column: number; name: string; lock: boolean; value: Token }
  | { type: "unknown"; column: number; word: string };

/** What the grammar returns for a route line. */
export interface RouteLineSyntax {
  kind: "route";
  routeType: { word: RouteTypeWord; column: number } | null;
  dst: Token;
  options: RouteOptionSyntax[];
}

/** What the grammar returns for a `\tnexthop …` continuation line. */
export interface NexthopLineSyntax {
  kind: "nexthop";
  options: RouteOptionSyntax[];
}

export interface NexthopSyntax {
  type: "nexthop";
  options: RouteOptionSyntax[];
  origin: Origin;
}

/** One route with its multipath continuation lines. */
export interface IpRouteSyntax {
  type: "ip-route";
  family: Family | null;
  routeType: { word: RouteTypeWord; column: number } | null;
  dst: Token;
  options: RouteOptionSyntax[];
  nexthops: NexthopSyntax[];
  origin: Origin;
}

// ─── ip addr / ip link ──────────────────────────────────────────────────────────────────────

/** `N: name@link: <FLAGS> mtu 1500 qdisc … state UP …`. */
export interface HeaderLineSyntax {
  kind: "header";
  index: Token;
  name: Token;
  link: Token | null;
  flags: string[];
  /** `mtu 1500`, `state UP`, … in order; lone words have a null value. */
  attributes: { name: string; value: Token | null }[];
}

/** `    link/ether MAC brd MAC link-netns ns`. */
export interface LinkLineSyntax {
  kind: "link";
  linkType: Token;
  address: Token | null;
  attributes: { name: string; value: Token | null }[];
}

export type AddrOptionSyntax =
  | { type: "brd"; column: number; address: Token }
  | { type: "any"; column: number; address: Token }
  | { type: "scope"; column: number; value: Token }
  | { type: "metric"; column: number; value: Token }
  | { type: "proto"; column: number; value: Token }
  | { type: "flag"; column: number; flag: string }
  /** Any other word: on an `inet` line the label (`eth0`, `eth0:1`). */
  | { type: "word"; column: number; word: string };

/** `    inet 192.168.1.251/24 brd … scope global dynamic eth0`. */
export interface AddrLineSyntax {
  kind: "addr";
  family: "inet" | "inet6";
  address: Token;
  peer: Token | null;
  options: AddrOptionSyntax[];
}

export interface LifetimeLineSyntax {
  kind: "lifetime";
  valid: Token;
  preferred: Token;
}

export interface AltnameLineSyntax {
  kind: "altname";
  name: Token;
}

/** Indented lines the grammar does not model (`ip -d` details, `prog/xdp …`), kept verbatim. */
export interface DetailLineSyntax {
  kind: "detail";
  text: string;
}

export type ContinuationLineSyntax =
  | LinkLineSyntax | AddrLineSyntax | LifetimeLineSyntax | AltnameLineSyntax | DetailLineSyntax;

/** `eth0@if5   UP   192.168.1.251/24 fe80::1/64` or `eth0 UP 0a:…:ff <BROADCAST,…>`. */
export interface BriefLineSyntax {
  kind: "brief";
  name: Token;
  link: Token | null;
  state: Token;
  items: BriefItemSyntax[];
}

export type BriefItemSyntax =
  | { type: "address"; column: number; address: Token; peer: Token | null }
  | { type: "flags"; column: number; flags: string[] }
  /** Any other word: in `ip -br link`, the link-layer address. */
  | { type: "word"; column: number; word: Token };

export interface LocatedContinuation {
  line: ContinuationLineSyntax;
  origin: Origin;
}

/** One interface as one listing showed it: a full-format block or a brief line. */
export type IpInterfaceSyntax =
  | {
      type: "ip-interface";
      format: "full";
      header: HeaderLineSyntax;
      continuations: LocatedContinuation[];
      origin: Origin;
    }
  | {
      type: "ip-interface";
      format: "brief";
      brief: BriefLineSyntax;
      origin: Origin;
    };
