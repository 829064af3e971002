/** Parses the lines of an iptables dump section into syntax lines; a bad line costs only itself. */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/iptables.js";
import type { IptBaseOption, IptExtOption, IptItem, IptLine, IptValue } from "./iptables-syntax.js";
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
  forEachIptablesLine([lines], diagnostics, (source, node) => parsed.push({ source, node }));
  return { lines: parsed, diagnostics };
}

/**
 * Parses lines one at a time, handing each to `visit` before reading the next, so that a consumer
 * lowering each line as it comes never holds the syntax of a whole dump (and no iterator or wrapper
 * object is made per line). Bad lines go to `diagnostics`.
 */
export function forEachIptablesLine(chunks: readonly (readonly SourceLine[])[], diagnostics: Diagnostic[], visit: (source: SourceLine, node: IptLine) => void): void {
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
    if (node !== null && node.type !== "comment") return node;
  }
  return null;
}

function parseSourceLine(source: SourceLine, diagnostics: Diagnostic[] | null): IptLine | null {
  const fast = parseCommonLine(source.raw);
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
  return parseSourceLine({ file: "-", line: 1, column: 1, raw: text }, null);
}

/** Parses one line with the grammar alone (for tests, the printer's round trip, and checking the fast path). */
export function parseIptablesLine(text: string): IptLine | null {
  const result = parseLine(parser, { file: "-", line: 1, column: 1, raw: text }, "iptables", { startRule: "Line" });
  return result.ok ? result.value : null;
}

// ---------------------------------------------------------------- fast path
//
// Nearly every line of a big dump is `-A CHAIN options…` or `:CHAIN POLICY [p:b]`, written by
// iptables-save with single spaces, plain or double-quoted words and no escapes. For exactly those
// shapes, the functions below build the same syntax tree the grammar (grammar/iptables.peggy)
// builds, token by token, following its rules: `Command`/`CommandRest` alternative 3, `Item` =
// MatchModule / TargetSpec / BaseOption / ExtOption, `Value` = DoubleQuoted / PlainValue. Anything
// else — tabs, repeated or edge spaces, backslashes, single quotes, counters, tokens the grammar
// would reject or read differently — returns null and goes to the grammar, which stays the single
// source of truth (bench/check-fast-path.mjs and the parser tests compare the two).

// Mirrors BASE_FLAGS in the grammar's initializer.
const BASE_FLAGS = new Set([
  "-s", "--source", "--src", "-d", "--destination", "--dst",
  "-i", "--in-interface", "-o", "--out-interface", "-p", "--protocol", "-f", "--fragment",
  "-c", "--set-counters",
]);
const EXT_NAME = /^--[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const CHAIN_DECL = /^:([^ \t]+) ([^ \t]+)(?: \[([0-9]+):([0-9]+)\])?$/;
const POLICY_WORD = /^[A-Z]+$/;
const EXT_NAMES = new Map(["comment", "dport", "sport", "mode", "probability", "to-destination", "to-source", "set-xmark", "mark", "dst-type", "src-type", "ctstate", "state", "random-fully", "nfmask", "ctmask", "restore-mark", "limit-iface-in", "limit-iface-out"].map((n) => [`--${n}`, n]));

/** The tokens of the line being parsed, as parallel arrays reused from line to line (no object per token). */
interface Tokens {
  count: number;
  text: string[];
  /** 0-based offset in the line. */
  at: number[];
  quoted: boolean[];
}

const TOKENS: Tokens = { count: 0, text: [], at: [], quoted: [] };

function pushToken(text: string, at: number, quoted: boolean): void {
  const i = TOKENS.count++;
  TOKENS.text[i] = text;
  TOKENS.at[i] = at;
  TOKENS.quoted[i] = quoted;
}

/** Splits on single spaces; a token starting with `"` runs to the next `"`. False when the shape is unusual. */
function tokenize(text: string): boolean {
  TOKENS.count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const start = i;
    if (text.charCodeAt(i) === 34 /* " */) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return false;
      i = close + 1;
      pushToken(text.slice(start + 1, close), start, true);
      if (i < n && text.charCodeAt(i) !== 32) return false;
    } else {
      const space = text.indexOf(" ", i);
      i = space < 0 ? n : space;
      if (i === start) return false;
      pushToken(text.slice(start, i), start, false);
    }
    if (i < n) {
      i++;
      if (i === n) return false;
    }
  }
  return true;
}

/** The grammar's `Value`: a double-quoted word, or a plain one not starting with `"`, `'`, `!` or `-`. */
function isValue(i: number): boolean {
  if (i >= TOKENS.count) return false;
  if (TOKENS.quoted[i]) return true;
  const c = (TOKENS.text[i] as string).charCodeAt(0);
  return c !== 34 && c !== 39 && c !== 33 && c !== 45;
}

function valueOf(i: number): IptValue {
  return { text: TOKENS.text[i] as string, quoted: TOKENS.quoted[i] as boolean, column: (TOKENS.at[i] as number) + 1 };
}

/** Token `i` as a plain word (null past the end, or when quoted or starting with a quote). */
function word(i: number): string | null {
  if (i >= TOKENS.count || TOKENS.quoted[i]) return null;
  const t = TOKENS.text[i] as string;
  return t.charCodeAt(0) === 34 ? null : t;
}

/** A plain `!` token. */
function isBang(i: number): boolean {
  return i < TOKENS.count && !TOKENS.quoted[i] && TOKENS.text[i] === "!";
}

