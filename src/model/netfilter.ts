/** The netfilter model: tables, chains, rules with typed matches and targets, lowered from iptables dumps. */
import type { Family, IpAddr, Prefix } from "./address.js";
import type { Origin } from "./origin.js";
import type { Range } from "./routing.js";
import { readIptablesLine } from "../parse/iptables.js";
import type { IptRuleSpec } from "../parse/iptables-syntax.js";

export const TABLES = ["raw", "mangle", "nat", "filter", "security"] as const;
export type TableName = (typeof TABLES)[number];

/** The built-in chains each table has (man iptables). */
export const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/** An interface name as iptables matches it: `eni+` is a prefix wildcard. */
export interface IfacePattern {
  name: string;
  wildcard: boolean;
}

export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED" | "SNAT" | "DNAT";

export interface Negatable {
  negated: boolean;
}

/** Match conditions. `opaque` marks what a dump cannot decide; the evaluator explores both answers. */
export type Match =
  | ({ type: "source"; prefix: Prefix } & Negatable)
  | ({ type: "destination"; prefix: Prefix } & Negatable)
  | ({ type: "in-interface"; pattern: IfacePattern } & Negatable)
  | ({ type: "out-interface"; pattern: IfacePattern } & Negatable)
  /** IP protocol number; `-p all` is not stored as a match. */
  | ({ type: "protocol"; protocol: number; name: string } & Negatable)
  | ({ type: "fragment" } & Negatable)
  | {
      type: "addrtype";
      src: ({ types: string[] } & Negatable) | null;
      dst: ({ types: string[] } & Negatable) | null;
      limitIfaceIn: boolean;
      limitIfaceOut: boolean;
    }
  | ({ type: "mark"; value: number; mask: number } & Negatable)
  | ({ type: "connmark"; value: number; mask: number } & Negatable)
  | ({ type: "ctstate"; states: CtState[] } & Negatable)
  | ({ type: "ctorig"; which: "src" | "dst"; prefix: Prefix } & Negatable)
  | ({ type: "ctorigport"; which: "src" | "dst"; range: Range } & Negatable)
  | ({ type: "ctdir"; dir: "ORIGINAL" | "REPLY" })
  | ({ type: "port"; which: "src" | "dst"; range: Range } & Negatable)
  | ({ type: "tcpflags"; mask: string[]; comp: string[] } & Negatable)
  | ({ type: "multiport"; which: "src" | "dst" | "any"; ranges: Range[] } & Negatable)
  /** `type` null is `any`. */
  | ({ type: "icmp"; icmpType: number | null; code: number | null; family: Family } & Negatable)
  | ({ type: "iprange"; which: "src" | "dst"; lo: IpAddr; hi: IpAddr } & Negatable)
  | ({ type: "pkttype"; pktType: "unicast" | "broadcast" | "multicast" | "otherhost" } & Negatable)
  | ({ type: "length"; range: Range } & Negatable)
  /** `statistic --mode random`: taken with this probability. */
  | ({ type: "random"; probability: number } & Negatable)
  /** Never true for a routed packet: physdev needs a bridge (podpath traces routed packets). */
  | {
      type: "physdev"; matchesUnbridged: boolean;
      /** --physdev-out or --physdev-is-out without --physdev-is-bridged: the kernel takes it only before routing (PREROUTING, INPUT). */
      outUnbridged: boolean;
    }
  /**
   * Something a dump cannot tell (ipset membership, socket owner, rate limits, …).
   * `module`: the match module, or the base option (`-s`) when it is one podpath cannot evaluate.
   * `side`: a condition on the way in (the arrival interface, the source MAC) or the way out, which
   * the kernel takes only where that is known.
   */
  | { type: "opaque"; module: string; what: string; side?: "in" | "out" };

export interface NatRange {
  addrLo: IpAddr | null;
  addrHi: IpAddr | null;
  ports: Range | null;
}

