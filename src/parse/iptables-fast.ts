/**
 * The fast path for the lines that make up nearly all of a big dump: `-A CHAIN options…` and
 * `:CHAIN POLICY [p:b]`, written by iptables-save with single spaces, plain or double-quoted words
 * and no escapes. For exactly those shapes it reads what the grammar (grammar/iptables.peggy) reads,
 * following its rules: `Command`/`CommandRest` alternative 3, `Item` = MatchModule / TargetSpec /
 * BaseOption / ExtOption, `Value` = DoubleQuoted / PlainValue. Anything else — tabs, repeated or
 * edge spaces, backslashes, single quotes, counters, tokens the grammar would reject or read
 * differently — is declined and goes to the grammar, which stays the single source of truth
 * (bench/check-fast-path.mjs and the parser tests compare the two).
 *
 * An `-A` line is read in two steps. Recognising it records where its tokens, options and items are
 * (offsets in reused typed arrays: no string or object per token); an item's syntax is built only
 * when asked for. Lowering needs most items only as text, for its memo (the same `-m tcp --dport
 * 443` on thousands of rules), so most are never built.
 */
import type { IptAppend, IptBaseOption, IptExtOption, IptItem, IptLine, IptValue, RuleItems } from "./iptables-syntax.js";

// Mirrors BASE_FLAGS in the grammar's initializer.
const BASE_FLAGS = [
  "-s", "--source", "--src", "-d", "--destination", "--dst",
  "-i", "--in-interface", "-o", "--out-interface", "-p", "--protocol", "-f", "--fragment",
  "-c", "--set-counters",
];
/** The words the grammar gives a meaning, for naming a token without cutting it out of the line: short ones by their letter, long ones by length. */
const SHORT_WORDS = new Int32Array(128).fill(-1);
const LONG_WORDS: { word: string; token: number }[][] = [];

/**
 * What a token can be, found once as it is split off (its first characters, its length): the
 * grammar's choices then read one number per token, not its text.
 */
const enum Token {
  /** `"…"`. */
  Quoted,
  /** A plain word not starting with `!`, `'` or `-`: the grammar's PlainValue. */
  Plain,
  /** `!` alone. */
  Bang,
  /** `-m`, `-j`, `-g`. */
  Match, Jump, Goto,
  /** `--match`, `--jump`, `--goto`: items at the top, but options inside a module or target (the grammar's ExtOption). */
  LongMatch, LongJump, LongGoto,
  /** `--name` (the grammar's ExtOption name, not a base flag). */
  Ext,
  /** Any other word (`-x`, `--bad!`, `!x`): neither a value nor the start of an Item or option. */
  Other,
  /** A base flag: Base + its index in BASE_FLAGS. */
  Base,
}
for (const [word, token] of [["-m", Token.Match], ["-j", Token.Jump], ["-g", Token.Goto], ["--match", Token.LongMatch], ["--jump", Token.LongJump], ["--goto", Token.LongGoto], ...BASE_FLAGS.map((f, id) => [f, Token.Base + id] as const)] as const) {
  if (word.startsWith("--")) (LONG_WORDS[word.length] ??= []).push({ word, token });
  else SHORT_WORDS[word.charCodeAt(1)] = token;
}

const CHAIN_DECL = /^:([^ \t]+) ([^ \t]+)(?: \[([0-9]+):([0-9]+)\])?$/;
/** Common option names handed out as constants (one string instead of one per option). */
const EXT_NAMES = new Map(["comment", "dport", "sport", "mode", "probability", "to-destination", "to-source", "set-xmark", "mark", "dst-type", "src-type", "ctstate", "state", "random-fully", "nfmask", "ctmask", "restore-mark", "limit-iface-in", "limit-iface-out"].map((n) => [`--${n}`, n]));

const enum Kind { Base, Ext, Match, Jump, Goto }
const TYPE_OF: readonly IptItem["type"][] = ["base", "ext", "match", "target", "target"];
const enum Bang { None = 0, Before = 1, After = 2 }
const NEGATION = [null, "before", "after", "both"] as const;
/** Longer lines go to the grammar. */
const MAX_TOKENS = 256;

/** A name character of the grammar's ExtOption: [a-zA-Z0-9], and after the first also `_` and `-`. */
function isNameChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (!first && (c === 95 || c === 45));
}

