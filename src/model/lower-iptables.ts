/**
 * Lowers parsed iptables lines (save or -S format) into rulesets: one per address family, tables
 * with chains, policies and typed rules. Reports what iptables-restore would refuse, and what podpath
 * cannot evaluate, as diagnostics; every good rule is kept whatever happens around it.
 */
import { diagnostic, type Diagnostic, type Severity } from "../diagnostics.js";
import type { ParsedIptLine } from "../parse/iptables.js";
import type { IptBaseOption, IptExtOption, IptLine } from "../parse/iptables-syntax.js";
import type { Family } from "./address.js";
import { implicitModule, lowerMatchModule, type LowerContext } from "./iptables-matches.js";
import { lowerTarget } from "./iptables-targets.js";
import { parseFamilyPrefix, parseProtocol } from "./iptables-values.js";
import {
  BUILTIN_CHAINS, TABLES, type Chain, type Match, type Rule, type Ruleset, type Table, type TableName, type Target,
} from "./netfilter.js";
import type { Origin } from "./origin.js";

/** One pasted iptables listing: an `iptables-save` file, or one `iptables [-t T] -S` output. */
export interface IptablesListing {
  family: Family;
  /** The table named by a header (`iptables -t nat -S`), when there was one. */
  tableHint: TableName | null;
  lines: ParsedIptLine[];
  /** Each line's text parses back to its node (save and -S dumps, not -L rows): rules need not keep their syntax. */
  reparsable?: boolean;
}

type CommandLine = ParsedIptLine & { node: Extract<IptLine, { type: "command" }> };

interface Block {
  name: string;
  /** The line that opened it (`*nat`, or the first line of an -S listing). */
  opener: ParsedIptLine;
  decls: ParsedIptLine[];
  commands: CommandLine[];
  saveFormat: boolean;
  committed: boolean;
}

function originOf(line: ParsedIptLine, column = 1): Origin {
  return { file: line.source.file, line: line.source.line, column, raw: line.source.text };
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
  const report = (line: ParsedIptLine, column: number, severity: Severity, message: string) =>
    diagnostics.push(diagnostic({ file: line.source.file, line: line.source.line, column }, severity, message, line.source.text));

  for (const listing of listings) {
    const blocks = splitBlocks(listing, report);
    let ruleset = rulesets.get(listing.family);
    if (!ruleset) {
      ruleset = { family: listing.family, tables: new Map() };
      rulesets.set(listing.family, ruleset);
    }
    for (const block of blocks) {
      if (!isTableName(block.name)) {
        report(block.opener, 1, "error", `unknown table "${block.name}" (expected one of ${TABLES.join(", ")})`);
        continue;
      }
      if (ruleset.tables.has(block.name)) {
        report(block.opener, 1, "info", `table ${block.name} is listed again; podpath uses the first listing`);
        continue;
      }
      ruleset.tables.set(block.name, lowerTable(block.name, block, listing.family, listing.reparsable === true, report));
    }
  }
  for (const ruleset of rulesets.values()) {
    for (const table of ruleset.tables.values()) checkLoops(table, diagnostics);
  }
  return { rulesets: [...rulesets.values()], diagnostics };
}

type Reporter = (line: ParsedIptLine, column: number, severity: Severity, message: string) => void;

function splitBlocks(listing: IptablesListing, report: Reporter): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  let lastWasPolicy = false;
  const saveFormatListing = listing.lines.some((l) => l.node.type === "table");
  const close = (at: ParsedIptLine | null) => {
    if (current?.saveFormat && !current.committed) {
      report(at ?? current.opener, 1, "error", `missing COMMIT for table ${current.name}: iptables-restore would reject this table`);
    }
    current = null;
  };
  for (const line of listing.lines) {
    const node = line.node;
    switch (node.type) {
      case "comment":
      case "blank":
        break;
      case "table":
        close(line);
        current = { name: node.name, opener: line, decls: [], commands: [], saveFormat: true, committed: false };
        blocks.push(current);
        break;
      case "commit":
        if (current?.saveFormat && !current.committed) current.committed = true;
        else report(line, node.column, "error", "COMMIT without a table: expected a *table line before it");
        break;
      case "chain-decl":
        if (current?.saveFormat && !current.committed) current.decls.push(line);
        else report(line, node.column, "error", `chain declaration :${node.name} before any table: expected a *table line first`);
        break;
      case "command": {
        const cmd = line as CommandLine;
        const inSave = (current as Block | null)?.saveFormat === true;
        if (inSave && current?.committed) {
          report(line, node.column, "error", `rule after COMMIT of table ${current.name}: expected a *table line first`);
          break;
        }
        // In -S output each table's listing starts with its -P lines.
        const startsListing = !inSave && (current === null || (node.command === "P" && !lastWasPolicy));
        if (startsListing) {
          // In a save-format listing every rule belongs to a *table block, before or after it.
          if (saveFormatListing) {
            report(line, node.column, "error", "rule before any table: expected a *table line first");
            break;
          }
          current = { name: "", opener: line, decls: [], commands: [], saveFormat: false, committed: false };
          blocks.push(current);
        }
        current?.commands.push(cmd);
        lastWasPolicy = node.command === "P";
        continue;
      }
    }
    lastWasPolicy = false;
  }
  close(null);
  // Name the -S listings: a header says it, else the policies, else the targets.
  for (const block of blocks) {
    if (block.saveFormat) continue;
    const policies = block.commands.filter((c) => c.node.command === "P").map((c) => c.node.chain ?? "");
    const named = listing.tableHint ?? tableFromPolicies(policies);
    block.name = named ?? tableFromTargets(block.commands);
    if (named === null) {
      report(block.opener, 1, "info", `this listing does not say its table; podpath assumed "${block.name}" from its rules (paste iptables-save, or iptables -t TABLE -S with its command line, to be exact)`);
    }
  }
  return blocks;
}

