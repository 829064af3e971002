/**
 * The path picture in the terminal: the same boxes as `trace --format mermaid` (packet → hooks and
 * the rules that acted → routing → egress, deciding steps emphasised) drawn with box characters.
 */
import { diagramBoxes, type DiagramBox } from "../explain/diagram.js";
import type { OutcomeJson, TraceJson } from "../explain/json.js";
import { sanitize } from "../explain/sanitize.js";
import { truncate } from "./text.js";

export type { DiagramBox };

/** The same boxes as `trace --format mermaid`, with every line made safe for the terminal. */
export function terminalBoxes(t: TraceJson, o: OutcomeJson): DiagramBox[] {
  return diagramBoxes(t, o).map((b) => ({ ...b, lines: b.lines.map(sanitize) }));
}

/** Boxes stacked top to bottom, joined by arrows, at most `width` columns. */
export function diagramLines(boxes: readonly DiagramBox[], width: number): string[] {
  const inner = Math.max(10, Math.min(width - 4, Math.max(...boxes.flatMap((b) => b.lines.map((l) => l.length)))));
  const out: string[] = [];
  const mid = " ".repeat(Math.floor((inner + 4) / 2));
  boxes.forEach((b, i) => {
    const [tl, h, tr, v, bl, br] = b.emphasis ? ["╔", "═", "╗", "║", "╚", "╝"] : ["┌", "─", "┐", "│", "└", "┘"];
    if (i > 0) out.push(`${mid}│`, `${mid}▼`);
    out.push(`${tl}${h.repeat(inner + 2)}${tr}`);
    for (const l of b.lines) out.push(`${v} ${truncate(l, inner).padEnd(inner)} ${v}`);
    out.push(`${bl}${h.repeat(inner + 2)}${br}`);
  });
  return out;
}