/** What token [start, end) of `text` (not quoted) is. */
function classify(text: string, start: number, end: number): number {
  const c = text.charCodeAt(start);
  const n = end - start;
  if (c === 33) return n === 1 ? Token.Bang : Token.Other;
  if (c === 39) return Token.Other;
  if (c !== 45) return Token.Plain;
  const d = text.charCodeAt(start + 1);
  if (n === 2) return d < 128 && (SHORT_WORDS[d] as number) >= 0 ? (SHORT_WORDS[d] as number) : Token.Other;
  if (d !== 45) return Token.Other;
  const longs = LONG_WORDS[n];
  if (longs !== undefined) {
    for (let w = 0; w < longs.length; w++) {
      const long = longs[w] as { word: string; token: number };
      if (text.startsWith(long.word, start)) return long.token;
    }
  }
  if (n === 2 || !isNameChar(text.charCodeAt(start + 2), true)) return Token.Other;
  for (let at = start + 3; at < end; at++) if (!isNameChar(text.charCodeAt(at), false)) return Token.Other;
  return Token.Ext;
}

/** A token that may name an ExtOption (inside a module or target). */
function isExtFlag(t: number): boolean {
  return t === Token.Ext || t === Token.LongMatch || t === Token.LongJump || t === Token.LongGoto;
}

function isValue(t: number): boolean {
  return t === Token.Quoted || t === Token.Plain;
}

/**
 * The `-A` line read last. One instance serves every line: it is valid until the next line is read
 * (lowering takes each line as it comes, so it never needs two at once).
 */
class FastAppend implements IptAppend, RuleItems {
  readonly type = "append";
  readonly items: RuleItems = this;
  chain = "";
  count = 0;
  private line = "";
  private tokens = 0;
  /** Tokens: [start, end) in the line (a quoted token with its quotes), and what each is (Token). */
  private readonly tokStart = new Int32Array(MAX_TOKENS);
  private readonly tokEnd = new Int32Array(MAX_TOKENS);
  private readonly tokKind = new Int32Array(MAX_TOKENS);
  /** Options (base and ext): first token (its `!`, if any), flag token, BASE_FLAGS index (-1: ext), bangs, values [from, to). */
  private options = 0;
  private readonly optFirst = new Int32Array(MAX_TOKENS);
  private readonly optFlag = new Int32Array(MAX_TOKENS);
  private readonly optBase = new Int32Array(MAX_TOKENS);
  private readonly optBang = new Int32Array(MAX_TOKENS);
  private readonly optValues = new Int32Array(MAX_TOKENS);
  private readonly optValuesEnd = new Int32Array(MAX_TOKENS);
  /** Items: first token, kind, options [from, to) (a base or ext item is its one option). */
  private readonly itemFirst = new Int32Array(MAX_TOKENS);
  private readonly itemKind = new Int32Array(MAX_TOKENS);
  private readonly itemOptions = new Int32Array(MAX_TOKENS);
  private readonly itemOptionsEnd = new Int32Array(MAX_TOKENS);

  /** Recognises `text` as an `-A` line of the common shape (its first three characters are `-A `). */
  read(text: string): boolean {
    // Escapes, single quotes and tabs take the grammar's slower road.
    if (text.includes("\\") || text.includes("'") || text.includes("\t")) return false;
    this.line = text;
    if (!this.tokenize() || this.tokens < 3 || this.tokKind[1] === Token.Quoted) return false;
    // CommandRest alternatives 1 (`-A CHAIN POLICY`) and 2 (`-A CHAIN NUMBER`) are the grammar's to take.
    if (this.startsPolicyOrNumber(2)) return false;
    if (!this.readItems(2)) return false;
    this.chain = this.tokenText(1);
    return true;
  }

  /** The whole line's syntax, as the grammar builds it. */
  node(): IptLine {
    const items: IptItem[] = [];
    for (let k = 0; k < this.count; k++) items.push(this.item(k));
    return { type: "command", command: "A", flag: "-A", counters: null, column: 1, chain: this.chain, number: null, policy: null, spec: { items } };
  }

  // ------------------------------------------------------------------ RuleItems

  typeOf(k: number): IptItem["type"] {
    return TYPE_OF[this.itemKind[k] as number] as IptItem["type"];
  }

  name(k: number): string {
    const kind = this.itemKind[k];
    if (kind === Kind.Base) return BASE_FLAGS[this.optBase[this.itemOptions[k] as number] as number] as string;
    if (kind === Kind.Ext) return this.extName(this.optFlag[this.itemOptions[k] as number] as number);
    return this.tokenText((this.itemFirst[k] as number) + 1);
  }

  isGoto(k: number): boolean {
    return this.itemKind[k] === Kind.Goto;
  }

  negated(k: number): boolean {
    const kind = this.itemKind[k];
    return (kind === Kind.Base || kind === Kind.Ext) && this.optBang[this.itemOptions[k] as number] !== Bang.None;
  }

