/** The `--json` contract of `podpath trace` (README: "JSON output"). */
import { addressEquals } from "../model/address.js";
import { protocolName } from "../model/iptables-values.js";
import { eniOf, podOf } from "../eval/eni.js";
import type { NodeFacts } from "../eval/node-facts.js";
import type { Outcome, TraceResult, TraceStep, Verdict } from "../eval/types.js";
import { addr, describeAssumption, describeMatch, hexMark, ipRuleText, round, ruleAt, ruleText, routeText } from "./describe.js";
import type { Fix } from "../cni/suggest.js";
import { explainOutcome, fixWords } from "./why.js";

export interface EgressJson {
  interface: string | null;
  eni: string | null;
  table: string | null;
  gateway: string | null;
}

export interface OutcomeJson {
  probability: number;
  assumptions: string[];
  verdict: Verdict;
  snat: boolean;
  dnat: boolean;
  final: { src: string; dst: string; sport: number | null; dport: number | null };
  egress: EgressJson | null;
  explanation: string;
  steps: StepJson[];
}

export type StepJson = Record<string, string | number | boolean | null>;

export interface TraceJson {
  node: string;
  packet: { src: string; dst: string; proto: string; sport: number | null; dport: number | null; iif: string | null; mark: string;
    /** The pod that owns the source address (`namespace/name`), when ipamd's records are in the input. */
    pod: string | null };
  verdict: Verdict | null;
  snat: boolean | null;
  dnat: boolean | null;
  final: { src: string | null; dst: string | null };
  egress: EgressJson | null;
  outcomes: OutcomeJson[];
  explanation: string;
  /** Setting changes that give the other answer, each verified by a what-if trace. */
  fixes: Fix[];
  truncated: boolean;
}

function eniName(facts: NodeFacts, dev: string): string | null {
  const e = eniOf(facts, dev);
  if (e.eniId) return e.eniId;
  return e.deviceNumber !== null ? `device-${e.deviceNumber}` : null;
}

function stepJson(s: TraceStep): StepJson {
  switch (s.type) {
    case "hook":
      return { type: "hook", hook: s.hook, table: s.table, present: s.present };
    case "nat-skipped":
      return { type: "nat-skipped", hook: s.hook, reason: s.reason };
    case "rule": {
      const failed = s.outcome.matched ? null : s.rule.matches[s.outcome.failedMatch];
      return {
        type: "rule", table: s.rule.table, chain: s.rule.chain, position: s.rule.position, matched: s.outcome.matched,
        failed: failed ? describeMatch(failed) : null, rule: ruleText(s.rule), at: ruleAt(s.rule), depth: s.depth,
      };
    }
    case "target": {
      const e = s.effect;
      const effect = e.type === "mark" || e.type === "connmark" || e.type === "packet-mark-restored"
        ? `${e.type} ${hexMark(e.before)} → ${hexMark(e.after)}`
        : e.type === "snat" ? `snat ${addr(e.from)} → ${addr(e.to)}`
        : e.type === "dnat" ? `dnat ${addr(e.from)} → ${addr(e.to)}${e.port !== null ? `:${e.port}` : ""}`
        : e.type;
      return { type: "target", table: s.rule.table, chain: s.rule.chain, position: s.rule.position, target: s.target.type, effect, depth: s.depth };
    }
    case "return":
      return { type: "return", table: s.table, chain: s.chain, fellOff: s.fellOff, depth: s.depth };
    case "policy":
      return { type: "policy", table: s.table, chain: s.chain, policy: s.policy };
    case "route": {
      const d = s.decision;
      return {
        type: "route", reroute: s.reroute, decision: d.type, ipRule: d.rule ? ipRuleText(d.rule) : null, table: d.table,
        route: d.route ? routeText(d.route) : null, interface: d.type === "unicast" ? d.dev : null,
        gateway: d.type === "unicast" ? addr(d.gateway) : null, why: d.type === "martian" ? d.why : null,
      };
    }
    case "limit":
      return { type: "limit", what: s.what };
  }
}

