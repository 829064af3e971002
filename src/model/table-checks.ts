/**
 * What the kernel checks when a table is loaded, over the lowered table: jumps that form a loop,
 * and extensions used where they do not work (DNAT outside nat's PREROUTING and OUTPUT, -m owner
 * on packets no local socket sent, …). iptables-restore fails at COMMIT for either.
 */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { Chain, Match, Rule, Table, TableName, Target } from "./netfilter.js";

/** The jumps between a table's chains, over chain numbers in typed arrays (a big table has tens of thousands of chains). */
interface JumpGraph {
  chains: Chain[];
  /** Rules using an extension that works only in some tables or hooks, found on the same walk. */
  restricted: { chain: number; rule: Rule; allowed: Allowed }[];
  /** Chain i's jumps are edges first[i] … first[i + 1] - 1: the chain jumped to, and the rule's index. */
  first: Int32Array;
  to: Int32Array;
  byRule: Int32Array;
}

export function checkTable(table: Table, diagnostics: Diagnostic[]): void {
  const graph = jumpGraph(table);
  checkLoops(table, graph, diagnostics);
  checkHooks(table, graph, diagnostics);
}

/** Walks the rule objects once: that walk is the cost of both checks. */
function jumpGraph(table: Table): JumpGraph {
  const chains = [...table.chains.values()];
  const number = new Map<string, number>();
  let rules = 0;
  for (let i = 0; i < chains.length; i++) {
    const chain = chains[i] as Chain;
    number.set(chain.name, i);
    rules += chain.rules.length;
  }
  const first = new Int32Array(chains.length + 1);
  const to = new Int32Array(rules);
  const byRule = new Int32Array(rules);
  const restricted: JumpGraph["restricted"] = [];
  let edges = 0;
  for (let i = 0; i < chains.length; i++) {
    first[i] = edges;
    const list = (chains[i] as Chain).rules;
    for (let r = 0; r < list.length; r++) {
      const rule = list[r] as Rule;
      restrictionsOf(rule, i, restricted);
      const t = rule.target;
      if (t === null || (t.type !== "jump" && t.type !== "goto")) continue;
      const target = number.get(t.chain);
      if (target === undefined) continue;
      to[edges] = target;
      byRule[edges++] = r;
    }
  }
  first[chains.length] = edges;
  return { chains, restricted, first, to, byRule };
}

/**
 * iptables-restore refuses rulesets whose jumps form a loop; report each loop once, at the closing
 * rule. Depth-first with an explicit stack: jump chains thousands deep must not overflow the call stack.
 */
function checkLoops(table: Table, { chains, first, to, byRule }: JumpGraph, diagnostics: Diagnostic[]): void {
  const NEW = 0;
  const ACTIVE = 1;
  const DONE = 2;
  const state = new Uint8Array(chains.length);
  /** The path from the root (chain numbers), and the next edge of each chain on it. */
  const path = new Int32Array(chains.length);
  const next = new Int32Array(chains.length);
  for (let root = 0; root < chains.length; root++) {
    if (state[root] !== NEW) continue;
    let depth = 0;
    state[root] = ACTIVE;
    path[0] = root;
    next[0] = first[root] as number;
    while (depth >= 0) {
      const chain = path[depth] as number;
      const edge = next[depth] as number;
      if (edge >= (first[chain + 1] as number)) {
        state[chain] = DONE;
        depth--;
        continue;
      }
      next[depth] = edge + 1;
      const target = to[edge] as number;
      if (state[target] === ACTIVE) {
        const onPath = Array.from(path.subarray(0, depth + 1));
        const loop = [...onPath.slice(onPath.indexOf(target)), target].map((n) => (chains[n] as Chain).name).join(" → ");
        const rule = (chains[chain] as Chain).rules[byRule[edge] as number] as Rule;
        diagnostics.push(diagnostic(rule.origin, "error", `rule loop in table ${table.name}: ${loop} (iptables-restore rejects loops)`, rule.origin.raw));
      } else if (state[target] === NEW) {
        state[target] = ACTIVE;
        depth++;
        path[depth] = target;
        next[depth] = first[target] as number;
      }
    }
  }
}

const HOOKS = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] as const;
type Hook = (typeof HOOKS)[number];

/** Where an extension works: its table (null: any) and the hooks a rule using it may be reached from. */
interface Allowed {
  what: string;
  table: readonly TableName[] | null;
  hooks: readonly Hook[];
  /** `hooks` as bits of HOOKS. */
  mask: number;
  /** iptables-nft checks the hooks only in a built-in chain (in a user chain it loads the rule). */
  nftBuiltinOnly: boolean;
}