/** Targets. `mark`/`connmark-set` use the kernel's xset form: new = (old & ~mask) ^ value. */
export type Target =
  | { type: "accept" }
  | { type: "drop" }
  | { type: "return" }
  | { type: "reject"; with: string | null }
  | { type: "jump"; chain: string }
  | { type: "goto"; chain: string }
  | { type: "snat"; to: NatRange; random: boolean; randomFully: boolean; persistent: boolean }
  | { type: "dnat"; to: NatRange; random: boolean; persistent: boolean }
  | { type: "masquerade"; ports: Range | null; random: boolean; randomFully: boolean }
  | { type: "redirect"; ports: Range | null; random: boolean }
  /** NETMAP: maps the destination (PREROUTING, OUTPUT) or the source (POSTROUTING, INPUT) into `to`, keeping the host bits. */
  | { type: "netmap"; to: Prefix }
  | { type: "mark"; value: number; mask: number }
  | { type: "connmark-set"; value: number; mask: number }
  | { type: "connmark-save"; nfmask: number; ctmask: number }
  | { type: "connmark-restore"; nfmask: number; ctmask: number }
  /** NOTRACK, or CT --notrack: the connection is untracked, so nat never sees it. */
  | { type: "notrack" }
  /** TPROXY: diverts to a local socket and ends the chain; may set the mark. */
  | { type: "tproxy"; value: number; mask: number }
  /** Targets that change nothing podpath models and let the packet continue (LOG, TRACE, CT --zone, …). */
  | { type: "continue"; name: string }
  /** TCPMSS changes only the MSS option of SYNs; clamping to the path MTU works only after routing. */
  | { type: "tcpmss"; clampToPmtu: boolean }
  /**
   * A target whose effect the dump cannot tell (`why`): NFQUEUE/QUEUE hand the packet to a program
   * reading the queue, some extensions do what podpath does not model, and one iptables-restore
   * would refuse was not read (the line's error says why). `may`: what the traversal may do next,
   * each explored.
   */
  | { type: "unknown"; name: string; why: "queue" | "unmodelled" | "refused"; may: readonly UnknownFlow[] };

/** What a target of unknown effect may do: let the packet go on in its chain, accept it, or drop it. */
export type UnknownFlow = "continue" | "accept" | "drop";

export interface Rule {
  table: TableName;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers` counts. */
  position: number;
  matches: Match[];
  target: Target | null;
  /** Where it was written; its exact syntax is `ruleSpec(rule)`. */
  origin: Origin;
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains only; null for user chains. */
  policy: "ACCEPT" | "DROP" | null;
  rules: Rule[];
  origin: Origin | null;
}

export interface Table {
  name: TableName;
  chains: Map<string, Chain>;
  origin: Origin | null;
}

export interface Ruleset {
  family: Family;
  tables: Map<TableName, Table>;
}

/**
 * Rule syntax, by rule: kept by lowering for rules whose line does not read back as the rule (an
 * `iptables -L` row); for the others, read again from `origin.raw` whenever asked (callers print it
 * once and keep the text) — a big dump's model does not carry 100k syntax trees, before or after a
 * full trace has printed every rule of KUBE-SERVICES.
 */
const SPECS = new WeakMap<Rule, IptRuleSpec>();

/** Keeps the syntax of a rule whose source line is not in iptables syntax. */
export function keepRuleSpec(rule: Rule, spec: IptRuleSpec): void {
  SPECS.set(rule, spec);
}

/** A rule's syntax, as written (for printing it exactly, `iptables -S` form). */
export function ruleSpec(rule: Rule): IptRuleSpec {
  const kept = SPECS.get(rule);
  if (kept !== undefined) return kept;
  const node = readIptablesLine(rule.origin.raw);
  return node?.type === "command" ? node.spec : { items: [] };
}

/**
 * A rule's `-m comment` text, or "" when it has none. Read from the rule's syntax: a comment decides
 * nothing, so it is not a match, and a big node's model does not hold 100k comment objects.
 */
export function ruleComment(rule: Rule): string {
  for (const item of ruleSpec(rule).items) {
    if (item.type !== "match" || item.module !== "comment") continue;
    for (const opt of item.options) if (opt.name === "comment") return opt.values[0]?.text ?? "";
  }
  return "";
}

/** `rule` at another position (a what-if chain renumbered), keeping what `ruleSpec` reads. */
export function renumbered(rule: Rule, position: number): Rule {
  const copy = { ...rule, position };
  const kept = SPECS.get(rule);
  if (kept !== undefined) SPECS.set(copy, kept);
  return copy;
}
