/** The rule view: any chain, the ip rules, or any routing table in full, with the traced path marked. */
import type { Family } from "../model/address.js";
import { TABLES } from "../model/netfilter.js";
import type { NodeFacts } from "../eval/node-facts.js";
import type { Outcome, RouteDecision } from "../eval/types.js";
import { describeMatch, ipRuleText, routeText, ruleText } from "../explain/describe.js";
import { sanitize } from "../explain/sanitize.js";

export type RuleSource =
  | { type: "chain"; family: Family; table: string; chain: string }
  | { type: "ip-rules"; family: Family }
  | { type: "route-table"; family: Family; table: string };

/** How the traced packet met a line: matched, tried and failed, or decided. */
export type LineMark = "deciding" | "matched" | "failed" | "none";

export interface RuleLine {
  text: string;
  mark: LineMark;
  /** Why it failed (the first criterion that did not match), or what it did. */
  note: string | null;
  /** Rule position in its chain, for jumps from the trace. */
  position: number | null;
}

const TABLE_ORDER = (t: string) => (t === "main" ? -3 : t === "local" ? -2 : t === "default" ? -1 : Number(t) || 1e9);

const SOURCES = new WeakMap<NodeFacts, readonly RuleSource[]>();

/** Every chain, the ip rules and every route table of a node (once per node: a big one has 100k chains, and panes ask on every keystroke). */
export function ruleSources(facts: NodeFacts): readonly RuleSource[] {
  let sources = SOURCES.get(facts);
  if (sources === undefined) SOURCES.set(facts, (sources = listSources(facts)));
  return sources;
}

function listSources(facts: NodeFacts): RuleSource[] {
  const out: RuleSource[] = [];
  const node = facts.node;
  for (const rs of node.rulesets) {
    for (const t of TABLES) {
      const table = rs.tables.get(t);
      if (!table) continue;
      for (const chain of table.chains.keys()) out.push({ type: "chain", family: rs.family, table: t, chain });
    }
  }
  const families = [...new Set<Family>([...node.routing.routes.map((r) => r.family), ...node.routing.rules.map((r) => r.family)])].sort();
  for (const family of families.length ? families : [4 as Family]) {
    out.push({ type: "ip-rules", family });
    const tables = [...new Set(node.routing.routes.filter((r) => r.family === family).map((r) => r.table))].sort((a, b) => TABLE_ORDER(a) - TABLE_ORDER(b));
    for (const table of tables) out.push({ type: "route-table", family, table });
  }
  return out;
}

export function sourceTitle(s: RuleSource): string {
  const v6 = s.family === 6 ? " (IPv6)" : "";
  switch (s.type) {
    case "chain":
      return sanitize(`${s.table} ${s.chain}${v6}`);
    case "ip-rules":
      return `ip rules${v6}`;
    case "route-table":
      return sanitize(`route table ${s.table}${v6}`);
  }
}

function routeDecisions(o: Outcome | null): RouteDecision[] {
  return (o?.steps ?? []).flatMap((s) => (s.type === "route" ? [s.decision] : []));
}

export function sourceLines(facts: NodeFacts, source: RuleSource, o: Outcome | null): RuleLine[] {
  switch (source.type) {
    case "chain": {
      const chain = facts.node.rulesets.find((r) => r.family === source.family)?.tables.get(source.table as never)?.chains.get(source.chain);
      if (!chain) return [];
      const seen = new Map<number, { matched: boolean; failed: string | null }>();
      let policyHit = false;
      for (const s of o?.steps ?? []) {
        if (s.type === "rule" && s.rule.table === source.table && s.rule.chain === source.chain) {
          const prev = seen.get(s.rule.position);
          const failedMatch = s.outcome.matched ? undefined : s.rule.matches[s.outcome.failedMatch];
          const failed = s.outcome.matched ? null : failedMatch === undefined ? "?" : describeMatch(failedMatch);
          if (!prev || (!prev.matched && s.outcome.matched)) seen.set(s.rule.position, { matched: s.outcome.matched, failed });
        }
        if (s.type === "policy" && s.table === source.table && s.chain === source.chain) policyHit = true;
      }
      const deciding = new Set([o?.snatRule, o?.dnatRule, o?.decidedBy].flatMap((r) => (r && "position" in r && r.table === source.table && r.chain === source.chain ? [r.position] : [])));
      const lines: RuleLine[] = chain.rules.map((rule) => {
        const hit = seen.get(rule.position);
        const mark: LineMark = deciding.has(rule.position) ? "deciding" : hit ? (hit.matched ? "matched" : "failed") : "none";
        return { text: sanitize(`${rule.position}. ${ruleText(rule)}`), mark, note: hit && !hit.matched && hit.failed ? sanitize(hit.failed) : null, position: rule.position };
      });
      if (chain.policy) lines.push({ text: `policy ${chain.policy}`, mark: policyHit ? (o?.decidedBy && "policy" in o.decidedBy && o.decidedBy.chain === source.chain ? "deciding" : "matched") : "none", note: null, position: null });
      return lines;
    }
    case "ip-rules": {
      const decisions = routeDecisions(o);
      return facts.rules(source.family).map((rule) => {
        const decided = decisions.some((d) => d.rule === rule);
        const check = decisions.flatMap((d) => d.checked).find((c) => c.rule === rule);
        const mark: LineMark = decided ? "deciding" : check ? (check.applied ? "matched" : "failed") : "none";
        const note = decided ? null : check ? (check.applied ? (check.result ? `applied: ${check.result}` : null) : check.failed ? `did not apply (${check.failed})` : null) : null;
        return { text: sanitize(ipRuleText(rule)), mark, note: note && sanitize(note), position: null };
      });
    }
    case "route-table": {
      const chosen = new Set(routeDecisions(o).flatMap((d) => (d.route ? [d.route] : [])));
      return facts.routes(source.table, source.family).map((route) => ({
        text: sanitize(routeText(route)), mark: chosen.has(route) ? "deciding" : "none", note: null, position: null,
      }));
    }
  }
}

/** The text search looks at. */
export function ruleLineText(l: RuleLine): string {
  // The note goes before the rule, so a narrow terminal still shows why it failed.
  if (!l.note) return l.text;
  const m = /^\d+\. /.exec(l.text);
  return m ? `${m[0]}[${l.note}] ${l.text.slice(m[0].length)}` : `[${l.note}] ${l.text}`;
}
