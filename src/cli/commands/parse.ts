/** `podpath parse FILE... [--json]`: what was read, per node, and the diagnostics. */
import { Command } from "commander";
import { hasErrors } from "../../diagnostics.js";
import type { Bundle, NodeModel } from "../../model/node.js";
import { sanitize } from "../../explain/sanitize.js";
import type { Io } from "../io.js";
import { formatDiagnostic, loadBundle } from "../node-select.js";

export interface ParseJson {
  nodes: {
    name: string;
    iptables: Record<string, { chains: number; rules: number }>;
    ipRules: number;
    routes: number;
    interfaces: number;
  }[];
  diagnostics: { file: string; line: number; column: number; severity: "error" | "warning" | "info"; message: string }[];
}

function tables(node: NodeModel): Record<string, { chains: number; rules: number }> {
  const out: Record<string, { chains: number; rules: number }> = {};
  for (const rs of node.rulesets) {
    for (const [name, t] of rs.tables) {
      const key = rs.family === 6 ? `${name} (IPv6)` : name;
      out[key] = { chains: t.chains.size, rules: [...t.chains.values()].reduce((n, c) => n + c.rules.length, 0) };
    }
  }
  return out;
}

export function parseJson(bundle: Bundle): ParseJson {
  return {
    nodes: bundle.nodes.map((n) => ({
      name: n.name,
      iptables: tables(n),
      ipRules: n.routing.rules.length,
      routes: n.routing.routes.length,
      interfaces: n.routing.interfaces.length,
    })),
    diagnostics: bundle.diagnostics.map(({ file, line, column, severity, message }) => ({ file, line, column, severity, message })),
  };
}

function summaryText(bundle: Bundle): string {
  const out: string[] = [];
  for (const n of bundle.nodes) {
    out.push(`node ${n.name}`);
    const t = tables(n);
    const names = Object.keys(t);
    out.push(names.length ? `  iptables: ${names.map((k) => `${k} ${t[k]?.chains} chains/${t[k]?.rules} rules`).join(", ")}` : "  iptables: none");
    const fams = n.routing.rulesGiven.length ? `${n.routing.rules.length}` : "none (kernel defaults)";
    out.push(`  ip rules: ${fams}`);
    const perTable = new Map<string, number>();
    for (const r of n.routing.routes) perTable.set(r.table, (perTable.get(r.table) ?? 0) + 1);
    out.push(`  routes: ${n.routing.routes.length}${perTable.size ? ` (${[...perTable].map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`);
    const addrs = n.routing.interfaces.reduce((s, i) => s + i.addresses.length, 0);
    out.push(`  interfaces: ${n.routing.interfaces.length} (${n.routing.interfaces.map((i) => i.name).join(", ")}), ${addrs} addresses`);
    if (n.ipamd) out.push(`  ipamd: ${n.ipamd.enis.length} ENIs, ${n.ipamd.pods.length} pods, ${Object.keys(n.ipamd.settings).length} settings`);
    if (n.skippedLines) out.push(`  skipped lines: ${n.skippedLines}`);
  }
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of bundle.diagnostics) counts[d.severity]++;
  out.push(`diagnostics: ${counts.error} errors, ${counts.warning} warnings, ${counts.info} info`);
  return out.map(sanitize).join("\n");
}

export function parseCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command("parse")
    .description("read node dumps and report what was recognised, with diagnostics")
    .argument("<files...>", "dump files, node directories, or - for standard input")
    .option("--json", "print the machine-readable summary")
    .option("--max-bytes <n>", "refuse inputs larger than this", (v) => Number(v))
    .action((files: string[], opts: { json?: boolean; maxBytes?: number }) => {
      const bundle = loadBundle(io, files, opts.maxBytes);
      if (opts.json) {
        io.stdout(`${JSON.stringify(parseJson(bundle), null, 2)}\n`);
      } else {
        io.stdout(`${summaryText(bundle)}\n`);
        for (const d of bundle.diagnostics) io.stdout(`${formatDiagnostic(d)}\n`);
      }
      setExit(hasErrors(bundle.diagnostics) ? 1 : 0);
    });
}
