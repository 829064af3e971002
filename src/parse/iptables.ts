/** Parses the lines of an iptables dump section into syntax lines; a bad line costs only itself. */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/iptables.js";
import { lineOf, parseChainDeclaration, readCommonAppend } from "./iptables-fast.js";
import type { IptAppend, IptBaseOption, IptExtOption, IptItem, IptLine, IptValue, RuleItems } from "./iptables-syntax.js";
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
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedIptLine[] = [];
  forEachIptablesLine([lines], diagnostics, (source, node) => parsed.push({ source, node: lineOf(node) }));
  return { lines: parsed, diagnostics };
}

/**
 * Parses lines one at a time, handing each to `visit` before reading the next, so that a consumer
 * lowering each line as it comes never holds the syntax of a whole dump (and no iterator or wrapper
 * object is made per line). A fast-path `-A` line comes as an IptAppend, valid only during `visit`
 * (`lineOf` builds its syntax). Bad lines go to `diagnostics`.
 */
export function forEachIptablesLine(chunks: readonly (readonly SourceLine[])[], diagnostics: Diagnostic[], visit: (source: SourceLine, node: IptLine | IptAppend) => void): void {
  for (const chunk of chunks) {
    // Indexed: a for-of here made an iterator result per line until the loop was optimised.
    for (let i = 0; i < chunk.length; i++) {
      const source = chunk[i] as SourceLine;
      const node = parseSourceLine(source, diagnostics);
      if (node !== null) visit(source, node);
    }
  }
}

/** The first line of a section that says something (not blank, not a comment, not bad), or null. */
export function firstIptablesLine(lines: readonly SourceLine[]): IptLine | null {
  for (const source of lines) {
    const node = parseSourceLine(source, null);
    if (node !== null && node.type !== "comment") return lineOf(node);
  }
  return null;
}

function parseSourceLine(source: SourceLine, diagnostics: Diagnostic[] | null): IptLine | IptAppend | null {
  const raw = source.raw;
  const fast = raw.charCodeAt(0) === 58 /* : */ ? parseChainDeclaration(raw) : readCommonAppend(raw);
  if (fast !== null) return fast;
  const result = parseLine(parser, source, "iptables", { startRule: "Line" });
  if (!result.ok) {
    diagnostics?.push(result.diagnostic);
    return null;
  }
  const node = result.value;
  if (node.type === "blank") return null;
  if (diagnostics !== null && node.type === "command") warnUnterminated(source, node.spec.items, diagnostics);
  if (diagnostics !== null && node.type === "chain-decl" && node.ignored !== null) {
    const message = `ignored: "${node.ignored.text}" after the policy (iptables-restore reads only [packets:bytes] counters there)`;
    diagnostics.push(diagnostic({ file: source.file, line: source.line, column: node.ignored.column }, "warning", message, source.raw));
  }
  return node;
}

/** A line cut short inside a quoted value still loads (iptables-restore takes the rest of the line): say so. */
function warnUnterminated(source: SourceLine, items: readonly IptItem[], diagnostics: Diagnostic[]): void {
  for (const item of items) {
    const options: readonly (IptBaseOption | IptExtOption)[] = item.type === "match" || item.type === "target" ? item.options : [item];
    for (const option of options) {
      for (const value of option.values) {
        if (value.unterminated !== true) continue;
        const message = "quote never closed: iptables-restore reads the rest of the line as this value (was the line cut short?)";
        diagnostics.push(diagnostic({ file: source.file, line: source.line, column: value.column }, "warning", message, source.raw));
      }
    }
  }
}

/** Reads one line as a dump's lines are read (the fast path, else the grammar); null for a blank or bad line. */
export function readIptablesLine(text: string): IptLine | null {
  const node = parseSourceLine({ file: "-", line: 1, column: 1, raw: text }, null);
  return node === null ? null : lineOf(node);
}

/** Parses one line with the grammar alone (for tests, the printer's round trip, and checking the fast path). */
export function parseIptablesLine(text: string): IptLine | null {
  const result = parseLine(parser, { file: "-", line: 1, column: 1, raw: text }, "iptables", { startRule: "Line" });
  return result.ok ? result.value : null;
}

/** The items of a rule whose syntax is built (grammar lines, `iptables -L` rows), read as RuleItems. */
export class BuiltItems implements RuleItems {
  readonly count: number;

  /** `raw`: the line the items were parsed from (null when they were not, as for -L rows: no text). */
  constructor(readonly list: readonly IptItem[], private readonly raw: string | null) {
    this.count = list.length;
  }

  typeOf(k: number): IptItem["type"] {
    return this.item(k).type;
  }

  name(k: number): string {
    const item = this.item(k);
    return item.type === "match" ? item.module : item.type === "base" ? item.flag : item.name;
  }

  isGoto(k: number): boolean {
    const item = this.item(k);
    return item.type === "target" && item.kind === "goto";
  }

  negated(k: number): boolean {
    const item = this.item(k);
    return (item.type === "base" || item.type === "ext") && item.negation !== null;
  }

  text(k: number): string {
    const next = this.list[k + 1];
    const raw = this.raw ?? "";
    return raw.slice(this.item(k).column - 1, next === undefined ? raw.length : next.column - 1);
  }

  textToOnlyValue(k: number): string | null {
    const item = this.item(k);
    if (item.type !== "match" && item.type !== "target") return null;
    const only = item.options.length === 1 ? item.options[0]?.values : undefined;
    const value = only?.length === 1 ? only[0] : undefined;
    return value === undefined ? null : (this.raw ?? "").slice(item.column - 1, value.column - 1);
  }

  onlyValue(k: number): string | null {
    const item = this.item(k);
    return (item.type === "base" || item.type === "ext") && item.values.length === 1 ? (item.values[0] as IptValue).text : null;
  }

  item(k: number): IptItem {
    return this.list[k] as IptItem;
  }
}