function lowerTable(name: TableName, block: Block, family: Family, reparsable: boolean, report: Reporter): Table {
  const table: Table = { name, chains: new Map(), origin: originOf(block.opener) };
  for (const builtin of BUILTIN_CHAINS[name]) {
    table.chains.set(builtin, { name: builtin, builtin: true, policy: "ACCEPT", rules: [], origin: null });
  }
  const declare = (line: ParsedIptLine, chainName: string, policy: string | null, column: number) => {
    const builtin = BUILTIN_CHAINS[name].includes(chainName);
    const existing = table.chains.get(chainName);
    if (builtin) {
      const chain = existing as Chain;
      if (chain.origin !== null && policy === null) {
        report(line, column, "error", `chain ${chainName} is defined twice`);
      }
      if (policy === "ACCEPT" || policy === "DROP") chain.policy = policy;
      else if (policy !== null) report(line, column, "error", `built-in chain ${chainName} needs policy ACCEPT or DROP, found "${policy}"`);
      chain.origin ??= originOf(line, column);
      return;
    }
    if (existing) {
      report(line, column, "error", `chain ${chainName} is defined twice`);
      return;
    }
    if (policy !== null && policy !== "-") {
      report(line, column, "error", `${chainName} is not a built-in chain of table ${name}, so it cannot have policy ${policy}`);
    }
    table.chains.set(chainName, { name: chainName, builtin: false, policy: null, rules: [], origin: originOf(line, column) });
  };

  for (const line of block.decls) {
    if (line.node.type === "chain-decl") declare(line, line.node.name, line.node.policy, line.node.column);
  }
  for (const cmd of block.commands) {
    const node = cmd.node;
    if (node.chain === null) continue;
    if (node.command === "N") declare(cmd, node.chain, null, node.column);
    else if (node.command === "P") {
      if (!BUILTIN_CHAINS[name].includes(node.chain)) report(cmd, node.column, "error", `-P needs a built-in chain of table ${name}, found ${node.chain}`);
      else declare(cmd, node.chain, node.policy, node.column);
    }
  }
  for (const cmd of block.commands) {
    const node = cmd.node;
    if (node.command !== "A" && node.command !== "I") {
      if (node.command !== "N" && node.command !== "P") {
        report(cmd, node.column, "warning", `-${node.command} in a dump is ignored: podpath reads listings (-A, -N, -P), not edit commands`);
      }
      continue;
    }
    if (node.chain === null) continue;
    let chain = table.chains.get(node.chain);
    if (!chain) {
      report(cmd, node.column, "error", `-${node.command} to undeclared chain ${node.chain}: expected a ${block.saveFormat ? `:${node.chain} - [0:0]` : `-N ${node.chain}`} line before it`);
      chain = { name: node.chain, builtin: false, policy: null, rules: [], origin: null };
      table.chains.set(node.chain, chain);
    }
    const rule = lowerRule(cmd, table, chain.name, family, reparsable, report);
    if (node.command === "I") chain.rules.splice(Math.max(0, (node.number ?? 1) - 1), 0, rule);
    else chain.rules.push(rule);
  }
  for (const chain of table.chains.values()) {
    chain.rules.forEach((r, i) => (r.position = i + 1));
    // Drop the spare capacity push left (most chains of a big dump hold two or three rules).
    chain.rules = chain.rules.slice();
  }
  return table;
}

