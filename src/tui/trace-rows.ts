/**
 * The trace pane's rows, from the explain layer's JSON steps: hooks, rules (matched, or grouped and
 * collapsible when skipped, each with the criterion that failed), target effects, returns, policies
 * and routing decisions; the rule, ip rule and route that decided are marked. Every string is sanitised.
 */
import type { OutcomeJson, StepJson } from "../explain/json.js";
import type { Outcome } from "../eval/types.js";
import { missRunEnd, missRunSummary } from "../explain/miss-runs.js";
import { sanitize } from "../explain/sanitize.js";

/** Where a row points in the rule view (Enter on it opens that chain or table). */
export type RowTarget = { type: "chain"; table: string; chain: string; position: number | null } | { type: "route-table"; table: string } | { type: "ip-rules" };

export type TraceRow =
  | { type: "hook"; text: string; present: boolean }
  | { type: "rule"; depth: number; matched: boolean; deciding: boolean; text: string; failed: string | null; at: string; target: RowTarget }
  | { type: "skipped"; id: string; depth: number; count: number; expanded: boolean; text: string }
  | { type: "effect"; depth: number; text: string; deciding: boolean }
  | { type: "note"; depth: number; text: string }
  | { type: "route"; text: string; deciding: boolean; target: RowTarget };

const s = (v: unknown) => sanitize(String(v ?? ""));

/** Keys (`table/chain/position`) of the rules that decided this outcome: NAT rules and a drop/reject. */
export function decidingRules(o: Outcome | undefined): Set<string> {
  const out = new Set<string>();
  if (!o) return out;
  for (const r of [o.snatRule, o.dnatRule, o.decidedBy]) {
    if (r && "position" in r) out.add(`${r.table}/${r.chain}/${r.position}`);
  }
  return out;
}

function ruleRow(step: StepJson, deciding: Set<string>): TraceRow {
  const key = `${step.table}/${step.chain}/${step.position}`;
  return {
    type: "rule", depth: Number(step.depth ?? 0), matched: step.matched === true, deciding: deciding.has(key),
    text: s(step.rule), failed: step.failed === null ? null : s(step.failed), at: s(step.at),
    target: { type: "chain", table: s(step.table), chain: s(step.chain), position: Number(step.position) },
  };
}

export function traceRows(o: OutcomeJson | undefined, outcome: Outcome | undefined, expanded: ReadonlySet<string>): TraceRow[] {
  if (!o) return [];
  const deciding = decidingRules(outcome);
  const rows: TraceRow[] = [];
  const steps = o.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as StepJson;
    const depth = Number(step.depth ?? 0);
    switch (step.type) {
      case "hook":
        rows.push({ type: "hook", text: `${s(step.hook)} ${s(step.table)}${step.present ? "" : "   (not in the dump: empty, ACCEPT)"}`, present: step.present === true });
        break;
      case "nat-skipped":
        rows.push({ type: "hook", text: `${s(step.hook)} nat   skipped (${s(step.reason)})`, present: false });
        break;
      case "rule": {
        if (step.matched) {
          rows.push(ruleRow(step, deciding));
          break;
        }
        // A run of rules that did not match, at one depth: one collapsible group.
        const j = missRunEnd(steps, i);
        const id = `g${i}`;
        const group = steps.slice(i, j + 1);
        const open = expanded.has(id);
        rows.push({ type: "skipped", id, depth, count: group.length, expanded: open, text: s(missRunSummary(group)) });
        if (open) for (const g of group) rows.push(ruleRow(g, deciding));
        i = j;
        break;
      }
      case "target":
        if (step.effect !== "none") {
          rows.push({ type: "effect", depth, text: `→ ${s(step.effect)}`, deciding: /^(snat|dnat)/.test(String(step.effect)) });
        }
        break;
      case "return":
        rows.push({ type: "note", depth, text: `↩ ${step.fellOff ? "end of" : "RETURN from"} ${s(step.chain)}` });
        break;
      case "policy":
        rows.push({ type: "note", depth: 0, text: `policy ${s(step.policy)} (${s(step.table)} ${s(step.chain)})` });
        break;
      case "route": {
        if (step.why !== null) {
          rows.push({ type: "route", text: `route: martian → dropped: ${s(step.why)}`, deciding: true, target: { type: "ip-rules" } });
          break;
        }
        const table = step.table === null ? null : s(step.table);
        rows.push({ type: "route", text: `${step.reroute ? "re-route" : "route"}: ip rule ${s(step.ipRule ?? "(none)")}`, deciding: true, target: { type: "ip-rules" } });
        rows.push({
          type: "route", deciding: true, target: table ? { type: "route-table", table } : { type: "ip-rules" },
          text: `   ${table ? `table ${table}: ` : ""}${step.route ? s(step.route) : s(step.decision)}`,
        });
        break;
      }
      case "limit":
        rows.push({ type: "note", depth: 0, text: `(evaluation stopped: too many ${s(step.what)})` });
        break;
    }
  }
  return rows;
}

/** The text a row shows (search looks at it too). */
export function traceRowText(r: TraceRow): string {
  switch (r.type) {
    case "hook":
    case "note":
    case "effect":
    case "route":
      return r.text;
    case "rule":
      // The failed criterion first, so a narrow terminal still shows it.
      return r.matched ? `✓ ${r.text}` : `✗ [no: ${r.failed ?? "?"}] ${r.text}`;
    case "skipped":
      return `${r.expanded ? "▾" : "▸"} ${r.text}`;
  }
}

/** Every group id of skipped rules, for "expand all". */
export function skippedGroupIds(o: OutcomeJson | undefined): string[] {
  return traceRows(o, undefined, new Set()).flatMap((r) => (r.type === "skipped" ? [r.id] : []));
}
