/**
 * Runs of rules that did not match, one after another at one depth of a trace's path: on a big node,
 * thousands of KUBE-SERVICES rules for other services. The text trace and the TUI's trace pane both
 * show such a run as one summary line.
 */
import type { StepJson } from "./json.js";

const isMiss = (s: StepJson | undefined, depth: number) => s?.type === "rule" && s.matched === false && Number(s.depth ?? 0) === depth;

/** The index of the last step of the run of rules that did not match starting at `steps[start]`. */
export function missRunEnd(steps: readonly StepJson[], start: number): number {
  const depth = Number(steps[start]?.depth ?? 0);
  let end = start;
  while (isMiss(steps[end + 1], depth)) end++;
  return end;
}

/** "N rules did not match (the criteria that failed, the first three kinds)". Not sanitised. */
export function missRunSummary(run: readonly StepJson[], more = false): string {
  const failed = [...new Set(run.map((g) => String(g.failed ?? "?")))];
  return `${run.length.toLocaleString("en-US")} ${more ? "more " : ""}rule${run.length === 1 ? "" : "s"} did not match (${failed.slice(0, 3).join(", ")}${failed.length > 3 ? ", …" : ""})`;
}
