/** Parses `conntrack -L` flows: the original tuple, the reply tuple, flags and mark. */
import type { Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/conntrack.js";
import type { Origin } from "../model/origin.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

interface Pair {
  type: "pair";
  key: string;
  value: string;
  column: number;
}

type Item = Pair | { type: "flag"; flag: string; column: number };

type CtLine =
  | { kind: "blank" | "banner" | "footer" | "stats" }
  | { kind: "flow"; l3: string | null; proto: string; protonum: number; timeout: number; state: string | null; items: Item[]; column: number };

/** One direction of a flow, as text (validated when lowered). */
export interface TupleSyntax {
  src: Pair | null;
  dst: Pair | null;
  sport: Pair | null;
  dport: Pair | null;
}

export interface FlowSyntax {
  proto: string;
  protonum: number;
  state: string | null;
  original: TupleSyntax;
  reply: TupleSyntax;
  flags: string[];
  mark: Pair | null;
  origin: Origin;
}

const parser = grammar as unknown as PeggyParser<CtLine>;

export function isConntrackLine(text: string): boolean {
  return /^\s*(ipv[46]\s+\d+\s+)?[a-z0-9-]+\s+\d+\s+\d+\s+([A-Z_]+\s+)?src=\S+\s+dst=/.test(text) || /^\*\*\* Output of conntrack/.test(text);
}

function tuple(pairs: Pair[]): TupleSyntax {
  const get = (k: string) => pairs.find((p) => p.key === k) ?? null;
  return { src: get("src"), dst: get("dst"), sport: get("sport"), dport: get("dport") };
}

export function parseConntrackSection(lines: readonly SourceLine[]): { flows: FlowSyntax[]; diagnostics: Diagnostic[] } {
  const flows: FlowSyntax[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of lines) {
    const r = parseLine(parser, source, "conntrack", { startRule: "Line" });
    if (!r.ok) {
      diagnostics.push(r.diagnostic);
      continue;
    }
    const node = r.value;
    if (node.kind !== "flow") continue;
    // The reply tuple starts at the second `src=`.
    const pairs = node.items.filter((i): i is Pair => i.type === "pair");
    const second = pairs.findIndex((p, i) => p.key === "src" && i > 0);
    const orig = second < 0 ? pairs : pairs.slice(0, second);
    const rest = second < 0 ? [] : pairs.slice(second);
    flows.push({
      proto: node.proto,
      protonum: node.protonum,
      state: node.state,
      original: tuple(orig),
      reply: tuple(rest),
      flags: node.items.flatMap((i) => (i.type === "flag" ? [i.flag] : [])),
      mark: pairs.find((p) => p.key === "mark") ?? null,
      origin: { file: source.file, line: source.line, column: node.column, raw: source.raw },
    });
  }
  return { flows, diagnostics };
}
