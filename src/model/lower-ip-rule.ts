/** Lowers `ip rule` syntax to policy rules (IpRule), validating addresses, numbers and families. */
import type { Diagnostic } from "../diagnostics.js";
import type { IpRuleSyntax, RuleOptionSyntax, Token } from "../parse/ip-syntax.js";
import { isError, parsePrefix, type Family, type Prefix } from "./address.js";
import { familyName, familyOfText, parseDsfield, parseNumber, report, reportUnknownRuns } from "./lower-ip-common.js";
import type { Origin } from "./origin.js";
import { protocolNumber } from "./protocols.js";
import { normaliseTable, type IpRule, type Range, type RuleAction } from "./routing.js";

/** The table name `ip rule` prints for an l3mdev rule: the VRF device's table, chosen per packet. */
const L3MDEV_TABLE = "[l3mdev-table]";

type Draft = Omit<IpRule, "family" | "priority" | "action" | "origin"> & { action: RuleAction | null };

interface Context {
  origin: Origin;
  diagnostics: Diagnostic[];
  /** Set when a value is invalid: the rule is dropped, since its meaning is unknown. */
  broken: boolean;
}

type Handlers = { [K in RuleOptionSyntax["type"]]: (option: Extract<RuleOptionSyntax, { type: K }>, draft: Draft, ctx: Context) => void };

const HANDLERS: Handlers = {
  from: (o, d, ctx) => { d.from = selector(o.value, ctx); },
  to: (o, d, ctx) => { d.to = selector(o.value, ctx); },
  iif: (o, d) => { d.iif = o.name.text; d.iifDetached = o.detached; },
  oif: (o, d) => { d.oif = o.name.text; d.oifDetached = o.detached; },
  fwmark: (o, d, ctx) => {
    const value = number(o.value, ctx, "fwmark");
    // `fwmark V` without a mask compares all 32 bits.
    const mask = o.mask === null ? 0xffffffff : number(o.mask, ctx, "fwmark mask");
    if (value !== null && mask !== null) d.fwmark = { value, mask };
  },
  tos: (o, d, ctx) => {
    const tos = parseDsfield(o.value.text);
    if (tos === null) fail(ctx, o.value, `ip rule: ${o.keyword} "${o.value.text}" is not a number or a known DS field name`);
    d.tos = tos;
  },
  ipproto: (o, d, ctx) => {
    const proto = parseNumber(o.value.text, 255) ?? protocolNumber(o.value.text) ?? null;
    if (proto === null) fail(ctx, o.value, `ip rule: ipproto "${o.value.text}" is not a protocol number or a known protocol name`);
    d.ipproto = proto;
  },
  sport: (o, d, ctx) => { d.sport = range(o.lo, o.hi, 65535, "sport", ctx); },
  dport: (o, d, ctx) => { d.dport = range(o.lo, o.hi, 65535, "dport", ctx); },
  uidrange: (o, d, ctx) => { d.uidrange = range(o.lo, o.hi, 0xffffffff, "uidrange", ctx); },
  l3mdev: (_o, d) => { d.l3mdev = true; },
  protocol: (o, d) => { d.protocol = o.value.text; },
  suppress_prefixlength: (o, d, ctx) => { d.suppressPrefixlength = number(o.value, ctx, "suppress_prefixlength", 128); },
  suppress_ifgroup: (o, d) => { d.suppressIfgroup = o.value.text; },
  realms: (o, d) => { d.realms = o.value.text; },
  lookup: (o, d, ctx) => {
    if (o.table.text === L3MDEV_TABLE) d.l3mdev = true;
    setAction(d, { type: "lookup", table: o.table.text === L3MDEV_TABLE ? L3MDEV_TABLE : normaliseTable(o.table.text) }, o.column, ctx);
  },
  goto: (o, d, ctx) => {
    const priority = number(o.target, ctx, "goto");
    if (priority !== null) setAction(d, { type: "goto", priority }, o.column, ctx);
  },
  action: (o, d, ctx) => { setAction(d, { type: o.action }, o.column, ctx); },
  unknown: () => { /* reported in runs by lowerIpRule */ },
};

export function lowerIpRules(rules: IpRuleSyntax[]): { rules: IpRule[]; diagnostics: Diagnostic[] } {
  const out: IpRule[] = [];
  const diagnostics: Diagnostic[] = [];
  let previousPriority: number | null = null;
  for (const syntax of rules) {
    const rule = lowerIpRule(syntax, previousPriority, diagnostics);
    if (rule === null) continue;
    out.push(rule);
    previousPriority = rule.priority;
  }
  return { rules: out, diagnostics };
}

