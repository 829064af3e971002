/**
 * Lowers parsed iptables lines (save or -S format) into rulesets: one per address family, tables
 * with chains, policies and typed rules. Reports what iptables-restore would refuse, and what podpath
 * cannot evaluate, as diagnostics; every good rule is kept whatever happens around it.
 */
import { diagnostic, type Diagnostic, type Severity } from "../diagnostics.js";
import { BuiltItems, type ParsedIptLine } from "../parse/iptables.js";
import { lineOf } from "../parse/iptables-fast.js";
import type { IptAppend, IptBaseOption, IptExtOption, IptLine, IptMatchModule, IptTargetSpec, IptValue, RuleItems } from "../parse/iptables-syntax.js";
import { hasNonContiguousMask, type Family } from "./address.js";
import { IPV6_EXTENSION_HEADERS } from "./protocols.js";
import { implicitModule, lowerMatchModule, moduleProtocols, negationFits, type LowerContext } from "./iptables-matches.js";
import { isKnownTarget, lowerTarget, natPorts, rejectsWithReset, unknownTarget } from "./iptables-targets.js";
import { parseFamilyPrefix, parseProtocol, protocolName, xtablesIPv4 } from "./iptables-values.js";
import {
  BUILTIN_CHAINS, keepRuleSpec, TABLES, type Chain, type Match, type Rule, type Ruleset, type Table, type TableName, type Target,
} from "./netfilter.js";
import { LoweringMemo, memoKey } from "./lowering-memo.js";
import { JUMP_BY_NAME, JumpGraph, NO_JUMP } from "./table-checks.js";
import type { Origin } from "./origin.js";
import type { SourceLine } from "../parse/source.js";

/** One pasted iptables listing: an `iptables-save` file, or one `iptables [-t T] -S` output. */
export interface IptablesListing {
  family: Family;
  /** The table named by a header (`iptables -t nat -S`), when there was one. */
  tableHint: TableName | null;
  /**
   * Hands its lines to `visit`, in order. A save-format listing is lowered line by line as they
   * come, so a lazily parsed listing never has the syntax of more than one rule alive at a time
   * (and a fast-path line's items are built only where lowering needs them).
   */
  read: (visit: (source: SourceLine, node: IptLine | IptAppend) => void) => void;
  /** Each line's text parses back to its node (save and -S dumps, not -L rows): rules need not keep their syntax. */
  reparsable?: boolean;
}

/** `read` for lines parsed already (`iptables -L` rows, tests). */
export function readParsed(lines: readonly ParsedIptLine[]): IptablesListing["read"] {
  return (visit) => {
    for (const line of lines) visit(line.source, line.node);
  };
}

type CommandLine = ParsedIptLine & { node: Extract<IptLine, { type: "command" }> };

type Reporter = (at: Origin, column: number, severity: Severity, message: string) => void;

/** A rule or chain written from the start of its line keeps the line itself as its origin (no copy per rule). */
function originOf(at: SourceLine, column = 1): Origin {
  return column === 1 ? at : { file: at.file, line: at.line, column, raw: at.raw };
}

function isTableName(name: string): name is TableName {
  return (TABLES as readonly string[]).includes(name);
}

/** A -S listing does not name its table; its set of -P lines does (nat has no FORWARD, raw only two). */
function tableFromPolicies(chains: string[]): TableName | null {
  const key = [...chains].sort().join(",");
  for (const table of TABLES) {
    if ([...BUILTIN_CHAINS[table]].sort().join(",") === key) return table;
  }
  return null;
}

const NAT_TARGETS = new Set(["SNAT", "DNAT", "MASQUERADE", "REDIRECT"]);

/** Without -P lines or a header, guess the table from the targets used, and say so. */
function tableFromTargets(commands: CommandLine[]): TableName {
  const targets = new Set(commands.flatMap((c) => c.node.spec.items.flatMap((i) => (i.type === "target" ? [i.name] : []))));
  const chains = new Set(commands.map((c) => c.node.chain));
  if ([...targets].some((t) => NAT_TARGETS.has(t)) || chains.has("KUBE-SERVICES") || chains.has("AWS-SNAT-CHAIN-0")) return "nat";
  if (targets.has("NOTRACK") || targets.has("CT")) return "raw";
  if (targets.has("MARK") || targets.has("CONNMARK") || targets.has("TPROXY")) return "mangle";
  return "filter";
}

