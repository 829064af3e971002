/** Selectors: what each pane shows, derived from the state (pure; the reducer and components share them). */
import type { Outcome } from "../eval/types.js";
import type { OutcomeJson } from "../explain/json.js";
import { sanitize } from "../explain/sanitize.js";
import { fixWords } from "../explain/why.js";
import { diagramLines, terminalBoxes } from "./diagram-text.js";
import { ruleLineText, ruleSources, sourceLines, type RuleLine, type RuleSource } from "./rule-view.js";
import type { BodyPane, TuiState } from "./state.js";
import { wrap } from "./text.js";
import { traceRows, traceRowText, type TraceRow } from "./trace-rows.js";

/** Fixed rows around the body on the main screen: header, 2 banner, 3 form, tab bar, footer. */
export const MAIN_CHROME = 8;

export function bodyHeight(state: Pick<TuiState, "rows">): number {
  // One row short of the terminal: Ink redraws the whole screen when output fills it.
  return Math.max(3, state.rows - 1 - MAIN_CHROME);
}

export function currentOutcome(state: TuiState): { json: OutcomeJson; outcome: Outcome } | null {
  const t = state.trace;
  const json = t?.json.outcomes[state.outcome];
  const outcome = t?.result.outcomes[state.outcome];
  return json && outcome ? { json, outcome } : null;
}

export function traceRowsOf(state: TuiState): TraceRow[] {
  const o = currentOutcome(state);
  return o ? traceRows(o.json, o.outcome, state.expanded) : [];
}

export function explainLinesOf(state: TuiState): string[] {
  const o = currentOutcome(state);
  if (!o || !state.trace) return [];
  const width = Math.max(20, state.columns - 2);
  const out: string[] = [];
  const w = state.whatif;
  if (w.exclusions !== null || w.externalSnat !== null) {
    const settings = [
      w.exclusions !== null ? `AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=${w.exclusions.join(",")}` : null,
      w.externalSnat !== null ? `AWS_VPC_K8S_CNI_EXTERNALSNAT=${w.externalSnat}` : null,
    ].filter(Boolean).join(" ");
    out.push(...wrap(`WHAT-IF ${settings} (W clears)`, width));
    const b = w.before?.outcomes[0];
    if (b) out.push(...wrap(sanitize(`As captured: ${b.verdict}, ${b.snat ? `SNAT to ${b.final.src}` : "no SNAT"}${b.egress ? `, out ${b.egress.interface}` : ""}.`), width));
    out.push(...(w.diff.length ? w.diff.map((c) => sanitize(`${c.op === "add" ? "+" : "-"} ${c.table ? `[${c.table}] ` : "[ip rule] "}${c.text}`)) : ["(no rule changes)"]), "");
  }
  const total = state.trace.json.outcomes.length;
  if (total > 1) out.push(...wrap(`Outcome ${state.outcome + 1} of ${total}, probability ${o.json.probability}.`, width));
  for (const a of o.json.assumptions) out.push(...wrap(sanitize(`Assumes: ${a}`), width));
  if (out.length > 0) out.push("");
  // Sanitised line by line: the line breaks are the explain layer's, the rest may come from a dump.
  for (const line of o.json.explanation.split("\n")) out.push(...wrap(sanitize(line), width));
  // The suggested fixes (verified by what-if traces) are the packet's, not one outcome's.
  for (const fix of state.trace.json.fixes) out.push(...wrap(sanitize(fixWords(fix)), width));
  if (state.trace.json.truncated) out.push("", ...wrap("Evaluation was cut short (step or outcome limit); the outcomes are incomplete.", width));
  return out;
}

export function diagramLinesOf(state: TuiState): string[] {
  const o = currentOutcome(state);
  if (!o || !state.trace) return [];
  return diagramLines(terminalBoxes(state.trace.json, o.json), Math.max(20, state.columns - 2));
}

export function ruleSourcesOf(state: TuiState): readonly RuleSource[] {
  return state.facts ? ruleSources(state.facts) : [];
}

export function ruleLinesOf(state: TuiState): RuleLine[] {
  const source = ruleSourcesOf(state)[state.ruleSource];
  if (!source || !state.facts) return [];
  return sourceLines(state.facts, source, currentOutcome(state)?.outcome ?? null);
}

/** The searchable text of each line of a body pane. */
export function paneTexts(state: TuiState, pane: BodyPane): string[] {
  switch (pane) {
    case "trace":
      return traceRowsOf(state).map(traceRowText);
    case "explain":
      return explainLinesOf(state);
    case "diagram":
      return diagramLinesOf(state);
    case "rules":
      return ruleLinesOf(state).map(ruleLineText);
  }
}

/** Trace and rules have a selected row; explain and diagram scroll (the cursor is the top line). */
export function isScrollPane(pane: BodyPane): boolean {
  return pane === "explain" || pane === "diagram";
}
