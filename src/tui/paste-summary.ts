/** What a paste was recognised as, per node, for the paste screen's live summary. */
import type { Bundle } from "../model/node.js";
import type { InputGroup } from "../model/bundle.js";
import type { Diagnostic } from "../diagnostics.js";
import { sanitize } from "../explain/sanitize.js";

export interface NodeSummary {
  name: string;
  /** `nat 26 chains/51 rules`, … */
  iptables: string[];
  ipRules: number;
  rulesGiven: boolean;
  /** Routes per table, e.g. `main 10`. */
  routes: string[];
  routeCount: number;
  interfaces: string[];
  ipamd: string | null;
  skipped: number;
}

export function bundleSummary(bundle: Bundle): NodeSummary[] {
  return bundle.nodes.map((n) => {
    const iptables: string[] = [];
    for (const rs of n.rulesets) {
      for (const [name, t] of rs.tables) {
        const rules = [...t.chains.values()].reduce((k, c) => k + c.rules.length, 0);
        iptables.push(`${name}${rs.family === 6 ? "6" : ""} ${t.chains.size}/${rules}`);
      }
    }
    const perTable = new Map<string, number>();
    for (const r of n.routing.routes) perTable.set(r.table, (perTable.get(r.table) ?? 0) + 1);
    return {
      name: sanitize(n.name),
      iptables,
      ipRules: n.routing.rules.length,
      rulesGiven: n.routing.rulesGiven.length > 0,
      routes: [...perTable].map(([t, k]) => sanitize(`${/^\d+$/.test(t) ? `table ${t}` : t} ${k}`)),
      routeCount: n.routing.routes.length,
      interfaces: n.routing.interfaces.map((i) => sanitize(i.name)),
      ipamd: n.ipamd ? `${n.ipamd.enis.length} ENIs, ${n.ipamd.pods.length} pods` : null,
      skipped: n.skippedLines,
    };
  });
}

/** Lines `line-radius … line+radius` of the file a diagnostic points at, numbered, sanitised. */
export function sourceExcerpt(inputs: readonly InputGroup[], d: Diagnostic, radius: number): { line: number; text: string; here: boolean }[] {
  const file = inputs.flatMap((g) => g.files).find((f) => f.name === d.file);
  if (!file) return [];
  const lines = linesAround(file.text, d.line, radius);
  return lines.map((l) => ({ ...l, text: sanitize(l.text.replace(/\r$/, "")), here: l.line === d.line }));
}

/** Finds lines without splitting a possibly huge text into an array. */
function linesAround(text: string, target: number, radius: number): { line: number; text: string }[] {
  const from = Math.max(1, target - radius);
  let pos = 0;
  for (let n = 1; n < from && pos !== -1; n++) {
    pos = text.indexOf("\n", pos);
    if (pos !== -1) pos++;
  }
  if (pos === -1) return [];
  const out: { line: number; text: string }[] = [];
  for (let n = from; n <= target + radius && pos <= text.length; n++) {
    const end = text.indexOf("\n", pos);
    if (end === -1) {
      // Text after the last newline; nothing there when the text ends with one.
      if (pos < text.length) out.push({ line: n, text: text.slice(pos) });
      break;
    }
    out.push({ line: n, text: text.slice(pos, end) });
    pos = end + 1;
  }
  return out;
}

export function diagnosticText(d: Diagnostic): string {
  return sanitize(`${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}`);
}
