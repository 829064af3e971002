/**
 * What the kernel checks when a table is loaded, over the lowered table: jumps that form a loop,
 * and extensions used where they do not work (DNAT outside nat's PREROUTING and OUTPUT, -m owner
 * on packets no local socket sent, …). iptables-restore fails at COMMIT for either.
 */
import type { Severity } from "../diagnostics.js";
import type { Chain, Match, Rule, Table, TableName, Target } from "./netfilter.js";
import type { Origin } from "./origin.js";

/** Where the checks report: at the rule's origin. */
export type CheckReport = (at: Origin, severity: Severity, message: string) => void;

/** Where a rule's jump goes, for `JumpGraph.addRule`: a chain number, or one of these. */
export const NO_JUMP = -2;
/** A jump or goto whose chain is known only at the table's end: read from the rule's target then. */
export const JUMP_BY_NAME = -1;

/** A rule using an extension that works only in some tables or hooks, and the chain (number) holding it. */
interface Restricted {
  chain: number;
  rule: Rule;
  allowed: Allowed;
}

/**
 * The jumps between a table's chains, gathered as its rules are placed (a second walk over the
 * rules of a big table cost more than both checks), then checked over chain numbers in typed arrays.
 */
export class JumpGraph {
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  private readonly rules: Rule[] = [];
  private readonly restricted: Restricted[] = [];

  /** The target of a rule placed earlier, known only at the table's end (a name neither a chain nor a target when read). */
  addResolvedTarget(chain: number, rule: Rule): void {
    const byTarget = targetAllowed(rule.target);
    if (byTarget !== null) this.restricted.push({ chain, rule, allowed: byTarget });
  }

  /** A rule placed in chain number `chain` (chains are numbered in the order of the table's map); `to`: the chain its jump goes to, JUMP_BY_NAME or NO_JUMP. */
  addRule(chain: number, rule: Rule, to: number): void {
    this.addResolvedTarget(chain, rule);
    const matches = rule.matches;
    for (let m = 0; m < matches.length; m++) {
      const allowed = matchAllowed(matches[m] as Match);
      if (allowed !== null) this.restricted.push({ chain, rule, allowed });
    }
    if (to === NO_JUMP) return;
    this.from.push(chain);
    this.to.push(to);
    this.rules.push(rule);
  }

  /**
   * Runs both checks on the finished table: `chains` by number, `numberOf` a chain's number by name
   * (for jumps resolved at the table's end).
   */
  check(table: Table, chains: Chain[], numberOf: (name: string) => number | undefined, report: CheckReport): void {
    const edges = this.edges(chains, numberOf);
    checkLoops(table, edges, report);
    checkHooks(table, edges, this.restricted, report);
  }

  /** The edges grouped by chain, each chain's in rule order (as the kernel walks them). */
  private edges(chains: Chain[], numberOf: (name: string) => number | undefined): Edges {
    const { from, rules } = this;
    const first = new Int32Array(chains.length + 1);
    for (let e = 0; e < from.length; e++) {
      const c = (from[e] as number) + 1;
      first[c] = (first[c] as number) + 1;
    }
    for (let c = 0; c < chains.length; c++) first[c + 1] = (first[c + 1] as number) + (first[c] as number);
    const fill = first.slice(0, chains.length);
    const to = new Int32Array(from.length);
    const byRule: Rule[] = new Array<Rule>(from.length);
    for (let e = 0; e < from.length; e++) {
      const rule = rules[e] as Rule;
      let target = this.to[e] as number;
      if (target === JUMP_BY_NAME) {
        const t = rule.target;
        target = t !== null && (t.type === "jump" || t.type === "goto") ? numberOf(t.chain) ?? NO_JUMP : NO_JUMP;
      }
      if (target === NO_JUMP) continue;
      const at = (fill[from[e] as number] as number);
      fill[from[e] as number] = at + 1;
      to[at] = target;
      byRule[at] = rule;
    }
    // Chains are filled as their rules come; -I rules, and rules placed at the table's end, come out of order.
    for (let c = 0; c < chains.length; c++) sortSegment(to, byRule, first[c] as number, fill[c] as number);
    return { chains, first, end: fill, to, byRule };
  }
}