function allowed(what: string, table: readonly TableName[] | null, hooks: readonly Hook[] = HOOKS, nftBuiltinOnly = false): Allowed {
  return { what, table, hooks, mask: hooks.reduce((m, h) => m | (1 << HOOKS.indexOf(h)), 0), nftBuiltinOnly };
}
// As iptables 1.8.9 and the kernel took each, in every built-in chain of every table.
const DNAT = allowed("DNAT", ["nat"], ["PREROUTING", "OUTPUT"]);
const REDIRECT = allowed("REDIRECT", ["nat"], ["PREROUTING", "OUTPUT"]);
const SNAT = allowed("SNAT", ["nat"], ["INPUT", "POSTROUTING"]);
const MASQUERADE = allowed("MASQUERADE", ["nat"], ["POSTROUTING"]);
const REJECT = allowed("REJECT", ["filter"], ["INPUT", "FORWARD", "OUTPUT"]);
const NOTRACK = allowed("NOTRACK (or CT --notrack)", ["raw"]);
const CT = allowed("CT", ["raw"]);
const TPROXY = allowed("TPROXY", ["mangle"], ["PREROUTING"]);
const TCPMSS = allowed("TCPMSS", null, ["FORWARD", "OUTPUT", "POSTROUTING"], true);
const OWNER = allowed("-m owner", null, ["OUTPUT", "POSTROUTING"]);
const SOCKET = allowed("-m socket", null, ["PREROUTING", "INPUT"]);
const RPFILTER = allowed("-m rpfilter", ["raw", "mangle"], ["PREROUTING"]);
const LIMIT_IFACE_IN = allowed("-m addrtype --limit-iface-in", null, ["PREROUTING", "INPUT", "FORWARD"], true);
const LIMIT_IFACE_OUT = allowed("-m addrtype --limit-iface-out", null, ["FORWARD", "OUTPUT", "POSTROUTING"], true);

function targetAllowed(t: Target | null): Allowed | null {
  switch (t?.type) {
    case "dnat": return DNAT;
    case "redirect": return REDIRECT;
    case "snat": return SNAT;
    case "masquerade": return MASQUERADE;
    case "reject": return REJECT;
    case "notrack": return NOTRACK;
    case "tproxy": return TPROXY;
    case "continue": return t.name === "CT" ? CT : t.name === "TCPMSS" ? TCPMSS : null;
    default: return null;
  }
}

function matchAllowed(m: Match): Allowed | null {
  if (m.type === "opaque") return m.module === "owner" ? OWNER : m.module === "socket" ? SOCKET : m.module === "rpfilter" ? RPFILTER : null;
  if (m.type === "addrtype") return m.limitIfaceIn ? LIMIT_IFACE_IN : m.limitIfaceOut ? LIMIT_IFACE_OUT : null;
  return null;
}

/**
 * The kernel checks each rule's extensions against its table, and against every hook its chain is
 * reached from (through jumps and gotos; a chain reached from none passes). Each extension that
 * fails is reported: an error where both iptables backends
 * refuse the table, a warning where only iptables-legacy does.
 */
function checkHooks(table: Table, { chains, restricted, first, to }: JumpGraph, diagnostics: Diagnostic[]): void {
  if (restricted.length === 0) return;
  // The hooks each chain is reached from, as bits of HOOKS, spread along the jumps.
  const reached = new Uint8Array(chains.length);
  const work: number[] = [];
  for (let i = 0; i < chains.length; i++) {
    const chain = chains[i] as Chain;
    const hook = chain.builtin ? HOOKS.indexOf(chain.name as Hook) : -1;
    if (hook < 0) continue;
    reached[i] = 1 << hook;
    work.push(i);
  }
  while (work.length > 0) {
    const c = work.pop() as number;
    for (let e = first[c] as number; e < (first[c + 1] as number); e++) {
      const t = to[e] as number;
      const union = (reached[t] as number) | (reached[c] as number);
      if (union === reached[t]) continue;
      reached[t] = union;
      work.push(t);
    }
  }
  for (const { chain, rule, allowed } of restricted) {
    const builtin = (chains[chain] as Chain).builtin;
    const problem = problemOf(allowed, table.name, reached[chain] as number, builtin);
    if (problem === null) continue;
    const message = problem.legacyOnly
      ? `${problem.why}: on an iptables-legacy node the kernel refuses the table (iptables-nft loads it in a user chain)`
      : `${problem.why}: the kernel refuses the table (iptables-restore fails at COMMIT)`;
    diagnostics.push(diagnostic(rule.origin, problem.legacyOnly ? "warning" : "error", message, rule.origin.raw));
  }
}

/** Adds the extensions of `rule` (in chain number `chain`) that work only in some tables or hooks. */
function restrictionsOf(rule: Rule, chain: number, out: JumpGraph["restricted"]): void {
  const byTarget = targetAllowed(rule.target);
  if (byTarget !== null) out.push({ chain, rule, allowed: byTarget });
  const matches = rule.matches;
  for (let m = 0; m < matches.length; m++) {
    const allowed = matchAllowed(matches[m] as Match);
    if (allowed !== null) out.push({ chain, rule, allowed });
  }
}

/** Why `a` does not work in `table` for a rule reached from `hooks` (bits of HOOKS), or null. */
function problemOf(a: Allowed, table: TableName, hooks: number, builtin: boolean): { why: string; legacyOnly: boolean } | null {
  if (a.table !== null && !a.table.includes(table)) return { why: `${a.what} works only in table ${a.table.join(" or ")}, not ${table}`, legacyOnly: false };
  if ((hooks & ~a.mask) === 0) return null;
  const outside = HOOKS.filter((_, bit) => (hooks & ~a.mask & (1 << bit)) !== 0);
  return { why: `${a.what} works only in ${a.hooks.join(", ")}, and this rule is reached from ${outside.join(", ")}`, legacyOnly: a.nftBuiltinOnly && !builtin };
}