  text(k: number): string {
    const end = k + 1 < this.count ? (this.tokStart[this.itemFirst[k + 1] as number] as number) : this.line.length;
    return this.line.slice(this.tokStart[this.itemFirst[k] as number], end);
  }

  textToOnlyValue(k: number): string | null {
    const kind = this.itemKind[k];
    const from = this.itemOptions[k] as number;
    if ((kind !== Kind.Match && kind !== Kind.Jump) || this.itemOptionsEnd[k] !== from + 1) return null;
    const value = this.optValues[from] as number;
    if (this.optValuesEnd[from] !== value + 1) return null;
    return this.line.slice(this.tokStart[this.itemFirst[k] as number], this.tokStart[value]);
  }

  onlyValue(k: number): string | null {
    const kind = this.itemKind[k];
    if (kind !== Kind.Base && kind !== Kind.Ext) return null;
    const o = this.itemOptions[k] as number;
    const value = this.optValues[o] as number;
    return this.optValuesEnd[o] === value + 1 ? this.tokenText(value) : null;
  }

  item(k: number): IptItem {
    const kind = this.itemKind[k];
    const first = this.itemFirst[k] as number;
    const column = (this.tokStart[first] as number) + 1;
    if (kind === Kind.Base || kind === Kind.Ext) return this.option(this.itemOptions[k] as number);
    const flag = this.tokenText(first);
    const name = this.tokenText(first + 1);
    if (kind === Kind.Goto) return { type: "target", flag, kind: "goto", name, options: [], column };
    const from = this.itemOptions[k] as number;
    const to = this.itemOptionsEnd[k] as number;
    const options = to === from ? [] : Array.from({ length: to - from }, (_, o) => this.option(from + o) as IptExtOption);
    return kind === Kind.Match
      ? { type: "match", flag, module: name, options, column }
      : { type: "target", flag, kind: "jump", name, options, column };
  }

  // ------------------------------------------------------------------ building

  private tokenText(i: number): string {
    const start = this.tokStart[i] as number;
    const end = this.tokEnd[i] as number;
    return this.tokKind[i] === Token.Quoted ? this.line.slice(start + 1, end - 1) : this.line.slice(start, end);
  }

  private extName(flag: number): string {
    const text = this.tokenText(flag);
    return EXT_NAMES.get(text) ?? text.slice(2);
  }

  private value(i: number): IptValue {
    return { text: this.tokenText(i), quoted: this.tokKind[i] === Token.Quoted, column: (this.tokStart[i] as number) + 1 };
  }

  private option(o: number): IptBaseOption | IptExtOption {
    const negation = NEGATION[this.optBang[o] as number] ?? null;
    const from = this.optValues[o] as number;
    const to = this.optValuesEnd[o] as number;
    // Exact size: nearly every option has one value.
    const values: IptValue[] = to === from ? [] : to === from + 1 ? [this.value(from)] : Array.from({ length: to - from }, (_, v) => this.value(from + v));
    const column = (this.tokStart[this.optFirst[o] as number] as number) + 1;
    const base = this.optBase[o] as number;
    return base >= 0
      ? { type: "base", flag: BASE_FLAGS[base] as string, negation, values, column }
      : { type: "ext", name: this.extName(this.optFlag[o] as number), negation, values, column };
  }

  // ------------------------------------------------------------------ recognising

  /** Splits on single spaces; a token starting with `"` runs to the next `"`. False when the shape is unusual. */
  private tokenize(): boolean {
    const text = this.line;
    const n = text.length;
    let count = 0;
    let i = 0;
    while (i < n) {
      if (count === MAX_TOKENS) return false;
      const start = i;
      if (text.charCodeAt(i) === 34 /* " */) {
        const close = text.indexOf('"', i + 1);
        if (close < 0) return false;
        i = close + 1;
        if (i < n && text.charCodeAt(i) !== 32) return false;
        this.tokKind[count] = Token.Quoted;
      } else {
        const space = text.indexOf(" ", i);
        i = space < 0 ? n : space;
        if (i === start) return false;
        this.tokKind[count] = classify(text, start, i);
      }
      this.tokStart[count] = start;
      this.tokEnd[count] = i;
      count++;
      if (i < n) {
        i++;
        if (i === n) return false;
      }
    }
    this.tokens = count;
    return true;
  }

  /** A plain token of capitals (the grammar's policy word) or one starting with a digit. */
  private startsPolicyOrNumber(i: number): boolean {
    if (this.tokKind[i] === Token.Quoted) return false;
    const end = this.tokEnd[i] as number;
    const start = this.tokStart[i] as number;
    const c = this.line.charCodeAt(start);
    if (c >= 48 && c <= 57) return true;
    for (let at = start; at < end; at++) {
      const d = this.line.charCodeAt(at);
      if (d < 65 || d > 90) return false;
    }
    return true;
  }

