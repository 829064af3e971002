/**
 * The trace as a path picture: packet → hooks and the rules that acted → routing → egress, with the
 * deciding steps (NAT, the routing rule, a drop) emphasised. Mermaid and Graphviz DOT, for tickets.
 */
import type { OutcomeJson, StepJson, TraceJson } from "./json.js";
import { sanitize } from "./sanitize.js";

export type DiagramFormat = "mermaid" | "dot";

/** One box of the picture: its lines (unsanitised: each renderer escapes for its medium) and whether it decided. */
export interface DiagramBox {
  lines: string[];
  emphasis: boolean;
}

/** The boxes of one outcome's path, top to bottom; `trace --format` and the TUI draw the same ones. */
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
      const deciding = /^(snat|dnat)/.test(String(s.effect));
      if (deciding) {
        flush();
        boxes.push({ lines: [`${s.table} ${s.chain} rule ${s.position}`, String(s.effect)], emphasis: true });
      } else acted.push(`${s.table} ${s.chain} ${s.position}: ${s.effect}`);
    } else if (s.type === "route") {
      flush();
      boxes.push({ lines: routeLines(s), emphasis: true });
    } else if (s.type === "policy" && s.policy === "DROP") {
      acted.push(`policy DROP`);
    }
  }
  flush();
  const end = o.egress
    ? [o.verdict, `out ${o.egress.interface}${o.egress.eni ? ` (${o.egress.eni})` : ""}${o.egress.gateway ? ` via ${o.egress.gateway}` : ""}`, `src ${o.final.src}`]
    : [o.verdict];
  boxes.push({ lines: end, emphasis: true });
  return boxes;
}

function routeLines(s: StepJson): string[] {
  return [`${s.reroute ? "re-route" : "route"}: ${s.ipRule ?? "(no rule)"}`, s.decision === "unicast" ? `table ${s.table}: ${s.route}` : String(s.decision)];
}

// Each line is sanitised on its own: the line breaks are ours, everything else came from a dump.
const mermaidText = (lines: readonly string[]) => lines.map((l) => sanitize(l).replace(/"/g, "#quot;")).join("<br/>");
const dotText = (lines: readonly string[]) => lines.map((l) => sanitize(l).replace(/[\\"]/g, (c) => `\\${c}`)).join("\\n");

export function traceDiagram(traces: readonly TraceJson[], format: DiagramFormat): string {
  const out: string[] = format === "mermaid" ? ["flowchart TD"] : ["digraph podpath {", "  rankdir=TB;", '  node [shape=box, fontname="monospace"];'];
  let n = 0;
  traces.forEach((t, ti) => {
    t.outcomes.forEach((o, oi) => {
      const title = `${t.node}${t.outcomes.length > 1 ? ` — outcome ${oi + 1} (p=${o.probability})` : ""}`;
      const ids = diagramBoxes(t, o).map((b) => ({ ...b, id: `n${n++}` }));
      if (format === "mermaid") {
        out.push(`  subgraph g${ti}_${oi}["${mermaidText([title])}"]`);
        for (const b of ids) out.push(`    ${b.id}["${mermaidText(b.lines)}"]${b.emphasis ? `:::decides` : ""}`);
        for (let i = 1; i < ids.length; i++) out.push(`    ${ids[i - 1]?.id} --> ${ids[i]?.id}`);
        out.push("  end");
      } else {
        out.push(`  subgraph cluster_${ti}_${oi} {`, `    label="${dotText([title])}";`);
        for (const b of ids) out.push(`    ${b.id} [label="${dotText(b.lines)}"${b.emphasis ? ", style=bold, penwidth=2" : ""}];`);
        for (let i = 1; i < ids.length; i++) out.push(`    ${ids[i - 1]?.id} -> ${ids[i]?.id};`);
        out.push("  }");
      }
    });
  });
  if (format === "mermaid") out.push("  classDef decides stroke-width:3px;");
  else out.push("}");
  return `${out.join("\n")}\n`;
}
