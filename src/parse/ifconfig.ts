/** Parses `ifconfig` output into interfaces' syntax: a header line and the lines indented under it. */
import type { Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/ifconfig.js";
import type { Origin } from "../model/origin.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

export interface IfconfigToken {
  text: string;
  column: number;
}

export type IfconfigLine =
  | { kind: "header"; name: string; flags: string[]; mtu: number | null; column: number }
  | { kind: "inet" | "inet6"; address: IfconfigToken; options: { name: string; value: IfconfigToken }[] }
  | { kind: "link"; type: string; rest: string }
  | { kind: "counters" }
  | { kind: "blank" };

export interface IfconfigInterface {
  header: Extract<IfconfigLine, { kind: "header" }>;
  lines: { line: Extract<IfconfigLine, { kind: "inet" | "inet6" | "link" }>; origin: Origin }[];
  origin: Origin;
}

const parser = grammar as unknown as PeggyParser<IfconfigLine>;

const originOf = (l: SourceLine): Origin => ({ file: l.file, line: l.line, column: 1, raw: l.raw });

export function isIfconfigHeader(text: string): boolean {
  return /^[^\s:]+: flags=\d+<[A-Z_0-9,]*>\s+mtu \d+/.test(text) || /^\S+\s+Link encap:/.test(text);
}

export function parseIfconfigSection(lines: readonly SourceLine[]): { interfaces: IfconfigInterface[]; diagnostics: Diagnostic[] } {
  const interfaces: IfconfigInterface[] = [];
  const diagnostics: Diagnostic[] = [];
  let current: IfconfigInterface | null = null;
  for (const source of lines) {
    const r = parseLine(parser, source, "ifconfig", { startRule: "Line" });
    if (!r.ok) {
      diagnostics.push(r.diagnostic);
      continue;
    }
    const node = r.value;
    if (node.kind === "header") {
      current = { header: node, lines: [], origin: originOf(source) };
      interfaces.push(current);
    } else if (node.kind === "inet" || node.kind === "inet6" || node.kind === "link") {
      current?.lines.push({ line: node, origin: originOf(source) });
    }
  }
  return { interfaces, diagnostics };
}
