/** Lowering of targets (`-j NAME --opt …`) to typed targets, one handler per target. */
import type { IptExtOption, IptTargetSpec } from "../parse/iptables-syntax.js";
import type { Family } from "./address.js";
import { familyTool, negationFits, optionNamed, valuesFit, type LowerContext } from "./iptables-matches.js";
import type { NatRange, Target, UnknownFlow } from "./netfilter.js";
import { parseFamilyAddress, parseFamilyPrefix, parseMarkMask, parseNatRange, parseNumber, parsePortRange } from "./iptables-values.js";
import type { Range } from "./routing.js";

type Options = Map<string, IptExtOption>;

function valueOf(opts: Options, name: string): string | null {
  return opts.get(name)?.values[0]?.text ?? null;
}

function markOf(opts: Options, name: string, ctx: LowerContext): { value: number; mask: number } | null {
  const text = valueOf(opts, name);
  if (text === null) return null;
  const m = parseMarkMask(text);
  if ("error" in m) { ctx.report(opts.get(name)?.column ?? 1, "error", `--${name}: ${m.error}`); return null; }
  return m.value;
}

function maskOf(opts: Options, name: string, ctx: LowerContext): number {
  const text = valueOf(opts, name);
  if (text === null) return 0xffffffff;
  const n = parseNumber(text);
  if ("error" in n) { ctx.report(opts.get(name)?.column ?? 1, "error", `--${name}: ${n.error}`); return 0xffffffff; }
  return n.value;
}

function portsOf(opts: Options, name: string, ctx: LowerContext): Range | null {
  const text = valueOf(opts, name);
  if (text === null) return null;
  const r = parsePortRange(text, "-");
  if ("error" in r) { ctx.report(opts.get(name)?.column ?? 1, "error", `--${name}: ${r.error}`); return null; }
  return r.value;
}

/** MARK/CONNMARK option forms, normalised to xset (new = (old & ~mask) ^ value), as the kernel stores them. */
function xsetOf(opts: Options, ctx: LowerContext): { value: number; mask: number } | null {
  const xset = markOf(opts, "set-xmark", ctx);
  if (xset) return xset;
  const set = markOf(opts, "set-mark", ctx);
  if (set) return { value: set.value, mask: (set.mask | set.value) >>> 0 };
  const and = markOf(opts, "and-mark", ctx);
  if (and) return { value: 0, mask: ~and.value >>> 0 };
  const or = markOf(opts, "or-mark", ctx);
  if (or) return { value: or.value, mask: or.value };
  const xor = markOf(opts, "xor-mark", ctx);
  if (xor) return { value: xor.value, mask: 0 };
  return null;
}

type TargetHandler = (opts: Options, ctx: LowerContext, spec: IptTargetSpec) => Target | null;

/** REJECT's reply types per family (libipt_REJECT, libip6t_REJECT): each name and its short alias. */
const REJECT_TYPES: Record<Family, readonly (readonly [string, string])[]> = {
  4: [
    ["icmp-net-unreachable", "net-unreach"], ["icmp-host-unreachable", "host-unreach"], ["icmp-proto-unreachable", "proto-unreach"],
    ["icmp-port-unreachable", "port-unreach"], ["icmp-net-prohibited", "net-prohib"], ["icmp-host-prohibited", "host-prohib"],
    ["tcp-reset", "tcp-rst"], ["icmp-admin-prohibited", "admin-prohib"],
  ],
  6: [
    ["icmp6-no-route", "no-route"], ["icmp6-adm-prohibited", "adm-prohibited"], ["icmp6-addr-unreachable", "addr-unreach"],
    ["icmp6-port-unreachable", "port-unreach"], ["icmp6-policy-fail", "policy-fail"], ["icmp6-reject-route", "reject-route"],
    ["tcp-reset", "tcp-reset"],
  ],
};

/** The reply type `--reject-with TEXT` names: as iptables reads it, the first whose name or alias starts with TEXT, in any case. */
function rejectType(text: string, family: Family): string | undefined {
  const written = text.toLowerCase();
  return REJECT_TYPES[family].find(([name, alias]) => name.startsWith(written) || alias.startsWith(written))?.[0];
}