function lowerRule(cmd: CommandLine, table: Table, chain: string, family: Family, reparsable: boolean, report: Reporter): Rule {
  const ctx: LowerContext = { family, report: (column, severity, message) => report(cmd, column, severity, message) };
  const matches: Match[] = [];
  let target: Target | null = null;
  let protocol: string | null = null;
  const stray: IptExtOption[] = [];
  for (const item of cmd.node.spec.items) {
    switch (item.type) {
      case "base": {
        const m = lowerBase(item, ctx);
        if (m) matches.push(m);
        if (item.flag === "-p" || item.flag === "--protocol") protocol = item.values[0]?.text ?? null;
        break;
      }
      case "match":
        matches.push(...lowerMatchModule(item, ctx));
        break;
      case "ext":
        stray.push(item);
        break;
      case "target":
        if (target !== null) report(cmd, item.column, "error", "a rule can have only one target");
        target = lowerTarget(item, ctx, (n) => table.chains.has(n));
        break;
    }
  }
  if (stray.length > 0) {
    const module = implicitModule(protocol);
    const first = stray[0] as IptExtOption;
    if (module === null) report(cmd, first.column, "error", `--${first.name} needs a match module: expected -m MODULE (or -p tcp/udp) before it`);
    else matches.push(...lowerMatchModule({ type: "match", flag: "-m", module, options: stray, column: first.column }, ctx));
  }
  return {
    table: table.name,
    chain,
    position: 0,
    matches: matches.slice(),
    target,
    spec: reparsable ? null : cmd.node.spec,
    origin: originOf(cmd, cmd.node.column),
  };
}

function lowerBase(opt: IptBaseOption, ctx: LowerContext): Match | null {
  const negated = opt.negation !== null;
  const flag = opt.flag;
  if (flag === "-c" || flag === "--set-counters") return null;
  if (flag === "-f" || flag === "--fragment") return { type: "fragment", negated };
  const v = opt.values[0];
  if (opt.values.length !== 1 || v === undefined) {
    ctx.report(opt.column, "error", `${flag} takes one value, found ${opt.values.length}`);
    return null;
  }
  switch (flag) {
    case "-s": case "--source": case "--src":
    case "-d": case "--destination": case "--dst": {
      const p = parseFamilyPrefix(v.text, ctx.family);
      if ("error" in p) { ctx.report(v.column, "error", `${flag}: ${p.error}`); return null; }
      return { type: flag.startsWith("-s") || flag.startsWith("--s") ? "source" : "destination", prefix: p.value, negated };
    }
    case "-i": case "--in-interface":
    case "-o": case "--out-interface": {
      const wildcard = v.text.endsWith("+");
      const pattern = { name: wildcard ? v.text.slice(0, -1) : v.text, wildcard };
      return { type: flag === "-i" || flag === "--in-interface" ? "in-interface" : "out-interface", pattern, negated };
    }
    default: {
      const p = parseProtocol(v.text);
      if ("error" in p) { ctx.report(v.column, "error", `${flag}: ${p.error}`); return null; }
      // `-p all` matches everything; kept only when negated (then nothing matches).
      if (p.value === 0 && !negated) return null;
      return { type: "protocol", protocol: p.value, name: v.text, negated };
    }
  }
}

/** iptables-restore refuses rulesets whose jumps form a loop; report each loop once, at the closing rule. */
function checkLoops(table: Table, diagnostics: Diagnostic[]): void {
  // Depth-first with an explicit stack: jump chains thousands deep must not overflow the call stack.
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const stack: { chain: string; rules: readonly Rule[]; next: number }[] = [];
  const enter = (chain: string, rules: readonly Rule[]) => {
    state.set(chain, "active");
    path.push(chain);
    stack.push({ chain, rules, next: 0 });
  };
  for (const [root, chain] of table.chains) {
    if (state.has(root)) continue;
    enter(root, chain.rules);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as (typeof stack)[number];
      if (top.next >= top.rules.length) {
        stack.pop();
        path.pop();
        state.set(top.chain, "done");
        continue;
      }
      const rule = top.rules[top.next++] as Rule;
      const t = rule.target;
      if (t === null || (t.type !== "jump" && t.type !== "goto")) continue;
      const s = state.get(t.chain);
      if (s === "active") {
        const loop = [...path.slice(path.indexOf(t.chain)), t.chain].join(" → ");
        diagnostics.push(diagnostic(rule.origin, "error", `rule loop in table ${table.name}: ${loop} (iptables-restore rejects loops)`, rule.origin.raw));
      } else if (s === undefined) {
        const next = table.chains.get(t.chain);
        if (next) enter(t.chain, next.rules);
      }
    }
  }
}