function lowerIpRule(syntax: IpRuleSyntax, previousPriority: number | null, diagnostics: Diagnostic[]): IpRule | null {
  const { origin } = syntax;
  const ctx: Context = { origin, diagnostics, broken: false };
  const family = ruleFamily(syntax, ctx);
  let priority: number;
  if (syntax.priority === null) {
    // Without a priority the listing order is all we have; same-priority rules keep their order.
    priority = previousPriority ?? 0;
    diagnostics.push(report(origin, origin.column, "warning", `ip rule: no priority; assuming ${priority}, from the rule's place in the listing`));
  } else {
    const value = number(syntax.priority, ctx, "priority");
    priority = value ?? 0;
  }
  const draft: Draft = {
    not: syntax.not, from: null, to: null, iif: null, iifDetached: false, oif: null, oifDetached: false,
    fwmark: null, tos: null, ipproto: null, sport: null, dport: null, uidrange: null, l3mdev: false,
    protocol: null, suppressPrefixlength: null, suppressIfgroup: null, realms: null, action: null,
  };
  for (const option of syntax.options) dispatch(option, draft, ctx);
  diagnostics.push(...reportUnknownRuns(syntax.options, (o) => (o.type === "unknown" ? o.word : null), origin, "ip rule"));
  if (draft.action === null && !ctx.broken) {
    fail(ctx, { text: "", column: origin.raw.trimEnd().length + 1 }, "ip rule: the rule has no action (lookup, goto, nop, blackhole, unreachable or prohibit)");
  }
  if (ctx.broken || family === null || draft.action === null) return null;
  return { family, priority, ...draft, action: draft.action, origin };
}

function dispatch<K extends RuleOptionSyntax["type"]>(option: Extract<RuleOptionSyntax, { type: K }>, draft: Draft, ctx: Context): void {
  (HANDLERS[option.type] as (o: typeof option, d: Draft, c: Context) => void)(option, draft, ctx);
}

/** The rule's family: the listing's, else its addresses', else IPv4 (`from all` alone is IPv4 unless listed by `ip -6 rule`). */
function ruleFamily(syntax: IpRuleSyntax, ctx: Context): Family | null {
  let family = syntax.family;
  let decidedBy: string = syntax.family === null ? "" : `an ${familyName(syntax.family)} rule listing`;
  for (const option of syntax.options) {
    if ((option.type !== "from" && option.type !== "to") || option.value.text === "all") continue;
    const f = familyOfText(option.value.text);
    if (f === null) continue; // reported by selector()
    if (family === null) {
      family = f;
      decidedBy = `"${option.type} ${option.value.text}"`;
    } else if (f !== family) {
      fail(ctx, option.value, `ip rule: address family mismatch: ${familyName(f)} "${option.value.text}" in ${decidedBy}`);
      return null;
    }
  }
  return family ?? 4;
}

function selector(value: Token, ctx: Context): Prefix | null {
  if (value.text === "all") return null;
  const prefix = parsePrefix(value.text);
  if (isError(prefix)) {
    fail(ctx, value, `ip rule: bad address or prefix: ${prefix.error}`);
    return null;
  }
  return prefix;
}

function number(token: Token, ctx: Context, what: string, max = 0xffffffff): number | null {
  const value = parseNumber(token.text, max);
  if (value === null) fail(ctx, token, `ip rule: ${what} "${token.text}" is not a number from 0 to ${max}`);
  return value;
}

function range(lo: Token, hi: Token | null, max: number, what: string, ctx: Context): Range | null {
  const low = number(lo, ctx, what, max);
  const high = hi === null ? low : number(hi, ctx, what, max);
  if (low === null || high === null) return null;
  if (low > high) {
    fail(ctx, lo, `ip rule: ${what} range ${low}-${high} is empty`);
    return null;
  }
  return { lo: low, hi: high };
}

function setAction(draft: Draft, action: RuleAction, column: number, ctx: Context): void {
  if (draft.action !== null) {
    ctx.diagnostics.push(report(ctx.origin, column, "warning", `ip rule: a second action; the kernel keeps one, podpath keeps the first`));
    return;
  }
  draft.action = action;
}

function fail(ctx: Context, at: Token, message: string): void {
  ctx.diagnostics.push(report(ctx.origin, at.column, "error", message));
  ctx.broken = true;
}