function rejectWith(opts: Options, ctx: LowerContext): string | null {
  const text = valueOf(opts, "reject-with");
  if (text !== null && rejectType(text, ctx.family) === undefined) {
    const names = REJECT_TYPES[ctx.family].map(([name]) => name).join(", ");
    ctx.report(opts.get("reject-with")?.values[0]?.column ?? 1, "error", `--reject-with: ${familyTool(ctx.family)} has no reject type "${text}" (expected one of ${names})`);
  }
  return text;
}

/** REJECT answering with a TCP reset: the kernel takes it only under -p tcp. */
export function rejectsWithReset(target: Target | null, family: Family): boolean {
  return target?.type === "reject" && target.with !== null && rejectType(target.with, family) === "tcp-reset";
}

function natRange(opts: Options, name: string, ctx: LowerContext): NatRange | null {
  const text = valueOf(opts, name);
  if (text === null) { ctx.report(1, "error", `missing --${name}`); return null; }
  const r = parseNatRange(text, ctx.family);
  if ("error" in r) { ctx.report(opts.get(name)?.column ?? 1, "error", `--${name}: ${r.error}`); return null; }
  return r.value;
}

const CONTINUE = ["LOG", "NFLOG", "ULOG", "TRACE", "CHECKSUM", "CLASSIFY", "AUDIT", "DSCP", "TOS", "TTL", "HL",
  "SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "SET", "TEE", "RATEEST", "HMARK", "ECN"];

/** Options each target accepts; anything else is an error (iptables-restore would refuse the rule). */
const TARGETS = new Map<string, { options: string[]; lower: TargetHandler }>(Object.entries({
  ACCEPT: { options: [], lower: () => ({ type: "accept" }) },
  DROP: { options: [], lower: () => ({ type: "drop" }) },
  RETURN: { options: [], lower: () => ({ type: "return" }) },
  REJECT: { options: ["reject-with"], lower: (o, ctx) => ({ type: "reject", with: rejectWith(o, ctx) }) },
  SNAT: {
    options: ["to-source", "random", "random-fully", "persistent"],
    lower: (o, ctx) => { const to = natRange(o, "to-source", ctx); return to && { type: "snat", to, random: o.has("random"), randomFully: o.has("random-fully"), persistent: o.has("persistent") }; },
  },
  DNAT: {
    options: ["to-destination", "random", "persistent"],
    lower: (o, ctx) => { const to = natRange(o, "to-destination", ctx); return to && { type: "dnat", to, random: o.has("random"), persistent: o.has("persistent") }; },
  },
  MASQUERADE: { options: ["to-ports", "random", "random-fully"], lower: (o, ctx) => ({ type: "masquerade", ports: portsOf(o, "to-ports", ctx), random: o.has("random"), randomFully: o.has("random-fully") }) },
  REDIRECT: { options: ["to-ports", "random"], lower: (o, ctx) => ({ type: "redirect", ports: portsOf(o, "to-ports", ctx), random: o.has("random") }) },
  MARK: {
    options: ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"],
    lower: (o, ctx) => { const x = xsetOf(o, ctx); if (!x) ctx.report(1, "error", "MARK needs --set-xmark, --set-mark, --and-mark, --or-mark or --xor-mark"); return x && { type: "mark", ...x }; },
  },
  CONNMARK: {
    options: ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark", "save-mark", "restore-mark", "nfmask", "ctmask", "mask"],
    lower: (o, ctx) => {
      // --mask sets both masks (libxt_CONNMARK).
      const both = o.has("mask") ? maskOf(o, "mask", ctx) : null;
      const nfmask = both ?? maskOf(o, "nfmask", ctx);
      const ctmask = both ?? maskOf(o, "ctmask", ctx);
      if (o.has("save-mark")) return { type: "connmark-save", nfmask, ctmask };
      if (o.has("restore-mark")) return { type: "connmark-restore", nfmask, ctmask };
      const x = xsetOf(o, ctx);
      if (!x) ctx.report(1, "error", "CONNMARK needs --set-xmark, --save-mark or --restore-mark");
      return x && { type: "connmark-set", ...x };
    },
  },
  NOTRACK: { options: [], lower: () => ({ type: "notrack" }) },
  TCPMSS: {
    options: ["set-mss", "clamp-mss-to-pmtu"],
    lower: (o, ctx) => {
      // An iptables -L row shows neither as options (it prints "TCPMSS clamp to PMTU").
      if (ctx.restoreInput && o.has("set-mss") === o.has("clamp-mss-to-pmtu")) ctx.report(1, "error", "TCPMSS needs one of --set-mss and --clamp-mss-to-pmtu");
      return { type: "tcpmss", clampToPmtu: o.has("clamp-mss-to-pmtu") };
    },
  },
  NETMAP: {
    options: ["to"],
    lower: (o, ctx) => {
      const text = valueOf(o, "to");
      if (text === null) { ctx.report(1, "error", "NETMAP needs --to"); return null; }
      const to = parseFamilyPrefix(text, ctx.family);
      if ("error" in to) { ctx.report(o.get("to")?.values[0]?.column ?? 1, "error", `--to: ${to.error}`); return null; }
      return { type: "netmap", to: to.value };
    },
  },
  CT: {
    options: ["notrack", "helper", "ctevents", "expevents", "zone", "zone-orig", "zone-reply", "timeout"],
    lower: (o) => (o.has("notrack") ? { type: "notrack" } : { type: "continue", name: "CT" }),
  },
  TPROXY: {
    options: ["on-port", "on-ip", "tproxy-mark"],
    lower: (o, ctx) => {
      const ip = valueOf(o, "on-ip");
      const parsed = ip === null ? null : parseFamilyAddress(ip, ctx.family);
      if (parsed !== null && "error" in parsed) ctx.report(o.get("on-ip")?.values[0]?.column ?? 1, "error", `--on-ip: ${parsed.error}`);
      const m = markOf(o, "tproxy-mark", ctx);
      return { type: "tproxy", value: m?.value ?? 0, mask: m?.mask ?? 0 };
    },
  },
  ...Object.fromEntries(CONTINUE.map((name) => [name, { options: [], lower: () => ({ type: "continue", name }) as Target }])),
} satisfies Record<string, { options: string[]; lower: TargetHandler }>));

/** Real target extensions whose outcome is decided outside the kernel's tables. */
const UNMODELLED_TARGETS = new Set(["NFQUEUE", "QUEUE", "CLUSTERIP", "MIRROR", "IPMARK", "ROUTE", "DELUDE", "CHAOS", "TARPIT", "SYNPROXY"]);

/**
 * The queue targets end the packet's traversal of the table: the program reading the queue accepts
 * or drops it (with nothing reading, the kernel drops it, or accepts it under --queue-bypass).
 */
const QUEUE_FLOWS: readonly UnknownFlow[] = ["accept", "drop"];
const ANY_FLOW: readonly UnknownFlow[] = ["continue", "accept", "drop"];

/** A target of unknown effect (`refused`: iptables-restore refuses it; an error on its line says why). */
export function unknownTarget(name: string, refused: boolean): Target {
  if (refused) return { type: "unknown", name, why: "refused", may: ANY_FLOW };
  const queue = name === "NFQUEUE" || name === "QUEUE";
  return { type: "unknown", name, why: queue ? "queue" : "unmodelled", may: queue ? QUEUE_FLOWS : ANY_FLOW };
}

/** Target options that are flags: a value after one is a stray argument iptables refuses. */
const FLAGS = new Set(["random", "random-fully", "persistent", "save-mark", "restore-mark", "notrack", "clamp-mss-to-pmtu"]);

/** Targets whose options podpath does not check one by one (they change nothing it models). */
const FREE_OPTIONS = new Set(CONTINUE);

export function isKnownTarget(name: string): boolean {
  return TARGETS.has(name);
}

/** A NAT target that names ports (iptables takes them only under -p tcp, udp, sctp or dccp). */
export function natPorts(target: Target | null): boolean {
  if (target === null) return false;
  switch (target.type) {
    case "dnat": case "snat": return target.to.ports !== null;
    case "redirect": case "masquerade": return target.ports !== null;
    default: return false;
  }
}

/** syslog's levels as libxt_LOG names them (in lower case only), or 0 to 7. */
const LOG_LEVELS = new Set(["emerg", "panic", "alert", "crit", "error", "warning", "notice", "info", "debug", "0", "1", "2", "3", "4", "5", "6", "7"]);

/** The few options of FREE_OPTIONS targets whose values are checked, by `TARGET --option`. */
const FREE_OPTION_CHECKS: ReadonlyMap<string, (opt: IptExtOption, ctx: LowerContext) => void> = new Map([
  ["LOG --log-level", (opt, ctx) => {
    const text = opt.values[0]?.text;
    if (text !== undefined && !LOG_LEVELS.has(text)) ctx.report(opt.values[0]?.column ?? opt.column, "error", `--log-level: unknown level "${text}" (expected 0-7 or emerg, alert, crit, error, warning, notice, info, debug)`);
  }],
]);

/** Target extensions of one family: ip6tables has no TTL, iptables no HL. */
const FAMILY_TARGETS: ReadonlyMap<string, Family> = new Map([["TTL", 4], ["ECN", 4], ["ULOG", 4], ["CLUSTERIP", 4], ["HL", 6]]);
const OTHER_FAMILY_TARGET: ReadonlyMap<string, string> = new Map([["TTL", "HL"], ["HL", "TTL"]]);

/** Lowers `-j NAME …` / `-g NAME`; `isChain` says whether NAME is a chain of the rule's table. */
export function lowerTarget(spec: IptTargetSpec, ctx: LowerContext, isChain: (name: string) => boolean): Target | null {
  if (spec.kind === "goto") {
    if (isChain(spec.name)) return { type: "goto", chain: spec.name };
    ctx.report(spec.column, "error", `-g ${spec.name}: goto needs a chain of this table, and ${spec.name} is none (iptables-restore refuses the rule)`);
    return unknownTarget(spec.name, true);
  }
  const only = FAMILY_TARGETS.get(spec.name);
  if (only !== undefined && only !== ctx.family) {
    const instead = OTHER_FAMILY_TARGET.get(spec.name);
    const message = `target ${spec.name} is ${familyTool(only)}'s: ${familyTool(ctx.family)} has no such target${instead === undefined ? "" : ` (its own is ${instead})`}`;
    ctx.report(spec.column, ctx.restoreInput ? "error" : "warning", ctx.restoreInput ? `${message}: iptables-restore would refuse this rule` : message);
    return unknownTarget(spec.name, ctx.restoreInput);
  }
  const known = TARGETS.get(spec.name);
  if (known === undefined) {
    if (isChain(spec.name)) return { type: "jump", chain: spec.name };
    if (UNMODELLED_TARGETS.has(spec.name)) {
      ctx.report(spec.column, "warning", `target ${spec.name} hands the packet elsewhere (userspace, a cluster peer): podpath cannot tell what happens to it`);
      return unknownTarget(spec.name, false);
    }
    // iptables-restore refuses a jump it can resolve neither to a chain nor to a target extension.
    ctx.report(spec.column, "error", `jump to undefined chain "${spec.name}" (no chain of that name in this table, and no iptables target)`);
    return unknownTarget(spec.name, true);
  }
  const opts: Options = new Map();
  for (const written of spec.options) {
    // No target option takes a `!`.
    negationFits(written, false, ctx);
    if (FREE_OPTIONS.has(spec.name)) {
      opts.set(written.name, written);
      FREE_OPTION_CHECKS.get(`${spec.name} --${written.name}`)?.(written, ctx);
      continue;
    }
    const opt = optionNamed(written, known.options, ctx);
    if (opt === undefined) {
      ctx.report(written.column, "error", `${spec.name} has no option --${written.name}${known.options.length ? ` (expected one of ${known.options.map((o) => `--${o}`).join(", ")})` : ""}`);
      continue;
    }
    // A flag with a stray value is still the flag (the error is the stray value's).
    if (valuesFit(opt, FLAGS.has(opt.name) ? 0 : 1, ctx) || FLAGS.has(opt.name)) opts.set(opt.name, opt);
  }
  return known.lower(opts, ctx, spec);
}
