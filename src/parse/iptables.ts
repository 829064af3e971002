/** Parses the lines of an iptables dump section into syntax lines; a bad line costs only itself. */
import type { Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/iptables.js";
import type { IptLine } from "./iptables-syntax.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

const parser = grammar as unknown as PeggyParser<IptLine>;

export interface ParsedIptLine {
  source: SourceLine;
  node: IptLine;
}

export function parseIptablesSection(lines: readonly SourceLine[]): {
  lines: ParsedIptLine[];
  diagnostics: Diagnostic[];
} {
  const out: ParsedIptLine[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of lines) {
    const result = parseLine(parser, source, "iptables", { startRule: "Line" });
    if (result.ok) {
      if (result.value.type !== "blank") out.push({ source, node: result.value });
    } else {
      diagnostics.push(result.diagnostic);
    }
  }
  return { lines: out, diagnostics };
}

/** Parses one `-A …` line (for tests and the printer's round trip). */
export function parseIptablesLine(text: string): IptLine | null {
  const result = parseLine(parser, { file: "-", line: 1, text }, "iptables", { startRule: "Line" });
  return result.ok ? result.value : null;
}