  /** The kind of token `i`, or -1 past the end. */
  private kindAt(i: number): number {
    return i < this.tokens ? (this.tokKind[i] as number) : -1;
  }

  /** `RuleSpec`: Items separated by spaces, up to the end of the line. */
  private readItems(from: number): boolean {
    let items = 0;
    this.options = 0;
    let i = from;
    while (i < this.tokens) {
      const t = this.tokKind[i] as number;
      if (t === Token.Quoted) return false;
      const head = i;
      const firstOption = this.options;
      let kind: Kind;
      if (t >= Token.Match && t <= Token.LongGoto) {
        // A name is any word but a quoted one.
        const name = this.kindAt(i + 1);
        if (name < 0 || name === Token.Quoted) return false;
        const which = t >= Token.LongMatch ? t - Token.LongMatch : t - Token.Match;
        if (which === 2) {
          kind = Kind.Goto;
          i += 2;
        } else {
          kind = which === 0 ? Kind.Match : Kind.Jump;
          i = this.readExtOptions(i + 2);
        }
      } else {
        i = this.readOption(i, true);
        kind = this.optBase[firstOption] as number >= 0 ? Kind.Base : Kind.Ext;
      }
      if (i < 0) return false;
      this.itemFirst[items] = head;
      this.itemKind[items] = kind;
      this.itemOptions[items] = firstOption;
      this.itemOptionsEnd[items] = this.options;
      items++;
    }
    this.count = items;
    return true;
  }

  /** `(__ @ExtOption)*` after a module or target: options up to the first token that does not start one (-1: the grammar's to read). */
  private readExtOptions(from: number): number {
    let i = from;
    while (i < this.tokens) {
      const f = this.tokKind[i] === Token.Bang ? i + 1 : i;
      // Not an ExtOption here: the RuleSpec goes on with the next Item (or fails there, as a word
      // starting with `--` that is no option name does: the grammar fails it as an option).
      if (!isExtFlag(this.kindAt(f))) break;
      i = this.readOption(i, false);
      if (i < 0) return -1;
    }
    return i;
  }

  /** `BaseOption` (when `base` is allowed) or `ExtOption` starting at token `from`, with its `!` and values; the token after it, or -1. */
  private readOption(from: number, base: boolean): number {
    let i = from;
    const before = this.tokKind[i] === Token.Bang;
    if (before) i++;
    const t = this.kindAt(i);
    const id = t >= Token.Base ? t - Token.Base : -1;
    if (id >= 0 ? !base : !isExtFlag(t)) return -1;
    const flag = i++;
    let bang = before ? Bang.Before : Bang.None;
    if (this.kindAt(i) === Token.Bang && isValue(this.kindAt(i + 1))) {
      bang |= Bang.After;
      i++;
    }
    const values = i;
    // A word after the values that starts nothing (`!x`) fails the line where the next item is read.
    while (isValue(this.kindAt(i))) i++;
    const o = this.options++;
    this.optFirst[o] = from;
    this.optFlag[o] = flag;
    this.optBase[o] = id;
    this.optBang[o] = bang;
    this.optValues[o] = values;
    this.optValuesEnd[o] = i;
    return i;
  }
}

const APPEND = new FastAppend();

/** An `-A` line of the common shape, read lazily (valid until the next call), or null for the grammar to read. */
export function readCommonAppend(text: string): IptAppend | null {
  if (text.charCodeAt(0) !== 45 /* - */ || text.charCodeAt(1) !== 65 /* A */ || text.charCodeAt(2) !== 32) return null;
  return APPEND.read(text) ? APPEND : null;
}

/** The whole syntax of a line, however it was read. */
export function lineOf(node: IptLine | IptAppend): IptLine {
  return node.type === "append" ? node.node() : node;
}

/** The grammar's `Line` for the common shapes, built whole, or null to let the grammar decide. */
export function parseCommonLine(text: string): IptLine | null {
  if (text.charCodeAt(0) === 58 /* : */) return parseChainDeclaration(text);
  const append = readCommonAppend(text);
  return append === null ? null : lineOf(append);
}

export function parseChainDeclaration(text: string): IptLine | null {
  const m = CHAIN_DECL.exec(text);
  if (m === null) return null;
  const counters = m[3] !== undefined ? { packets: m[3], bytes: m[4] as string } : null;
  return { type: "chain-decl", name: m[1] as string, policy: m[2] as string, counters, ignored: null, column: 1 };
}
