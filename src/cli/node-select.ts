/** Loading a bundle from paths and picking the node a command works on. */
import { hasErrors, type Diagnostic } from "../diagnostics.js";
import { parseInputs } from "../model/bundle.js";
import type { Bundle, NodeModel } from "../model/node.js";
import { sanitize } from "../explain/sanitize.js";
import { readInputs } from "./inputs.js";
import { CliError, type Io } from "./io.js";

export function loadBundle(io: Io, paths: readonly string[], maxBytes?: number): Bundle {
  return parseInputs(readInputs(io, paths, maxBytes));
}

export function selectNodes(bundle: Bundle, name: string | undefined): NodeModel[] {
  if (bundle.nodes.length === 0) {
    // Name the files whose lines were all skipped, so the message says where to look.
    const files = [...new Set(bundle.diagnostics.map((d) => d.file))];
    const where = files.length > 0 ? `${sanitize(files.join(", "))}: ` : "";
    throw new CliError(`${where}the input holds no dump podpath can read (iptables-save, iptables -S/-L, ip rule, ip route, ip addr, ipamd JSON)`, 1);
  }
  if (name === undefined || name === "all") return bundle.nodes;
  const node = bundle.nodes.find((n) => n.name === name);
  // Node names come from the dump (`>> node NAME <<`): sanitized like everything else from it.
  if (!node) throw new CliError(sanitize(`no node "${name}" in the input (nodes: ${bundle.nodes.map((n) => n.name).join(", ")})`));
  return [node];
}

export function formatDiagnostic(d: Diagnostic): string {
  const excerpt = d.excerpt.length > 200 ? `${d.excerpt.slice(0, 200)}…` : d.excerpt;
  // The caret counts the excerpt as shown: a control character before it is several characters wide.
  const before = sanitize(d.excerpt.slice(0, Math.max(0, d.column - 1)));
  const caret = d.column <= 200 ? `\n    ${" ".repeat(before.length)}^` : "";
  return sanitize(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`) + `\n    ${sanitize(excerpt)}${caret}`;
}

/** Errors and warnings on stderr (info only when asked); returns whether any error was found. */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], withInfo: boolean): boolean {
  for (const d of diagnostics) {
    if (d.severity === "info" && !withInfo) continue;
    io.stderr(`${formatDiagnostic(d)}\n`);
  }
  return hasErrors(diagnostics);
}
