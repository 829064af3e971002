/**
 * Syntax tree for iptables dumps (`iptables-save` and `iptables -S`), faithful to what was written:
 * a rule is an ordered list of items, `!` and `-m` kept where they stood.
 */

export interface Loc {
  /** 1-based column of the item in its line. */
  column: number;
}

/** A value token; `quoted` remembers how it was written so printing reproduces it. */
export interface IptValue extends Loc {
  text: string;
  quoted: boolean;
  /** A double quote never closed: the value ran to the end of the line (as iptables-restore reads it). */
  unterminated?: true;
}

/** Where a `!` stood: before the option (`! -s X`), between option and value (`-s ! X`, pre-1.4.3), or both. */
export type NegationPosition = "before" | "after" | "both" | null;

/** A base option (`-s`, `-d`, `-i`, `-o`, `-p`, `-f`, `-c`) as written, long or short. */
export interface IptBaseOption extends Loc {
  type: "base";
  /** The option as written, e.g. `-s` or `--source`. */
  flag: string;
  negation: NegationPosition;
  values: IptValue[];
}

/** `--name [!] values…` inside a match module or target. */
export interface IptExtOption extends Loc {
  type: "ext";
  name: string;
  negation: NegationPosition;
  values: IptValue[];
}

export interface IptMatchModule extends Loc {
  type: "match";
  /** How `-m` was written: `-m` or `--match`. */
  flag: string;
  module: string;
  options: IptExtOption[];
}

export interface IptTargetSpec extends Loc {
  type: "target";
  /** `-j`/`--jump` or `-g`/`--goto`. */
  flag: string;
  kind: "jump" | "goto";
  name: string;
  options: IptExtOption[];
}

/** `ext` at top level: an option of the protocol's implicit module (`-p tcp --dport 80`). */
export type IptItem = IptBaseOption | IptMatchModule | IptTargetSpec | IptExtOption;

export interface IptRuleSpec {
  items: IptItem[];
}

export interface IptCounters {
  packets: string;
  bytes: string;
}

/** One line of an iptables dump. */
export type IptLine =
  | { type: "table"; name: string; column: number }
  | {
      type: "chain-decl"; name: string; policy: string; counters: IptCounters | null;
      /** Text after the policy that is not `[p:b]`: iptables-restore ignores it. */
      ignored: { text: string; column: number } | null;
      column: number;
    }
  | { type: "commit"; column: number }
  | { type: "comment"; text: string; column: number }
  | { type: "blank" }
  | {
      type: "command";
      /** Normalised command letter: A (append), I (insert), N (new chain), P (policy), X, F, Z, D, R. */
      command: "A" | "I" | "N" | "P" | "X" | "F" | "Z" | "D" | "R";
      flag: string;
      chain: string | null;
      /** `-I CHAIN 3` / `-R CHAIN 3` rule number, `-P CHAIN POLICY` policy. */
      number: number | null;
      policy: string | null;
      /** `[p:b]` prefix of iptables-save -c. */
      counters: IptCounters | null;
      spec: IptRuleSpec;
      column: number;
    };

/**
 * The items of one rule, one at a time, for lowering: what it needs of most items is their text
 * (the memo's key), and a fast-path line builds an item's syntax only when asked (`item`).
 */
export interface RuleItems {
  readonly count: number;
  typeOf(k: number): IptItem["type"];
  /** The module (match), the target (target), the flag (base) or the option's name (ext). */
  name(k: number): string;
  /** A target written `-g`/`--goto`. */
  isGoto(k: number): boolean;
  /** A base or ext option written with a `!`. */
  negated(k: number): boolean;
  /** The item's text in its line, up to the next item. */
  text(k: number): string;
  /** For a match or target with one option of one value: its text up to that value; else null. */
  textToOnlyValue(k: number): string | null;
  /** For a base or ext option of one value: that value; else null. */
  onlyValue(k: number): string | null;
  item(k: number): IptItem;
}

/** An `-A CHAIN items…` line read by the fast path: valid only until the next line is read. */
export interface IptAppend {
  type: "append";
  chain: string;
  items: RuleItems;
  /** The line's whole syntax, as the grammar builds it. */
  node(): IptLine;
}