/** An outcome without its path and words: what batch mode prints. */
export type OutcomeSummaryJson = Omit<OutcomeJson, "explanation" | "steps">;

function outcomeSummary(o: Outcome, facts: NodeFacts): OutcomeSummaryJson {
  return {
    probability: round(o.probability),
    assumptions: o.assumptions.map(describeAssumption),
    verdict: o.verdict,
    snat: o.snat !== null && !addressEquals(o.snat.from, o.snat.to),
    dnat: o.dnat !== null,
    final: { src: addr(o.final.src) as string, dst: addr(o.final.dst) as string, sport: o.final.sport, dport: o.final.dport },
    egress: o.egress && { interface: o.egress.interface, eni: eniName(facts, o.egress.interface), table: o.egress.table, gateway: addr(o.egress.gateway) },
  };
}

function outcomeJson(o: Outcome, result: TraceResult, facts: NodeFacts): OutcomeJson {
  return { ...outcomeSummary(o, facts), explanation: explainOutcome(o, result, facts), steps: o.steps.map(stepJson) };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The value all outcomes share, or null when they disagree. */
function agreed<T>(values: T[]): T | null {
  const first = values[0];
  return values.every((v) => same(v, first)) ? (first ?? null) : null;
}

/** The trace without paths and words: one line per packet in batch mode (`trace --packets`). */
export type TraceSummaryJson = Omit<TraceJson, "outcomes" | "explanation" | "fixes"> & { outcomes: OutcomeSummaryJson[] };

export function traceSummaryJson(result: TraceResult, facts: NodeFacts): TraceSummaryJson {
  return summarise(result, facts, result.outcomes.map((o) => outcomeSummary(o, facts)));
}

/** Top-level fields summarise the outcomes: a field is null when they disagree on it. */
function summarise<O extends OutcomeSummaryJson>(result: TraceResult, facts: NodeFacts, outcomes: O[]) {
  const p = result.packet;
  const egress = agreed(outcomes.map((o) => o.egress));
  return {
    node: facts.node.name,
    packet: { src: addr(p.src) as string, dst: addr(p.dst) as string, proto: protocolName(p.proto), sport: p.sport, dport: p.dport, iif: p.iif, mark: hexMark(p.mark), pod: podOf(facts, addr(p.src) as string) },
    verdict: agreed(outcomes.map((o) => o.verdict)),
    snat: agreed(outcomes.map((o) => o.snat)),
    dnat: agreed(outcomes.map((o) => o.dnat)),
    final: { src: agreed(outcomes.map((o) => o.final.src)), dst: agreed(outcomes.map((o) => o.final.dst)) },
    egress: outcomes.length > 0 && outcomes.every((o) => o.egress === null) ? null : egress ?? (agreedPartial(outcomes) ?? null),
    outcomes,
    truncated: result.truncated,
  };
}

export function traceJson(result: TraceResult, facts: NodeFacts, fixes: Fix[] = []): TraceJson {
  const outcomes = result.outcomes.map((o) => outcomeJson(o, result, facts));
  const { truncated, ...head } = summarise(result, facts, outcomes);
  return {
    ...head,
    explanation: [outcomes.length === 1 ? (outcomes[0]?.explanation ?? "") : `${outcomes.length} possible outcomes; see each.`, ...fixes.map(fixWords)].join("\n"),
    fixes,
    truncated,
  };
}

/** Egress fields the outcomes agree on, others null. */
function agreedPartial(outcomes: OutcomeSummaryJson[]): EgressJson | null {
  const es = outcomes.map((o) => o.egress);
  if (es.some((e) => e === null)) return null;
  const list = es as EgressJson[];
  return {
    interface: agreed(list.map((e) => e.interface)),
    eni: agreed(list.map((e) => e.eni)),
    table: agreed(list.map((e) => e.table)),
    gateway: agreed(list.map((e) => e.gateway)),
  };
}