/** Chain i's jumps are edges first[i] … end[i] - 1: the chain jumped to, and the rule jumping. */
interface Edges {
  chains: Chain[];
  first: Int32Array;
  end: Int32Array;
  to: Int32Array;
  byRule: Rule[];
}

/** Orders edges lo … hi - 1 by their rules' positions, when they are not in order already. */
function sortSegment(to: Int32Array, byRule: Rule[], lo: number, hi: number): void {
  let sorted = true;
  for (let e = lo + 1; e < hi && sorted; e++) sorted = (byRule[e - 1] as Rule).position <= (byRule[e] as Rule).position;
  if (sorted) return;
  const order = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((a, b) => (byRule[a] as Rule).position - (byRule[b] as Rule).position);
  const tos = order.map((e) => to[e] as number);
  const rules = order.map((e) => byRule[e] as Rule);
  for (let k = 0; k < order.length; k++) {
    to[lo + k] = tos[k] as number;
    byRule[lo + k] = rules[k] as Rule;
  }
}

/**
 * iptables-restore refuses rulesets whose jumps form a loop; report each loop once, at the closing
 * rule. Depth-first with an explicit stack: jump chains thousands deep must not overflow the call stack.
 */
function checkLoops(table: Table, { chains, first, end, to, byRule }: Edges, report: CheckReport): void {
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
      if (edge >= (end[chain] as number)) {
        state[chain] = DONE;
        depth--;
        continue;
      }
      next[depth] = edge + 1;
      const target = to[edge] as number;
      if (state[target] === ACTIVE) {
        const onPath = Array.from(path.subarray(0, depth + 1));
        const loop = [...onPath.slice(onPath.indexOf(target)), target].map((n) => (chains[n] as Chain).name).join(" → ");
        const rule = byRule[edge] as Rule;
        report(rule.origin, "error", `rule loop in table ${table.name}: ${loop} (iptables-restore rejects loops)`);
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
  /** iptables-nft does not check the table (it loads the rule in any). */
  nftAnyTable: boolean;
}

function allowed(what: string, table: readonly TableName[] | null, hooks: readonly Hook[] = HOOKS, nftBuiltinOnly = false, nftAnyTable = false): Allowed {
  return { what, table, hooks, mask: hooks.reduce((m, h) => m | (1 << HOOKS.indexOf(h)), 0), nftBuiltinOnly, nftAnyTable };
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
const NETMAP = allowed("NETMAP", ["nat"]);
const MANGLE_ONLY = new Map(["CHECKSUM", "DSCP", "TOS", "TTL", "HL"].map((name) => [name, allowed(name, ["mangle"])]));
const SECMARKS = new Map(["SECMARK", "CONNSECMARK"].map((name) => [name, allowed(name, ["mangle", "security"])]));
const CLASSIFY = allowed("CLASSIFY", null, ["FORWARD", "OUTPUT", "POSTROUTING"]);
const TRACE = allowed("TRACE", ["raw"], HOOKS, false, true);
const SYNPROXY = allowed("SYNPROXY", null, ["INPUT", "FORWARD"]);
const EUI64 = allowed("-m eui64", null, ["PREROUTING", "INPUT", "FORWARD"]);
const ARRIVAL = (what: string) => allowed(what, null, ["PREROUTING", "INPUT", "FORWARD"]);
const DEPARTURE = (what: string) => allowed(what, null, ["FORWARD", "OUTPUT", "POSTROUTING"]);
const SIDES: Readonly<Record<string, Record<"in" | "out", Allowed>>> = {
  mac: { in: ARRIVAL("-m mac"), out: DEPARTURE("-m mac") },
  devgroup: { in: ARRIVAL("-m devgroup --src-group"), out: DEPARTURE("-m devgroup --dst-group") },
  policy: { in: ARRIVAL("-m policy --dir in"), out: DEPARTURE("-m policy --dir out") },
};
const REALM = allowed("-m realm", null, ["INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
const TCPMSS = allowed("TCPMSS --clamp-mss-to-pmtu", null, ["FORWARD", "OUTPUT", "POSTROUTING"], true);
const OWNER = allowed("-m owner", null, ["OUTPUT", "POSTROUTING"]);
const SOCKET = allowed("-m socket", null, ["PREROUTING", "INPUT"]);
const RPFILTER = allowed("-m rpfilter", ["raw", "mangle"], ["PREROUTING"]);
const LIMIT_IFACE_IN = allowed("-m addrtype --limit-iface-in", null, ["PREROUTING", "INPUT", "FORWARD"], true);
const PHYSDEV_OUT = allowed("-m physdev --physdev-out (or --physdev-is-out) without --physdev-is-bridged", null, ["PREROUTING", "INPUT"], true);
const LIMIT_IFACE_OUT = allowed("-m addrtype --limit-iface-out", null, ["FORWARD", "OUTPUT", "POSTROUTING"], true);
/** The opaque modules bound to hooks, by name (and those bound to a side of the packet's way, by side). */
const OPAQUE_MODULES: ReadonlyMap<string, Allowed> = new Map([["owner", OWNER], ["socket", SOCKET], ["rpfilter", RPFILTER], ["eui64", EUI64], ["realm", REALM]]);

function targetAllowed(t: Target | null): Allowed | null {
  switch (t?.type) {
    case "dnat": return DNAT;
    case "redirect": return REDIRECT;
    case "snat": return SNAT;
    case "masquerade": return MASQUERADE;
    case "reject": return REJECT;
    case "notrack": return NOTRACK;
    case "tproxy": return TPROXY;
    case "netmap": return NETMAP;
    case "tcpmss": return t.clampToPmtu ? TCPMSS : null;
    case "continue": return t.name === "CT" ? CT : t.name === "CLASSIFY" ? CLASSIFY : t.name === "TRACE" ? TRACE : MANGLE_ONLY.get(t.name) ?? SECMARKS.get(t.name) ?? null;
    case "unknown": return t.name === "SYNPROXY" ? SYNPROXY : null;
    default: return null;
  }
}

function matchAllowed(m: Match): Allowed | null {
  if (m.type === "opaque") return m.side === undefined ? OPAQUE_MODULES.get(m.module) ?? null : SIDES[m.module]?.[m.side] ?? null;
  if (m.type === "physdev") return m.outUnbridged ? PHYSDEV_OUT : null;
  if (m.type === "addrtype") return m.limitIfaceIn ? LIMIT_IFACE_IN : m.limitIfaceOut ? LIMIT_IFACE_OUT : null;
  return null;
}

/**
 * The kernel checks each rule's extensions against its table, and against every hook its chain is
 * reached from (through jumps and gotos; a chain reached from none passes). Each extension that
 * fails is reported: an error where both iptables backends
 * refuse the table, a warning where only iptables-legacy does.
 */
function checkHooks(table: Table, { chains, first, end, to }: Edges, restricted: readonly Restricted[], report: CheckReport): void {
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
    for (let e = first[c] as number; e < (end[c] as number); e++) {
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
    const message = problem.nftLoads !== null
      ? `${problem.why}: on an iptables-legacy node the kernel refuses the table (iptables-nft loads it${problem.nftLoads})`
      : `${problem.why}: the kernel refuses the table (iptables-restore fails at COMMIT)`;
    report(rule.origin, problem.nftLoads !== null ? "warning" : "error", message);
  }
}

/**
 * Why `a` does not work in `table` for a rule reached from `hooks` (bits of HOOKS), or null.
 * `nftLoads`: null where both backends refuse it, else where iptables-nft loads it (" in a user chain", or "").
 */
function problemOf(a: Allowed, table: TableName, hooks: number, builtin: boolean): { why: string; nftLoads: string | null } | null {
  if (a.table !== null && !a.table.includes(table)) return { why: `${a.what} works only in table ${a.table.join(" or ")}, not ${table}`, nftLoads: a.nftAnyTable ? "" : null };
  if ((hooks & ~a.mask) === 0) return null;
  const outside = HOOKS.filter((_, bit) => (hooks & ~a.mask & (1 << bit)) !== 0);
  return { why: `${a.what} works only in ${a.hooks.join(", ")}, and this rule is reached from ${outside.join(", ")}`, nftLoads: a.nftBuiltinOnly && !builtin ? " in a user chain" : null };
}
