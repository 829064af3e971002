/**
 * The path picture in the terminal: the same boxes as `trace --format mermaid` (packet → hooks and
 * the rules that acted → routing → egress, deciding steps emphasised) drawn with box characters.
 */
import type { OutcomeJson, StepJson, TraceJson } from "../explain/json.js";
import { sanitize } from "../explain/sanitize.js";
import { truncate } from "./text.js";

export interface DiagramBox {
  lines: string[];
  emphasis: boolean;
}

// explain/diagram.ts does not export its boxes; this follows the same reading of the steps.
export function diagramBoxes(t: TraceJson, o: OutcomeJson): DiagramBox[] {
  const p = t.packet;
  const boxes: DiagramBox[] = [{ lines: [`${p.proto} ${p.src} → ${p.dst}${p.dport !== null ? `:${p.dport}` : ""}`, p.iif ? `in ${p.iif}` : "from the node"], emphasis: false }];
  let hook: string | null = null;
  const acted: string[] = [];
  const flush = () => {
    if (hook !== null && acted.length > 0) boxes.push({ lines: [hook, ...acted], emphasis: false });
    acted.length = 0;
  };
  for (const s of o.steps) {
    if (s.type === "hook") {
      if (s.hook !== hook) flush();
      hook = String(s.hook);
    } else if (s.type === "target" && s.effect !== "none" && !/ (0x[0-9a-f]+) → \1$/.test(String(s.effect))) {
      if (/^(snat|dnat)/.test(String(s.effect))) {
        flush();
        boxes.push({ lines: [`${s.table} ${s.chain} rule ${s.position}`, String(s.effect)], emphasis: true });
      } else acted.push(`${s.table} ${s.chain} ${s.position}: ${s.effect}`);
    } else if (s.type === "route") {
      flush();
      boxes.push({ lines: routeLines(s), emphasis: true });
    } else if (s.type === "policy" && s.policy === "DROP") {
      acted.push("policy DROP");
    }
  }
  flush();
  boxes.push({
    lines: o.egress
      ? [o.verdict, `out ${o.egress.interface}${o.egress.eni ? ` (${o.egress.eni})` : ""}${o.egress.gateway ? ` via ${o.egress.gateway}` : ""}`, `src ${o.final.src}`]
      : [o.verdict],
    emphasis: true,
  });
  return boxes.map((b) => ({ ...b, lines: b.lines.map(sanitize) }));
}

function routeLines(s: StepJson): string[] {
  return [`${s.reroute ? "re-route" : "route"}: ip rule ${s.ipRule ?? "(none)"}`, s.decision === "unicast" ? `table ${s.table}: ${s.route}` : String(s.decision)];
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
