/** What the evaluator takes and returns: plain data, no text for people (the explain layer writes that). */
import type { Family, IpAddr } from "../model/address.js";
import type { CtState, Match, Rule, TableName, Target, UnknownFlow } from "../model/netfilter.js";
import type { IpRule, Nexthop, Route } from "../model/routing.js";

export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/** The packet to trace, validated (the CLI checks text at the boundary). */
export interface PacketInput {
  src: IpAddr;
  dst: IpAddr;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6). */
  proto: number;
  sport: number | null;
  dport: number | null;
  /** Arrival interface; null for a packet the node generates. */
  iif: string | null;
  /** Packet mark at arrival (or the socket mark, for a local packet). */
  mark: number;
  /** Connection state before the first hook; NEW unless the user says otherwise. */
  ctstate: CtState;
  /** The connection's mark (connmark) before the first hook. */
  ctmark: number;
  /** Answers the user gave for what a dump cannot tell, by `what` text or module name. */
  assume: Record<string, boolean>;
  /** rp_filter of the arrival interface (the larger of `all`'s and its own), when given. */
  rpFilter?: 0 | 1 | 2;
}

export type PathKind = "forward" | "output";

/** Why the evaluator believed something it could not see. */
export type Assumption =
  | { type: "random"; rule: Rule; matched: boolean; probability: number }
  | { type: "opaque"; rule: Rule; match: Extract<Match, { type: "opaque" }>; matched: boolean; given: boolean }
  | { type: "multipath"; route: Route; nexthop: Nexthop; probability: number }
  /** A target of unknown effect (Target "unknown"), taken as doing `taken` (`given`: by the user's --assume). */
  | { type: "target"; rule: Rule; target: Extract<Target, { type: "unknown" }>; taken: UnknownFlow; given: boolean }
  | { type: "default-rules"; family: Family }
  | { type: "missing-table"; table: TableName }
  | { type: "not-new"; ctstate: CtState }
  /** An arriving packet's multicast group, taken as not joined by its interface (a dump lists no memberships). */
  | { type: "not-member"; group: IpAddr; iface: string }
  /**
   * A sysctl no dump shows, where it decided: route_localnet (may a loopback address arrive from
   * outside?), accept_local (may a packet arrive with one of this node's addresses as source?),
   * rp_filter (must the way back to the source exist, or leave by the arrival interface?).
   * `reason`: why podpath took `value` when it was not given; `iface`: the interface it was read for;
   * `otherwise`: the other values that change the verdict, and why each drops (null: it accepts).
   */
  | {
      type: "sysctl";
      name: "route_localnet" | "accept_local" | "rp_filter";
      value: number;
      given: boolean;
      reason: string;
      iface: string | null;
      otherwise?: { value: number; dropped: string | null }[];
    };

/** How a rule fared: the first failing match's index when it did not match. */
export type RuleOutcome =
  | { matched: true }
  | { matched: false; failedMatch: number };

export type TargetEffect =
  | { type: "mark"; before: number; after: number }
  | { type: "connmark"; before: number; after: number }
  | { type: "packet-mark-restored"; before: number; after: number }
  /** `portChanged`: the source port is another (or, picked at random, may be: final sport null). */
  | { type: "snat"; from: IpAddr; to: IpAddr; masquerade: boolean; portChanged: boolean; via: string | null }
  | { type: "dnat"; from: IpAddr; to: IpAddr; port: number | null; redirect: boolean }
  | { type: "notrack" }
  | { type: "none" };

/** One event of a trace, in the order it happened. */
export type TraceStep =
  | { type: "hook"; hook: Hook; table: TableName; present: boolean }
  | { type: "nat-skipped"; hook: Hook; reason: "not-new" | "untracked" | "already-translated" }
  | { type: "rule"; rule: Rule; outcome: RuleOutcome; depth: number }
  | { type: "target"; rule: Rule; target: Target; effect: TargetEffect; depth: number }
  | { type: "return"; chain: string; table: TableName; fellOff: boolean; depth: number }
  | { type: "policy"; table: TableName; chain: string; policy: "ACCEPT" | "DROP"; depth: number }
  | { type: "route"; decision: RouteDecision; reroute: boolean }
  | { type: "limit"; what: "steps" | "outcomes" };

export interface RuleCheck {
  rule: IpRule | null;
  /** The rule applied (its selectors matched, `not` considered). */
  applied: boolean;
  /** What the lookup found for this rule, when it applied. */
  result: "route" | "no-route" | "throw" | "suppressed" | "action" | "goto" | "nop" | null;
  /** First selector that did not match, when it did not apply. */
  failed: string | null;
}

export type RouteDecision =
  | {
      type: "unicast";
      rule: IpRule | null;
      table: string;
      route: Route;
      nexthop: Nexthop;
      dev: string;
      gateway: IpAddr | null;
      checked: RuleCheck[];
    }
  | { type: "local"; rule: IpRule | null; table: string; route: Route | null; checked: RuleCheck[] }
  | { type: "blackhole" | "unreachable" | "prohibit"; rule: IpRule | null; table: string | null; route: Route | null; checked: RuleCheck[] }
  /**
   * Refused on arrival: from its addresses alone, before any ip rule is consulted (`check`
   * "addresses": arrival.ts), as a multicast group the interface has not joined ("multicast"), by
   * the check of its source once its route is found ("source": source-check.ts), or by IPv6
   * forwarding's check of the source's scope ("forward").
   */
  | { type: "martian"; which: "source" | "destination"; check: "addresses" | "multicast" | "source" | "forward"; why: string; rule: null; table: null; route: null; checked: RuleCheck[] };

export type Verdict = "forwarded" | "sent" | "delivered-locally" | "dropped" | "rejected" | "unroutable";

export interface Outcome {
  probability: number;
  assumptions: Assumption[];
  verdict: Verdict;
  /** The rule, route or policy that decided a drop/reject, when one did. */
  decidedBy: Rule | { policy: "DROP"; table: TableName; chain: string } | null;
  final: { src: IpAddr; dst: IpAddr; sport: number | null; dport: number | null };
  snat: TargetEffect & { type: "snat" } | null;
  snatRule: Rule | null;
  dnat: TargetEffect & { type: "dnat" } | null;
  dnatRule: Rule | null;
  mark: number;
  ctmark: number;
  route: RouteDecision | null;
  egress: { interface: string; gateway: IpAddr | null; table: string } | null;
  steps: TraceStep[];
}

export interface TraceResult {
  packet: PacketInput;
  path: PathKind;
  outcomes: Outcome[];
  /** Tables the dump did not have; treated as empty with ACCEPT policies. */
  missingTables: TableName[];
  /** True when no `ip rule` listing was given and the kernel's default rules were used. */
  defaultRules: boolean;
  /** Evaluation stopped exploring (too many steps or outcomes). */
  truncated: boolean;
}