/**
 * The grammar's `Line` for the common shapes, or null to let the grammar decide.
 */
export function parseCommonLine(text: string): IptLine | null {
  const c0 = text.charCodeAt(0);
  if (c0 === 58 /* : */) {
    const m = CHAIN_DECL.exec(text);
    if (m === null) return null;
    const counters = m[3] !== undefined ? { packets: m[3], bytes: m[4] as string } : null;
    return { type: "chain-decl", name: m[1] as string, policy: m[2] as string, counters, ignored: null, column: 1 };
  }
  if (c0 !== 45 /* - */ || text.charCodeAt(1) !== 65 /* A */ || text.charCodeAt(2) !== 32) return null;
  // Escapes, single quotes and tabs take the grammar's slower road.
  if (text.includes("\\") || text.includes("'") || text.includes("\t")) return null;
  if (!tokenize(text) || TOKENS.count < 3) return null;
  const chain = word(1);
  if (chain === null) return null;
  // CommandRest alternatives 1 (`-A CHAIN POLICY`) and 2 (`-A CHAIN NUMBER`) are the grammar's to take.
  const first = TOKENS.text[2] as string;
  if (!TOKENS.quoted[2] && (POLICY_WORD.test(first) || (first.charCodeAt(0) >= 48 && first.charCodeAt(0) <= 57))) return null;
  const items = parseItems(2);
  if (items === null) return null;
  return { type: "command", command: "A", flag: "-A", counters: null, column: 1, chain, number: null, policy: null, spec: { items } };
}

/** The token after what extOptions or option read last (no result object per call on this hot path). */
let after = 0;

// Lists are gathered in these and copied out at their final size: an array grown from `[]` by push
// holds sixteen slots, and a rule has a list per item and per option (mostly of one or two). They
// are filled by index up to a count, never emptied with `length = 0`, which drops their storage.
const ITEMS: IptItem[] = [];
const OPTIONS: IptExtOption[] = [];

/** `RuleSpec`: Items separated by spaces, up to the end of the line. */
function parseItems(from: number): IptItem[] | null {
  const items = ITEMS;
  let count = 0;
  let i = from;
  while (i < TOKENS.count) {
    if (TOKENS.quoted[i]) return null;
    const text = TOKENS.text[i] as string;
    const column = (TOKENS.at[i] as number) + 1;
    if (text === "-m" || text === "--match" || text === "-j" || text === "--jump") {
      const name = word(i + 1);
      if (name === null) return null;
      const options = extOptions(i + 2);
      if (options === null) return null;
      items[count++] = text === "-m" || text === "--match"
        ? { type: "match", flag: text, module: name, options, column }
        : { type: "target", flag: text, kind: "jump", name, options, column };
      i = after;
    } else if (text === "-g" || text === "--goto") {
      const name = word(i + 1);
      if (name === null) return null;
      items[count++] = { type: "target", flag: text, kind: "goto", name, options: [], column };
      i += 2;
    } else {
      const opt = option(i, true);
      if (opt === null) return null;
      items[count++] = opt;
      i = after;
    }
  }
  return items.slice(0, count);
}

/** `(__ @ExtOption)*` after a module or target: options up to the first token that does not start one. */
function extOptions(from: number): IptExtOption[] | null {
  const options = OPTIONS;
  let count = 0;
  let i = from;
  while (i < TOKENS.count) {
    const f = isBang(i) ? i + 1 : i;
    // Not an ExtOption here: the RuleSpec goes on with the next Item (or fails there).
    if (f >= TOKENS.count || TOKENS.quoted[f]) break;
    const flag = TOKENS.text[f] as string;
    if (!flag.startsWith("--") || BASE_FLAGS.has(flag)) break;
    const opt = option(i, false);
    if (opt === null) return null;
    options[count++] = opt as IptExtOption;
    i = after;
  }
  after = i;
  return count === 0 ? [] : options.slice(0, count);
}

/** `BaseOption` (when `base` is allowed) or `ExtOption` starting at token `from`, with its `!` and values. */
function option(from: number, base: boolean): IptBaseOption | IptExtOption | null {
  let i = from;
  const before = isBang(i);
  if (before) i++;
  const flag = word(i);
  if (flag === null) return null;
  const isBase = BASE_FLAGS.has(flag);
  if (isBase ? !base : !EXT_NAME.test(flag)) return null;
  i++;
  let bangAfter = false;
  if (isBang(i) && isValue(i + 1)) {
    bangAfter = true;
    i++;
  }
  let end = i;
  while (isValue(end)) end++;
  // Exact size (see ITEMS): nearly every option has one value.
  const values: IptValue[] = end === i ? [] : end === i + 1 ? [valueOf(i)] : Array.from({ length: end - i }, (_, k) => valueOf(i + k));
  i = end;
  // A token that is neither a value nor the start of an Item (e.g. `!x`) is the grammar's to report.
  if (i < TOKENS.count && !TOKENS.quoted[i]) {
    const next = TOKENS.text[i] as string;
    if ((next.charCodeAt(0) === 33 || next.charCodeAt(0) === 39) && next !== "!") return null;
  }
  after = i;
  const negation = before && bangAfter ? "both" : before ? "before" : bangAfter ? "after" : null;
  const column = (TOKENS.at[from] as number) + 1;
  return isBase
    ? { type: "base", flag, negation, values, column }
    : { type: "ext", name: EXT_NAMES.get(flag) ?? flag.slice(2), negation, values, column };
}