export function lowerIptables(listings: readonly IptablesListing[]): { rulesets: Ruleset[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const rulesets = new Map<Family, Ruleset>();
  const report: Reporter = (at, column, severity, message) =>
    diagnostics.push(diagnostic({ file: at.file, line: at.line, column }, severity, message, at.raw));

  for (const listing of listings) {
    let ruleset = rulesets.get(listing.family);
    if (!ruleset) {
      ruleset = { family: listing.family, tables: new Map() };
      rulesets.set(listing.family, ruleset);
    }
    lowerListing(listing, ruleset, report);
  }
  return { rulesets: [...rulesets.values()], diagnostics };
}

/**
 * Reads one listing in order. Save-format tables (`*nat` … `COMMIT`) are lowered as their lines
 * arrive. Lines before the first `*table` wait: if one follows, they are errors (a save dump has
 * nothing before its tables); if none does, the listing is `-S` output, whose tables are named only
 * once all their lines are read (by the header, the -P lines, or the targets used).
 */
function lowerListing(listing: IptablesListing, ruleset: Ruleset, reportAny: Reporter): void {
  const family = listing.family;
  const reparsable = listing.reparsable === true;
  let reported = 0;
  const report: Reporter = (...args) => {
    reported++;
    reportAny(...args);
  };
  const memo = new LoweringMemo(() => reported);
  /** Lines before the first `*table` line: -S output unless a table line follows. */
  let waiting: ParsedIptLine[] | null = [];
  let current: { name: string; opener: SourceLine; builder: TableBuilder | null; committed: boolean } | null = null;

  /** Starts filling table `name`, or returns null (with a diagnostic) when it cannot be used. */
  const open = (name: string, opener: SourceLine, saveFormat: boolean): TableBuilder | null => {
    if (!isTableName(name)) {
      report(opener, 1, "error", `unknown table "${name}" (expected one of ${TABLES.join(", ")})`);
      return null;
    }
    if (ruleset.tables.has(name)) {
      report(opener, 1, "info", `table ${name} is listed again; podpath uses the first listing`);
      return null;
    }
    const builder = new TableBuilder(name, originOf(opener), { family, reparsable, saveFormat, memo }, report);
    ruleset.tables.set(name, builder.table);
    return builder;
  };
  const close = (at: SourceLine | null) => {
    if (current === null) return;
    if (!current.committed) report(at ?? current.opener, 1, "error", `missing COMMIT for table ${current.name}: iptables-restore would reject this table`);
    current.builder?.finish();
    current = null;
  };

  listing.read((source, node) => {
    if (node.type === "table") {
      if (waiting !== null) {
        // A save dump after all: whatever came before its first table belongs to no table.
        for (const early of waiting) {
          if (early.node.type === "command") report(early.source, early.node.column, "error", "rule before any table: expected a *table line first");
        }
        waiting = null;
      }
      close(source);
      current = { name: node.name, opener: source, builder: open(node.name, source, true), committed: false };
      return;
    }
    if (node.type === "commit") {
      if (current !== null && !current.committed) current.committed = true;
      else report(source, node.column, "error", "COMMIT without a table: expected a *table line before it");
      if (current === null) waiting?.push({ source, node });
      return;
    }
    if (node.type === "chain-decl") {
      if (current !== null && !current.committed) current.builder?.declare(source, node.name, node.policy, node.column);
      else report(source, node.column, "error", `chain declaration :${node.name} before any table: expected a *table line first`);
      if (current === null) waiting?.push({ source, node });
      return;
    }
    if (current === null) {
      waiting?.push({ source, node: lineOf(node) });
      return;
    }
    if (node.type !== "command" && node.type !== "append") return;
    if (current.committed) {
      report(source, node.type === "append" ? 1 : node.column, "error", `rule after COMMIT of table ${current.name}: expected a *table line first`);
      return;
    }
    if (node.type === "append") current.builder?.append(source, node);
    else current.builder?.command(source, node);
  });
  close(null);
  if (waiting !== null) lowerListingS(waiting, listing.tableHint, open, report);
}

/** `iptables -S` output: each table's listing starts with its -P lines. */
function lowerListingS(
  lines: ParsedIptLine[],
  tableHint: TableName | null,
  open: (name: string, opener: SourceLine, saveFormat: boolean) => TableBuilder | null,
  report: Reporter,
): void {
  const blocks: CommandLine[][] = [];
  let lastWasPolicy = false;
  for (const line of lines) {
    if (line.node.type !== "command") {
      // Only a run of -P lines with nothing between them belongs together.
      lastWasPolicy = false;
      continue;
    }
    const isPolicy = line.node.command === "P";
    if (blocks.length === 0 || (isPolicy && !lastWasPolicy)) blocks.push([]);
    (blocks[blocks.length - 1] as CommandLine[]).push(line as CommandLine);
    lastWasPolicy = isPolicy;
  }
  for (const block of blocks) {
    const opener = (block[0] as CommandLine).source;
    const policies = block.filter((c) => c.node.command === "P").map((c) => c.node.chain ?? "");
    const named = tableHint ?? tableFromPolicies(policies);
    const name = named ?? tableFromTargets(block);
    if (named === null) {
      report(opener, 1, "info", `this listing does not say its table; podpath assumed "${name}" from its rules (paste iptables-save, or iptables -t TABLE -S with its command line, to be exact)`);
    }
    const builder = open(name, opener, false);
    if (builder === null) continue;
    for (const cmd of block) builder.command(cmd.source, cmd.node);
    builder.finish();
  }
}

/** A rule for a chain not declared yet (iptables-save never writes one). */
interface Early {
  rule: Rule;
  at: SourceLine;
  column: number;
  /** `-I CHAIN N`: the position asked for. */
  insertAt: number | null;
  /** The rule's place among the table's commands. */
  seq: number;
  /** Where its jump goes, for the jump graph. */
  to: number;
}

/** A chain of the table being filled, with what rules share of it. */
interface ChainEntry {
  chain: Chain;
  /** Its place in the table's map: its number in the jump graph. */
  number: number;
  /** The jump and goto targets to it, shared by every rule that jumps there (made on first use). */
  jump: Target | null;
  goto: Target | null;
  /** A user chain's declaration: how many commands came before it, and its line (-1: none). */
  declaredSeq: number;
  declaredLine: number;
}

/**
 * One table, filled in command order: declarations, then rules as they come. A rule's matches and
 * target are lowered at once (they need only the line); a rule for a chain, or a jump to a name, not
 * declared yet waits for the end of the table, where it is accepted (the chain was declared later)
 * or reported.
 */
class TableBuilder {
  readonly table: Table;
  /** Rules for chains not declared yet, in command order. */
  private readonly early = new Map<string, Early[]>();
  /** Jumps to names that were neither a target nor a declared chain when read. */
  private readonly unresolved: { rule: Rule; spec: IptTargetSpec; at: SourceLine; seq: number }[] = [];
  private seq = 0;
  /** The table's chains by name, and by number (the order of the table's map). */
  private readonly entries = new Map<string, ChainEntry>();
  private readonly ordered: ChainEntry[] = [];
  private readonly graph = new JumpGraph();
  private readonly isChain = (name: string) => this.table.chains.has(name);
  /** The chain of the previous rule. */
  private last: ChainEntry | undefined = undefined;
  /** Where the target of the rule just lowered jumps, for the jump graph. */
  private jumpTo = NO_JUMP;
  /**
   * Appended rules of the chain being filled, not yet in its array: a dump lists a chain's rules
   * together, so each chain gets one exact-size array instead of one grown by push (a big table has
   * tens of thousands of chains of two or three rules, and an array grown by push holds sixteen).
   */
  private readonly run: Rule[] = [];
  /** How many of `run`'s slots hold the current run (filled by index: `length = 0` drops storage). */
  private runLength = 0;
  private runChain: Chain | undefined = undefined;
  /** Chains with -I rules, renumbered at the end. */
  private readonly inserted = new Set<Chain>();
  /** The line being lowered: what the context's diagnostics point at. */
  private line: SourceLine | null = null;
  /** One context for every line (lowering reports synchronously, so it reads the line at report time). */
  private readonly lineContext: LowerContext;
  /** Which names are chains, for the target being lowered (a jump judged at the table's end sees only the chains before it). */
  private resolving: (name: string) => boolean = this.isChain;
  // Made once, not per rule: the memo calls them only for groups it has not lowered before.
  /** A base option's match; several for an address list (`-s A,B`), which are alternatives (see expand). */
  private readonly lowerBaseOption = (items: RuleItems, k: number): readonly Match[] => {
    const m = lowerBase(items.item(k) as IptBaseOption, this.lineContext);
    return m === null ? [] : Array.isArray(m) ? m : [m as Match];
  };
  private readonly lowerModule = (items: RuleItems, k: number): Match[] => lowerMatchModule(items.item(k) as IptMatchModule, this.lineContext);
  private readonly lowerTargetSpec = (items: RuleItems, k: number): Target | null => lowerTarget(items.item(k) as IptTargetSpec, this.lineContext, this.resolving);
  /** The matches of the rule being lowered; each rule gets an exact-size copy. */
  private readonly matches: Match[] = [];
  /** Errors lowering items has reported: a condition it could not read is not dropped (see lowerRule). */
  private itemErrors = 0;

  constructor(
    private readonly name: TableName,
    origin: Origin,
    private readonly how: { family: Family; reparsable: boolean; saveFormat: boolean; memo: LoweringMemo },
    private readonly report: Reporter,
  ) {
    this.table = { name, chains: new Map(), origin };
    this.lineContext = {
      family: how.family,
      restoreInput: how.reparsable,
      report: (column, severity, message) => {
        if (severity === "error") this.itemErrors++;
        this.report(this.line as SourceLine, column, severity, message);
      },
    };
    for (const builtin of BUILTIN_CHAINS[name]) this.addChain({ name: builtin, builtin: true, policy: "ACCEPT", rules: [], origin: null }, -1, -1);
  }

  private addChain(chain: Chain, declaredSeq: number, declaredLine: number): ChainEntry {
    this.table.chains.set(chain.name, chain);
    const entry: ChainEntry = { chain, number: this.ordered.length, jump: null, goto: null, declaredSeq, declaredLine };
    this.ordered.push(entry);
    this.entries.set(chain.name, entry);
    return entry;
  }

  /**
   * The chain named `name`, or undefined. A dump lists each chain's rules together, in the order it
   * declared the chains: mostly the previous rule's chain or the next one, found without a lookup.
   */
  private entryOf(name: string): ChainEntry | undefined {
    const last = this.last;
    if (last !== undefined) {
      if (last.chain.name === name) return last;
      const next = this.ordered[last.number + 1];
      if (next !== undefined && next.chain.name === name) return (this.last = next);
    }
    return (this.last = this.entries.get(name));
  }

  declare(at: SourceLine, chainName: string, policy: string | null, column: number): void {
    const { name, table, report } = this;
    const existing = table.chains.get(chainName);
    if (BUILTIN_CHAINS[name].includes(chainName)) {
      const chain = existing as Chain;
      if (chain.origin !== null && policy === null) report(at, column, "error", `chain ${chainName} is defined twice`);
      if (policy === "ACCEPT" || policy === "DROP") chain.policy = policy;
      else if (policy !== null) report(at, column, "error", `built-in chain ${chainName} needs policy ACCEPT or DROP, found "${policy}"`);
      chain.origin ??= originOf(at, column);
      return;
    }
    if (existing) {
      report(at, column, "error", `chain ${chainName} is defined twice`);
      return;
    }
    if (policy !== null && policy !== "-") {
      report(at, column, "error", `${chainName} is not a built-in chain of table ${name}, so it cannot have policy ${policy}`);
    }
    const entry = this.addChain({ name: chainName, builtin: false, policy: null, rules: [], origin: originOf(at, column) }, this.seq, at.line);
    const waiting = this.early.get(chainName);
    if (waiting) {
      // Kept in the chain, but the table would not load: iptables-restore needs the chain first.
      const first = waiting[0] as Early;
      report(first.at, first.column, "error", `-${first.insertAt === null ? "A" : "I"} to chain ${chainName} before its declaration on line ${at.line}: iptables-restore rejects a rule for a chain not declared yet`);
      this.early.delete(chainName);
      for (const e of waiting) this.place(entry, e.rule, e.insertAt, e.to);
    }
  }

  command(source: SourceLine, node: CommandLine["node"]): void {
    const needsChain = node.command === "N" || node.command === "P" || node.command === "A" || node.command === "I";
    if (needsChain && node.chain === null) {
      this.report(source, node.column, "error", `${node.flag} needs a chain name: iptables-restore refuses the line`);
      return;
    }
    // `-A CHAIN WORD`: the grammar reads a capital word or a number there as -P's policy or -I's
    // position; for any other command iptables-restore finds a stray argument.
    const stray = node.command === "P" ? null : node.policy ?? (node.command === "I" || node.number === null ? null : String(node.number));
    if (needsChain && stray !== null) {
      this.report(source, node.column, "error", `${node.flag} ${node.chain ?? ""} takes no "${stray}" there: iptables-restore refuses the stray argument`);
      return;
    }
    if (node.command === "N" || node.command === "P") {
      if (node.chain === null) return;
      if (node.command === "N") this.declare(source, node.chain, null, node.column);
      else if (!BUILTIN_CHAINS[this.name].includes(node.chain)) this.report(source, node.column, "error", `-P needs a built-in chain of table ${this.name}, found ${node.chain}`);
      else this.declare(source, node.chain, node.policy, node.column);
      return;
    }
    if (node.command !== "A" && node.command !== "I") {
      this.report(source, node.column, "warning", `-${node.command} in a dump is ignored: podpath reads listings (-A, -N, -P), not edit commands`);
      return;
    }
    if (node.chain === null) return;
    const insertAt = node.command === "I" ? node.number ?? 1 : null;
    this.add(source, node.chain, node.column, insertAt, new BuiltItems(node.spec.items, this.how.reparsable ? source.raw : null));
  }

  /** An `-A` line the fast path read. */
  append(source: SourceLine, line: IptAppend): void {
    this.add(source, line.chain, 1, null, line.items);
  }

  private add(source: SourceLine, chainName: string, column: number, insertAt: number | null, items: RuleItems): void {
    const entry = this.entryOf(chainName);
    const seq = this.seq++;
    const rule = this.lowerRule(source, items, column, entry?.chain.name ?? chainName, seq);
    const expanded = this.expanded;
    this.expanded = null;
    if (expanded === null) this.put(entry, rule, chainName, source, column, insertAt, seq);
    // An address list makes a rule per address (-I puts each at the same place, so they end reversed, as iptables does).
    else for (const r of expanded) this.put(entry, r, chainName, source, column, insertAt, seq);
  }

  /** Places a rule in its chain, or keeps it for the end of the table when the chain is not declared yet. */
  private put(entry: ChainEntry | undefined, rule: Rule, chain: string, at: SourceLine, column: number, insertAt: number | null, seq: number): void {
    if (entry) {
      this.place(entry, rule, insertAt, this.jumpTo);
      return;
    }
    const e: Early = { rule, at, column, insertAt, seq, to: this.jumpTo };
    const waiting = this.early.get(chain);
    if (waiting) waiting.push(e);
    else this.early.set(chain, [e]);
  }

  /** Puts `rule` in its chain (`to`: where it jumps, for the jump graph). */
  private place(entry: ChainEntry, rule: Rule, insertAt: number | null, to: number): void {
    this.graph.addRule(entry.number, rule, to);
    const chain = entry.chain;
    if (insertAt === null) {
      if (chain !== this.runChain) {
        this.flushRun();
        this.runChain = chain;
      }
      this.run[this.runLength++] = rule;
      rule.position = chain.rules.length + this.runLength;
    } else {
      this.flushRun();
      chain.rules.splice(Math.max(0, insertAt - 1), 0, rule);
      this.inserted.add(chain);
    }
  }

  /** Appends the run of rules gathered for one chain to it, in one exact-size array. */
  private flushRun(): void {
    const chain = this.runChain;
    if (chain === undefined) return;
    const run = this.run.slice(0, this.runLength);
    chain.rules = chain.rules.length === 0 ? run : chain.rules.concat(run);
    this.runLength = 0;
    this.runChain = undefined;
  }

  /** Ends the table: jumps not resolved when read, rules for chains never declared, positions. */
  finish(): Table {
    const { table, report, early } = this;
    this.flushRun();
    // A chain never declared exists from the first rule appended to it (after an error below): a
    // jump to it resolves only after that rule, as when the table is read in order.
    const isChain = (name: string, seq: number) => table.chains.has(name) || (early.get(name)?.[0]?.seq ?? Infinity) < seq;
    for (const { rule, spec, at, seq } of this.unresolved) {
      this.lowering(at);
      const later = this.entries.get(spec.name);
      if (later !== undefined && later.declaredSeq > seq) {
        report(at, spec.column, "error", `jump to ${spec.name} before its declaration on line ${later.declaredLine}: iptables-restore rejects a jump to a chain not declared yet`);
      }
      rule.target = this.target(new BuiltItems([spec], null), 0, isKnownTarget(spec.name), (n) => isChain(n, seq), null);
    }
    for (const [chainName, waiting] of early) {
      const first = waiting[0] as Early;
      report(first.at, first.column, "error", `-${first.insertAt === null ? "A" : "I"} to undeclared chain ${chainName}: expected a ${this.how.saveFormat ? `:${chainName} - [0:0]` : `-N ${chainName}`} line before it`);
      const entry = this.addChain({ name: chainName, builtin: false, policy: null, rules: [], origin: null }, -1, -1);
      for (const e of waiting) this.place(entry, e.rule, e.insertAt, e.to);
    }
    early.clear();
    this.flushRun();
    for (const chain of this.inserted) {
      chain.rules.forEach((r, i) => (r.position = i + 1));
      // Drop the spare capacity splice left.
      chain.rules = chain.rules.slice();
    }
    for (const { rule } of this.unresolved) {
      const n = this.entries.get(rule.chain)?.number;
      if (n !== undefined) this.graph.addResolvedTarget(n, rule);
    }
    const chains = this.ordered.map((e) => e.chain);
    this.graph.check(table, chains, (name) => this.entries.get(name)?.number, (origin, severity, message) => report(origin, origin.column, severity, message));
    return table;
  }

  /**
   * `known`: the name is a target iptables defines (else a jump to a chain, or an error); `key`: what
   * the memo knows it by (null: lower it afresh).
   */
  private target(items: RuleItems, k: number, known: boolean, isChain: (name: string) => boolean, key: string | null): Target | null {
    const entry = known ? undefined : this.entries.get(items.name(k));
    if (entry !== undefined) return chainTarget(entry, items.isGoto(k));
    this.resolving = isChain;
    return this.how.memo.targetOf(key, items, k, this.lowerTargetSpec);
  }

  private lowering(at: SourceLine): void {
    this.line = at;
  }

  /** The rules an address list made of the line just lowered (null: just the one). */
  private expanded: Rule[] | null = null;
  /** The address lists of the rule being lowered: where in its matches each goes, and its matches. */
  private readonly lists: { at: number; source: boolean; options: readonly Match[] }[] = [];

  /**
   * iptables makes a rule for each source and destination of `-s A,B -d C,D` (sources outer), each
   * holding one address from each list where the list was written.
   */
  private expand(base: Rule): Rule[] {
    const lists = [...this.lists].sort((a, b) => Number(b.source) - Number(a.source));
    let combos: Match[][] = [[]];
    for (const list of lists) combos = combos.flatMap((picked) => list.options.map((m) => [...picked, m]));
    return combos.map((picked) => {
      const ms = [...base.matches];
      // Insert from the last place backwards, so the earlier places stay where they were.
      const placed = lists.map((list, k) => ({ at: list.at, m: picked[k] as Match })).sort((a, b) => b.at - a.at);
      for (const { at, m } of placed) ms.splice(at, 0, m);
      return { ...base, matches: ms };
    });
  }

  /** The protocol-bound modules of the rule being lowered: their items (filled by index up to a count). */
  private readonly bound: number[] = [];

  /**
   * What the rule's modules and its NAT ports need of its `-p` (item `p`, -1 for none; `number`:
   * the protocol it names, 0 for none or `all`), checked as the kernel and iptables check it. The
   * bound modules are `bound` items of `items`, and `implicit` (`-p tcp --dport 80`).
   */
  private checkProtocol(source: SourceLine, items: RuleItems, p: number, number: number, bound: number, implicit: IptMatchModule | null, target: Target | null): void {
    const negated = p >= 0 && items.negated(p);
    // The implicit module comes last, as it was made after the rule's items were read.
    for (let b = 0; b < bound + (implicit === null ? 0 : 1); b++) {
      const k = b < bound ? (this.bound[b] as number) : -1;
      const name = k < 0 ? (implicit as IptMatchModule).module : items.name(k);
      const wanted = moduleProtocols(name, this.how.family) as readonly number[];
      if (wanted.includes(number) && !negated) continue;
      const module = k < 0 ? (implicit as IptMatchModule) : (items.item(k) as IptMatchModule);
      if (!wanted.includes(number)) {
        // Each of these modules is named after its protocol, but for icmp6.
        const needs = name === "multiport" ? "-p tcp, udp, udplite, dccp or sctp" : `-p ${name === "icmp6" ? protocolName(wanted[0] as number) : name}`;
        this.report(source, module.column, "error", `-m ${name} needs ${needs}, found ${writtenProtocol(items, p)}: iptables-restore refuses the rule`);
      } else {
        // x_tables (iptables-legacy) refuses it; iptables-nft loads -m tcp/udp with options as its own expressions.
        const severity = (name === "tcp" || name === "udp") && module.options.length > 0 ? "warning" : "error";
        this.report(source, module.column, severity, `-m ${name} under ${writtenProtocol(items, p)}: ${severity === "error" ? "iptables-restore refuses the rule" : "an iptables-legacy node's kernel refuses the rule (iptables-nft may load it)"}`);
      }
    }
    if (number === 0 && natPorts(target)) {
      this.report(source, targetColumn(items), "error", `NAT to a port needs -p tcp, udp, sctp or dccp, found ${writtenProtocol(items, p)}: iptables-restore refuses the rule`);
    }
    if ((number !== 6 || negated) && rejectsWithReset(target, this.how.family)) {
      this.report(source, targetColumn(items), "error", `REJECT --reject-with tcp-reset needs -p tcp, found ${writtenProtocol(items, p)}: the kernel refuses the table (iptables-restore fails at COMMIT)`);
    }
  }

  /**
   * After lowering an item into matches [from, count): when it reported an error (more than
   * `errors`) and made no undecidable match for it itself, one is added (see unread). The new count.
   */
  private keepUnread(errors: number, from: number, count: number, written: string): number {
    if (this.itemErrors === errors) return count;
    for (let i = from; i < count; i++) if ((this.matches[i] as Match).type === "opaque") return count;
    this.matches[count] = unread(written);
    return count + 1;
  }

  private lowerRule(source: SourceLine, items: RuleItems, column: number, chain: string, seq: number): Rule {
    this.lowering(source);
    const memo = this.how.memo;
    const family = this.how.family;
    const matches = this.matches;
    let count = 0;
    let target: Target | null = null;
    let pending: IptTargetSpec | null = null;
    let protocol = -1;
    let bound = 0;
    let stray: IptExtOption[] | null = null;
    this.jumpTo = NO_JUMP;
    // Items are shared by their text only where the line was parsed from its text (not -L rows).
    const keyed = this.how.reparsable;
    for (let k = 0; k < items.count; k++) {
      const errors = this.itemErrors;
      const from = count;
      switch (items.typeOf(k)) {
        case "base": {
          const flag = items.name(k);
          const ms = memo.matchesOf(keyed ? memoKey(items, k, flag) : null, items, k, this.lowerBaseOption);
          if (ms.length > 1) this.lists.push({ at: count, source: flag === "-s" || flag.startsWith("--s"), options: ms });
          else for (const m of ms) matches[count++] = m;
          if (flag === "-p" || flag === "--protocol") protocol = k;
          count = this.keepUnread(errors, from, count, flag);
          break;
        }
        case "match": {
          const module = items.name(k);
          for (const m of memo.matchesOf(keyed ? memoKey(items, k, module) : null, items, k, this.lowerModule)) matches[count++] = m;
          if (moduleProtocols(module, family) !== null) this.bound[bound++] = k;
          count = this.keepUnread(errors, from, count, `-m ${module}`);
          break;
        }
        case "ext":
          (stray ??= []).push(items.item(k) as IptExtOption);
          break;
        case "target": {
          if (target !== null || pending !== null) this.report(source, items.item(k).column, "error", "a rule can have only one target");
          const name = items.name(k);
          const known = isKnownTarget(name);
          const entry = known ? undefined : this.entries.get(name);
          if (entry === undefined && !known && !items.isGoto(k)) {
            // A jump to a name not declared yet is judged at the end of the table.
            pending = items.item(k) as IptTargetSpec;
            target = null;
            this.jumpTo = JUMP_BY_NAME;
          } else {
            pending = null;
            if (entry !== undefined) {
              if (entry.chain.builtin) {
                const spec = items.item(k) as IptTargetSpec;
                this.lineContext.report(spec.column, "error", `${spec.flag} ${name}: a rule cannot jump to a built-in chain (iptables-restore refuses the table)`);
              }
              target = chainTarget(entry, items.isGoto(k));
              this.jumpTo = entry.number;
            } else {
              target = this.target(items, k, known, this.isChain, known && keyed ? memoKey(items, k, name) : null);
              this.jumpTo = target !== null && (target.type === "jump" || target.type === "goto") ? JUMP_BY_NAME : NO_JUMP;
            }
            // As for a condition (see unread): a target lowering found an error in (a jump to a
            // built-in chain too) is not taken as written, nor as absent; its effect is unknown, and
            // the evaluator explores each.
            if (this.itemErrors !== errors && target?.type !== "unknown") {
              target = unknownTarget(name, true);
              this.jumpTo = NO_JUMP;
            }
          }
          break;
        }
      }
    }
    let implicit: IptMatchModule | null = null;
    if (stray !== null) {
      const module = implicitModule(protocol < 0 ? null : (items.item(protocol) as IptBaseOption).values[0]?.text ?? null);
      const first = stray[0] as IptExtOption;
      if (module === null) {
        this.report(source, first.column, "error", `--${first.name} needs a match module: expected -m MODULE (or -p tcp/udp) before it`);
        matches[count++] = unread(`--${first.name}`);
      } else {
        const errors = this.itemErrors;
        const from = count;
        const made: IptMatchModule = { type: "match", flag: "-m", module, options: stray, column: first.column };
        for (const m of lowerMatchModule(made, this.lineContext)) matches[count++] = m;
        if (moduleProtocols(module, family) !== null) implicit = made;
        count = this.keepUnread(errors, from, count, `-m ${module}`);
      }
    }
    if (this.how.reparsable && (bound > 0 || implicit !== null || natPorts(target) || rejectsWithReset(target, family))) {
      // No -p is protocol 0, as `-p all` is; a protocol iptables does not know is reported with the -p.
      const parsed = protocol < 0 ? null : parseProtocol(items.onlyValue(protocol) ?? (items.item(protocol) as IptBaseOption).values[0]?.text ?? "");
      if (parsed === null || !("error" in parsed)) this.checkProtocol(source, items, protocol, parsed?.value ?? 0, bound, implicit, target);
    }
    const rule: Rule = {
      table: this.name,
      chain,
      position: 0,
      matches: count === 0 ? [] : matches.slice(0, count),
      target,
      origin: originOf(source, column),
    };
    if (!this.how.reparsable) keepRuleSpec(rule, { items: Array.from({ length: items.count }, (_, k) => items.item(k)) });
    if (this.lists.length === 0) {
      if (pending !== null) this.unresolved.push({ rule, spec: pending, at: source, seq });
      return rule;
    }
    const expanded = this.expand(rule);
    this.lists.length = 0;
    this.expanded = expanded;
    if (pending !== null) for (const r of expanded) this.unresolved.push({ rule: r, spec: pending, at: source, seq });
    return expanded[0] as Rule;
  }
}

/**
 * A condition lowering reported an error in. The kernel would not load the table at all; a trace
 * of it is hypothetical, but one that dropped the condition would match more than was written and
 * answer with confidence. Undecidable instead: the evaluator explores both answers.
 */
function unread(written: string): Match {
  return { type: "opaque", module: written, what: `${written} (not read: see the error on this line)` };
}

/** The column of a rule's target (for what its target needs of the rule). */
function targetColumn(items: RuleItems): number {
  for (let k = 0; k < items.count; k++) if (items.typeOf(k) === "target") return items.item(k).column;
  return 1;
}

/**
 * A jump (or goto) to a chain: one target object per chain and kind, shared by every rule that jumps
 * there, holding the declared name (one string per chain, so Map lookups by it compare pointers).
 */
function chainTarget(entry: ChainEntry, goto: boolean): Target {
  const chain = entry.chain.name;
  return goto ? (entry.goto ??= { type: "goto", chain }) : (entry.jump ??= { type: "jump", chain });
}

/** `-s A,B`: one match per address, each read as a lone -s would be (iptables takes no `!` with a list). */
function addressList(opt: IptBaseOption, v: IptValue, ctx: LowerContext): Match[] | null {
  if (opt.negation !== null) {
    ctx.report(opt.column, "error", `${opt.flag}: iptables takes no ! with several addresses`);
    return null;
  }
  const matches: Match[] = [];
  let column = v.column;
  for (const part of v.text.split(",")) {
    const one = lowerBase({ ...opt, values: [{ text: part, quoted: false, column }] }, ctx);
    column += part.length + 1;
    if (one === null || Array.isArray(one)) return null;
    matches.push(one);
  }
  return matches;
}

/** Rule item `p` as written (-1: none); built only for a message, as most rules' syntax is not (see RuleItems). */
function writtenProtocol(items: RuleItems, p: number): string {
  const protocol = p < 0 ? null : (items.item(p) as IptBaseOption);
  return protocol === null ? "no -p" : `${protocol.negation === null ? "" : "! "}${protocol.flag} ${protocol.values[0]?.text ?? ""}`;
}

function lowerBase(opt: IptBaseOption, ctx: LowerContext): Match | Match[] | null {
  const negated = opt.negation !== null;
  const flag = opt.flag;
  if (flag === "-c" || flag === "--set-counters") return null;
  if (flag === "-f" || flag === "--fragment") {
    if (ctx.family === 4) return { type: "fragment", negated };
    ctx.report(opt.column, ctx.restoreInput ? "error" : "warning", `${flag} is IPv4's: ip6tables refuses it (its own is -m frag)`);
    return null;
  }
  negationFits(opt, true, ctx);
  const v = opt.values[0];
  if (opt.values.length !== 1 || v === undefined) {
    ctx.report(opt.column, "error", `${flag} takes one value, found ${opt.values.length}`);
    return null;
  }
  switch (flag) {
    case "-s": case "--source": case "--src":
    case "-d": case "--destination": case "--dst": {
      if (v.text.includes(",")) return addressList(opt, v, ctx);
      const plain = ctx.family === 4 ? xtablesIPv4(v.text) : null;
      if (plain !== null) ctx.report(v.column, "warning", `${flag}: iptables reads "${v.text}" as ${plain}`);
      const p = parseFamilyPrefix(plain ?? v.text, ctx.family);
      if ("error" in p && hasNonContiguousMask(plain ?? v.text)) {
        // The kernel compares (address & mask) with it; a prefix cannot say that.
        ctx.report(v.column, "warning", `${flag} ${v.text}: its mask is not a prefix; podpath cannot evaluate this match and explores both answers`);
        return { type: "opaque", module: flag, what: `${negated ? "! " : ""}${flag} ${v.text}` };
      }
      if ("error" in p) { ctx.report(v.column, "error", `${flag}: ${p.error}`); return null; }
      return { type: flag.startsWith("-s") || flag.startsWith("--s") ? "source" : "destination", prefix: p.value, negated };
    }
    case "-i": case "--in-interface":
    case "-o": case "--out-interface": {
      // IFNAMSIZ is 16 with the terminating NUL; a trailing + counts.
      if (v.text.length >= 16) { ctx.report(v.column, "error", `${flag}: interface name "${v.text}" is longer than 15 characters: iptables refuses it`); return null; }
      const wildcard = v.text.endsWith("+");
      const pattern = { name: wildcard ? v.text.slice(0, -1) : v.text, wildcard };
      return { type: flag === "-i" || flag === "--in-interface" ? "in-interface" : "out-interface", pattern, negated };
    }
    default: {
      const p = parseProtocol(v.text);
      if ("error" in p) { ctx.report(v.column, "error", `${flag}: ${p.error}`); return null; }
      // `-p all` matches everything; kept only when negated (then nothing matches).
      if (p.value === 0 && !negated) return null;
      if (ctx.family === 6 && !negated && IPV6_EXTENSION_HEADERS.has(p.value)) {
        ctx.report(v.column, "warning", `${flag} ${v.text} never matches: the kernel compares the header after IPv6's extension headers (as ip6tables warns: use an extension match, e.g. -m frag)`);
      }
      return { type: "protocol", protocol: p.value, name: v.text, negated };
    }
  }
}
