/**
 * Lowering of match modules (`-m NAME --opt …`) to typed matches, one handler per module. A module
 * whose meaning cannot be decided from a dump lowers to an `opaque` match; unknown modules too,
 * with a warning.
 */
import type { Family } from "./address.js";
import type { IptBaseOption, IptExtOption, IptMatchModule, IptValue } from "../parse/iptables-syntax.js";
import type { CtState, Match } from "./netfilter.js";
import {
  longOption, parseFamilyAddress, parseFamilyPrefix, parseIcmpType, parseLimitRate, parseMarkMask, parseNumber, parsePortRange,
  parseProtocol, type Parsed,
} from "./iptables-values.js";
import type { Range } from "./routing.js";

export interface LowerContext {
  family: Family;
  /**
   * The rules are written as iptables-restore reads them (save, -S): what it would refuse is an
   * error. `iptables -L` rows are podpath's own reading of a listing, checked only for what they say.
   */
  restoreInput: boolean;
  /** Reports a problem at a column of the current line. */
  report(column: number, severity: "error" | "warning" | "info", message: string): void;
}

type OptionHandler = (opt: IptExtOption, ctx: LowerContext, negated: boolean) => Match | Match[] | null;

interface ModuleSpec {
  /** Option name → handler; each returns the match it adds (or null after reporting a problem). */
  options: Record<string, OptionHandler>;
  /** Post-processing of the module's matches as a whole (e.g. addrtype's combined form). */
  finish?: (matches: Match[], module: IptMatchModule, ctx: LowerContext) => Match[];
}

/** The option's values when it has `count` of them (no copy: this runs for every comment and port). */
function value(opt: IptExtOption, ctx: LowerContext, count = 1): readonly IptValue[] | null {
  if (opt.values.length !== count) {
    ctx.report(opt.column, "error", `--${opt.name} takes ${count} value${count === 1 ? "" : "s"}, found ${opt.values.length}`);
    return null;
  }
  return opt.values;
}

function checked<T>(parsed: Parsed<T>, opt: IptExtOption, ctx: LowerContext): T | null {
  if ("error" in parsed) {
    ctx.report(opt.values[0]?.column ?? opt.column, "error", `--${opt.name}: ${parsed.error}`);
    return null;
  }
  return parsed.value;
}

function single<T>(opt: IptExtOption, ctx: LowerContext, parse: (s: string) => Parsed<T>): T | null {
  const v = value(opt, ctx);
  return v === null ? null : checked(parse(v[0]?.text ?? ""), opt, ctx);
}

/** `udp`: libxt_udp, unlike libxt_tcp, loads a backwards range (it matches no port). */
const port = (which: "src" | "dst", udp = false): OptionHandler => (opt, ctx, negated) => {
  const range = single(opt, ctx, (s) => parsePortRange(s, ":", udp));
  if (range !== null && range.lo > range.hi) ctx.report(opt.values[0]?.column ?? opt.column, "warning", `--${opt.name}: port range ${range.lo}:${range.hi} is backwards: it matches no port`);
  return range && { type: "port", which, range, negated };
};

const noOp: OptionHandler = () => null;

const opaque = (module: string, what: (o: IptExtOption) => string): OptionHandler =>
  (opt) => ({ type: "opaque", module, what: what(opt) });

function opaqueModule(module: string, names: string[], what: (o: IptExtOption) => string): ModuleSpec {
  return { options: Object.fromEntries(names.map((n) => [n, opaque(module, what)])) };
}

/**
 * States in the order libxt_conntrack tries them: it takes any prefix, in any case (`E` is
 * ESTABLISHED), so a list cut short still loads. `-m state` knows no SNAT or DNAT.
 */
const CT_STATES: readonly CtState[] = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"];
const STATES: readonly CtState[] = CT_STATES.filter((s) => s !== "SNAT" && s !== "DNAT");

const ctstate = (known: readonly CtState[]): OptionHandler => (opt, ctx, negated) => {
  const v = value(opt, ctx);
  if (v === null) return null;
  const column = opt.values[0]?.column ?? opt.column;
  const states: CtState[] = [];
  for (const s of (v[0]?.text ?? "").split(",")) {
    const state = s === "" ? undefined : known.find((k) => k.startsWith(s.toUpperCase()));
    if (state === undefined) {
      ctx.report(column, "error", `--${opt.name}: unknown state "${s}" (expected ${known.join(", ")})`);
      continue;
    }
    if (state !== s) ctx.report(column, "warning", `--${opt.name}: iptables reads "${s}" as ${state}`);
    states.push(state);
  }
  return { type: "ctstate", states, negated };
};

const mark = (type: "mark" | "connmark"): OptionHandler => (opt, ctx, negated) => {
  const m = single(opt, ctx, parseMarkMask);
  return m && { type, value: m.value, mask: m.mask, negated };
};

/** The kernel's route types, as libxt_addrtype names them. */
const ADDRESS_TYPES = new Set(["UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"]);
/** The ones the kernel's addrtype match takes in IPv6. */
const IPV6_ADDRESS_TYPES = new Set(["UNSPEC", "UNICAST", "LOCAL", "ANYCAST", "MULTICAST", "UNREACHABLE"]);

const addrtypeSide = (side: "src" | "dst"): OptionHandler => (opt, ctx, negated) => {
  const v = value(opt, ctx);
  if (v === null) return null;
  const written = (v[0]?.text ?? "").split(",");
  const types = written.map((t) => t.toUpperCase());
  const bad = written.find((t) => !ADDRESS_TYPES.has(t.toUpperCase()));
  if (bad !== undefined) {
    ctx.report(v[0]?.column ?? opt.column, "error", `--${opt.name}: unknown address type "${bad}" (expected ${[...ADDRESS_TYPES].join(", ")})`);
    return null;
  }
  const notInIpv6 = ctx.family === 6 ? types.find((t) => !IPV6_ADDRESS_TYPES.has(t)) : undefined;
  if (notInIpv6 !== undefined) {
    ctx.report(v[0]?.column ?? opt.column, "error", `--${opt.name}: the kernel matches no ${notInIpv6} addresses in IPv6 (only ${[...IPV6_ADDRESS_TYPES].join(", ")}): it refuses the table (iptables-restore fails at COMMIT)`);
    return null;
  }
  return {
    type: "addrtype",
    src: side === "src" ? { types, negated } : null,
    dst: side === "dst" ? { types, negated } : null,
    limitIfaceIn: false,
    limitIfaceOut: false,
  };
};

/** libxt_pkttype's names, in any case; `host` is unicast. */
const PKT_TYPES: ReadonlyMap<string, "unicast" | "broadcast" | "multicast" | "otherhost"> = new Map([
  ["unicast", "unicast"], ["host", "unicast"], ["broadcast", "broadcast"], ["multicast", "multicast"], ["otherhost", "otherhost"],
]);

const MODULES: Record<string, ModuleSpec> = {
  // Checked, but no match: it decides nothing (ruleComment reads the text from the rule's syntax).
  comment: { options: { comment: (opt, ctx) => (value(opt, ctx), null) } },
  tcp: {
    options: {
      sport: port("src"), "source-port": port("src"), dport: port("dst"), "destination-port": port("dst"),
      "tcp-flags": (opt, ctx, negated) => {
        const v = value(opt, ctx, 2);
        return v && { type: "tcpflags", mask: (v[0]?.text ?? "").split(","), comp: (v[1]?.text ?? "").split(","), negated };
      },
      syn: (_o, _c, negated) => ({ type: "tcpflags", mask: ["SYN", "RST", "ACK", "FIN"], comp: ["SYN"], negated }),
      "tcp-option": opaque("tcp", (o) => `TCP option ${o.values[0]?.text ?? ""} present`),
    },
  },
  udp: { options: { sport: port("src", true), "source-port": port("src", true), dport: port("dst", true), "destination-port": port("dst", true) } },
  sctp: { options: { sport: port("src"), "source-port": port("src"), dport: port("dst"), "destination-port": port("dst"), "chunk-types": (opt, ctx) => (value(opt, ctx, 2) === null ? null : { type: "opaque", module: "sctp", what: "SCTP chunk types" }) } },
  icmp: {
    options: {
      "icmp-type": (opt, ctx, negated) => {
        const t = single(opt, ctx, (s) => parseIcmpType(s, 4));
        return t && { type: "icmp", icmpType: t.icmpType, code: t.code, family: 4, negated };
      },
    },
  },
  icmp6: {
    options: {
      "icmpv6-type": (opt, ctx, negated) => {
        const t = single(opt, ctx, (s) => parseIcmpType(s, 6));
        return t && { type: "icmp", icmpType: t.icmpType, code: t.code, family: 6, negated };
      },
    },
  },
  multiport: {
    options: Object.fromEntries(
      ([["sports", "src"], ["source-ports", "src"], ["dports", "dst"], ["destination-ports", "dst"], ["ports", "any"]] as const).map(
        ([name, which]) => [name, ((opt, ctx, negated) => {
          const v = value(opt, ctx);
          if (v === null) return null;
          const ranges: Range[] = [];
          const parts = (v[0]?.text ?? "").split(",");
          for (const part of parts) {
            const r = checked(parsePortRange(part), opt, ctx);
            if (r) ranges.push(r);
          }
          // The kernel's list holds 15 ports; a range takes two.
          const slots = parts.reduce((n, part) => n + (part.includes(":") ? 2 : 1), 0);
          if (slots > 15) ctx.report(v[0]?.column ?? opt.column, "error", `--${opt.name}: too many ports (${slots} of 15 places, a range taking two): iptables refuses it`);
          return { type: "multiport", which, ranges, negated };
        }) satisfies OptionHandler],
      ),
    ),
  },
  addrtype: {
    options: {
      "src-type": addrtypeSide("src"),
      "dst-type": addrtypeSide("dst"),
      "limit-iface-in": () => ({ type: "addrtype", src: null, dst: null, limitIfaceIn: true, limitIfaceOut: false }),
      "limit-iface-out": () => ({ type: "addrtype", src: null, dst: null, limitIfaceIn: false, limitIfaceOut: true }),
    },
    // One addrtype match with all its options, as the kernel evaluates it.
    finish: (matches) => {
      const merged: Match = { type: "addrtype", src: null, dst: null, limitIfaceIn: false, limitIfaceOut: false };
      for (const m of matches) {
        if (m.type !== "addrtype") continue;
        merged.src = m.src ?? merged.src;
        merged.dst = m.dst ?? merged.dst;
        merged.limitIfaceIn ||= m.limitIfaceIn;
        merged.limitIfaceOut ||= m.limitIfaceOut;
      }
      return [merged];
    },
  },
  mark: { options: { mark: mark("mark") } },
  connmark: { options: { mark: mark("connmark") } },
  state: { options: { state: ctstate(STATES) } },
  conntrack: {
    options: {
      ctstate: ctstate(CT_STATES),
      ctorigsrc: (opt, ctx, negated) => { const p = single(opt, ctx, (s) => parseFamilyPrefix(s, ctx.family)); return p && { type: "ctorig", which: "src", prefix: p, negated }; },
      ctorigdst: (opt, ctx, negated) => { const p = single(opt, ctx, (s) => parseFamilyPrefix(s, ctx.family)); return p && { type: "ctorig", which: "dst", prefix: p, negated }; },
      ctorigsrcport: (opt, ctx, negated) => { const r = single(opt, ctx, (s) => parsePortRange(s)); return r && { type: "ctorigport", which: "src", range: r, negated }; },
      ctorigdstport: (opt, ctx, negated) => { const r = single(opt, ctx, (s) => parsePortRange(s)); return r && { type: "ctorigport", which: "dst", range: r, negated }; },
      ctdir: (opt, ctx) => { const v = value(opt, ctx); return v && { type: "ctdir", dir: v[0]?.text === "REPLY" ? "REPLY" : "ORIGINAL" }; },
      ctproto: (opt, ctx, negated) => { const p = single(opt, ctx, parseProtocol); return p === null ? null : { type: "protocol", protocol: p, name: opt.values[0]?.text ?? "", negated }; },
      ctstatus: opaque("conntrack", (o) => `conntrack status ${o.values[0]?.text ?? ""}`),
      ctreplsrc: opaque("conntrack", (o) => `reply source ${o.values[0]?.text ?? ""}`),
      ctrepldst: opaque("conntrack", (o) => `reply destination ${o.values[0]?.text ?? ""}`),
      ctreplsrcport: opaque("conntrack", (o) => `reply source port ${o.values[0]?.text ?? ""}`),
      ctrepldstport: opaque("conntrack", (o) => `reply destination port ${o.values[0]?.text ?? ""}`),
      ctexpire: opaque("conntrack", (o) => `conntrack expiry ${o.values[0]?.text ?? ""}`),
    },
  },
  statistic: {
    options: {
      mode: (opt, ctx) => {
        const mode = opt.values[0]?.text ?? "";
        if (!STATISTIC_MODES.has(mode)) ctx.report(opt.values[0]?.column ?? opt.column, "error", `--mode: unknown mode "${mode}" (expected random or nth)`);
        return null;
      },
      probability: (opt, ctx, negated) => {
        const v = value(opt, ctx);
        const p = v === null ? NaN : Number(v[0]?.text);
        if (!(p >= 0 && p <= 1)) { ctx.report(opt.column, "error", `--probability must be between 0 and 1`); return null; }
        return { type: "random", probability: p, negated };
      },
      every: opaque("statistic", (o) => `nth packet (every ${o.values[0]?.text ?? ""})`),
      packet: noOp,
    },
  },
  iprange: {
    options: Object.fromEntries((["src", "dst"] as const).map((which) => [`${which}-range`, ((opt, ctx, negated) => {
      const v = value(opt, ctx);
      if (v === null) return null;
      const [loText, hiText] = (v[0]?.text ?? "").split("-", 2);
      const lo = checked(parseFamilyAddress(loText ?? "", ctx.family), opt, ctx);
      const hi = checked(parseFamilyAddress(hiText ?? loText ?? "", ctx.family), opt, ctx);
      return lo && hi && { type: "iprange", which, lo, hi, negated };
    }) satisfies OptionHandler])),
  },
  pkttype: {
    options: {
      "pkt-type": (opt, ctx, negated) => {
        const v = value(opt, ctx);
        if (v === null) return null;
        const pktType = PKT_TYPES.get((v[0]?.text ?? "").toLowerCase());
        if (pktType === undefined) { ctx.report(opt.column, "error", `--pkt-type expects unicast (or host), broadcast, multicast or otherhost`); return null; }
        return { type: "pkttype", pktType, negated };
      },
    },
  },
  length: { options: { length: (opt, ctx, negated) => { const r = single(opt, ctx, (s) => parseRange(s)); return r && { type: "length", range: r, negated }; } } },
  physdev: {
    options: Object.fromEntries(["physdev-in", "physdev-out", "physdev-is-in", "physdev-is-out", "physdev-is-bridged"].map((n) => [n, ((_o, _c, negated) => ({ type: "physdev", matchesUnbridged: negated, outUnbridged: false })) satisfies OptionHandler])),
    // xt_physdev on an unbridged packet: true only when every option used is negated.
    finish: (matches, module) => {
      const used = (name: string) => module.options.find((o) => o.name === name);
      const bridged = used("physdev-is-bridged");
      return [{
        type: "physdev",
        matchesUnbridged: matches.every((m) => m.type === "physdev" && m.matchesUnbridged),
        outUnbridged: (used("physdev-out") !== undefined || used("physdev-is-out") !== undefined) && (bridged === undefined || bridged.negation !== null),
      }];
    },
  },
  nfacct: { options: { "nfacct-name": noOp } },
  set: opaqueModule("set", ["match-set", "return-nomatch", "update-counters", "update-subcounters", "packets-eq", "packets-lt", "packets-gt", "bytes-eq", "bytes-lt", "bytes-gt"],
    (o) => `ipset ${o.values.map((v) => v.text).join(" ")} membership`),
  mac: {
    options: {
      "mac-source": (opt, ctx) => {
        const v = value(opt, ctx);
        if (v === null) return null;
        const text = v[0]?.text ?? "";
        if (!/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/.test(text)) { ctx.report(v[0]?.column ?? opt.column, "error", `--mac-source: "${text}" is not a MAC address (six pairs of hex digits joined by ":")`); return null; }
        return { type: "opaque", module: "mac", what: `source MAC ${text}`, side: "in" };
      },
    },
  },
  limit: {
    options: {
      limit: (opt, ctx) => {
        const rate = single(opt, ctx, parseLimitRate);
        return rate === null ? null : { type: "opaque", module: "limit", what: "rate limit not exceeded" };
      },
      "limit-burst": opaque("limit", () => "rate limit not exceeded"),
    },
  },
  hashlimit: opaqueModule("hashlimit", ["hashlimit", "hashlimit-upto", "hashlimit-above", "hashlimit-burst", "hashlimit-mode", "hashlimit-name", "hashlimit-srcmask", "hashlimit-dstmask", "hashlimit-htable-size", "hashlimit-htable-max", "hashlimit-htable-expire", "hashlimit-htable-gcinterval"], () => "hashlimit rate not exceeded"),
  owner: opaqueModule("owner", ["uid-owner", "gid-owner", "socket-exists", "suppl-groups"], (o) => `socket owner ${o.name} ${o.values[0]?.text ?? ""}`),
  socket: opaqueModule("socket", ["transparent", "nowildcard", "restore-skmark"], () => "a local socket exists"),
  rpfilter: opaqueModule("rpfilter", ["loose", "validmark", "accept-local", "invert"], () => "reverse-path check passes"),
  recent: opaqueModule("recent", ["name", "set", "rcheck", "update", "remove", "seconds", "reap", "hitcount", "rttl", "rsource", "rdest", "mask"], (o) => `recent list ${o.name}`),
  string: opaqueModule("string", ["algo", "from", "to", "string", "hex-string", "icase"], () => "payload contains the string"),
  u32: opaqueModule("u32", ["u32"], () => "u32 payload test"),
  devgroup: {
    options: {
      "src-group": (o) => ({ type: "opaque", module: "devgroup", what: `arrival interface group ${o.values[0]?.text ?? ""}`, side: "in" }),
      "dst-group": (o) => ({ type: "opaque", module: "devgroup", what: `departure interface group ${o.values[0]?.text ?? ""}`, side: "out" }),
    },
  },
  cgroup: opaqueModule("cgroup", ["path", "cgroup"], (o) => `socket cgroup ${o.values[0]?.text ?? ""}`),
  connlimit: opaqueModule("connlimit", ["connlimit-upto", "connlimit-above", "connlimit-mask", "connlimit-saddr", "connlimit-daddr"], () => "connection count limit"),
  connbytes: opaqueModule("connbytes", ["connbytes", "connbytes-dir", "connbytes-mode"], () => "connection byte count"),
  helper: opaqueModule("helper", ["helper"], (o) => `conntrack helper ${o.values[0]?.text ?? ""}`),
  dscp: opaqueModule("dscp", ["dscp", "dscp-class"], () => "DSCP value"),
  tos: opaqueModule("tos", ["tos"], () => "TOS value"),
  ttl: opaqueModule("ttl", ["ttl-eq", "ttl-gt", "ttl-lt"], () => "TTL value"),
  hl: opaqueModule("hl", ["hl-eq", "hl-gt", "hl-lt"], () => "hop limit"),
  policy: {
    options: {
      ...opaqueModule("policy", ["pol", "strict", "reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst", "next"], () => "IPsec policy").options,
      // The policy the packet was decoded with (in), or will be encoded with (out).
      dir: (o) => ({ type: "opaque", module: "policy", what: "IPsec policy", side: (o.values[0]?.text ?? "") === "out" ? "out" : "in" }),
    },
  },
  bpf: opaqueModule("bpf", ["bytecode", "object-pinned"], () => "BPF program result"),
};

function parseRange(text: string): Parsed<Range> {
  const [a, b] = text.split(":", 2);
  const lo = parseNumber(a === "" ? "0" : a ?? "", 65535);
  if ("error" in lo) return lo;
  const hi = b === undefined ? lo : parseNumber(b === "" ? "65535" : b, 65535);
  if ("error" in hi) return hi;
  return { value: { lo: lo.value, hi: hi.value } };
}

/** MODULES for lookup by names read from a dump (a Map: `-m constructor` must not find Object's). */
const MODULE_INDEX = new Map(Object.entries(MODULES).map(([name, spec]) => [name, { ...spec, byName: new Map(Object.entries(spec.options)), names: Object.keys(spec.options) }]));

export const KNOWN_MODULES: readonly string[] = [...MODULE_INDEX.keys()];

/** Match extensions iptables has (iptables-extensions(8)) that podpath does not decode: opaque, with a warning. */
const UNDECODED_MODULES = new Set([
  "ah", "dst", "eui64", "frag", "hbh", "ipv6header", "mh", "rt", "srh", "realm", "cluster", "connlabel", "cpu", "dccp",
  "ecn", "esp", "ipcomp", "ipvs", "mac", "nfacct", "osf", "quota", "rateest", "tcpmss", "time", "set",
]);

/**
 * Options a module cannot do without: iptables-restore refuses `-m comment` with no `--comment`.
 * Each group needs one of its options; `*` any option at all. (Maps, here and below: `-m
 * constructor` must not find Object's.)
 */
const REQUIRED = new Map<string, readonly (readonly string[])[]>(Object.entries({
  comment: [["comment"]], mark: [["mark"]], connmark: [["mark"]], length: [["length"]], pkttype: [["pkt-type"]],
  helper: [["helper"]], state: [["state"]], icmp: [["icmp-type"]], icmp6: [["icmpv6-type"]], tos: [["tos"]],
  quota: [["quota"]], mac: [["mac-source"]], u32: [["u32"]], connbytes: [["connbytes"], ["connbytes-dir"], ["connbytes-mode"]], cpu: [["cpu"]],
  tcpmss: [["mss"]], nfacct: [["nfacct-name"]], osf: [["genre"]], realm: [["realm"]], connlabel: [["label"]],
  statistic: [["mode"]], multiport: [["sports", "dports", "ports", "source-ports", "destination-ports"]],
  iprange: [["src-range", "dst-range"]], addrtype: [["src-type", "dst-type"]], conntrack: [["*"]], physdev: [["*"]],
  ecn: [["*"]], set: [["match-set"]], owner: [["uid-owner", "gid-owner", "socket-exists"]],
  recent: [["set", "rcheck", "update", "remove"]], string: [["string", "hex-string"], ["algo"]],
  hashlimit: [["hashlimit", "hashlimit-upto", "hashlimit-above"], ["hashlimit-name"]], devgroup: [["src-group", "dst-group"]],
  connlimit: [["connlimit-above", "connlimit-upto"]], dscp: [["dscp", "dscp-class"]], ttl: [["ttl-eq", "ttl-lt", "ttl-gt"]],
  hl: [["hl-eq", "hl-lt", "hl-gt"]], policy: [["dir"]], bpf: [["bytecode", "object-pinned"]],
  cluster: [["cluster-total-nodes"], ["cluster-local-node", "cluster-local-nodemask"], ["cluster-hash-seed"]],
}));

/**
 * `written` under the name getopt_long gives it among `names` (an abbreviation, with a warning), or
 * undefined when it names none of them.
 */
export function optionNamed(written: IptExtOption, names: readonly string[], ctx: LowerContext): IptExtOption | undefined {
  const name = longOption(written.name, names);
  if (name === undefined) return undefined;
  if (name === written.name) return written;
  ctx.report(written.column, "warning", `iptables reads --${written.name} as --${name}`);
  return { ...written, name };
}

/** Whether `opt` has the `count` values it takes; if not, says why iptables-restore refuses it. */
export function valuesFit(opt: IptExtOption, count: number, ctx: LowerContext): boolean {
  if (opt.values.length === count) return true;
  const extra = opt.values[count];
  if (extra === undefined) ctx.report(opt.column, "error", `--${opt.name} needs a value: iptables-restore refuses it without`);
  else if (count === 0) ctx.report(extra.column, "error", `--${opt.name} takes no value, found "${extra.text}": iptables-restore refuses it`);
  else ctx.report(extra.column, "error", `--${opt.name} takes one value, found "${extra.text}" after it too: iptables-restore refuses the stray argument`);
  return false;
}

/**
 * Whether a `!` stands where iptables-restore takes it: before an option that can be inverted.
 * After the option (`--dport ! 80`, where iptables before 1.4.3 took it) it reads the `!` as the
 * value; either way it refuses the rule. podpath keeps the negation's meaning all the same.
 */
export function negationFits(opt: IptBaseOption | IptExtOption, invertible: boolean, ctx: LowerContext): void {
  if (opt.negation === null || !ctx.restoreInput) return;
  const flag = opt.type === "base" ? opt.flag : `--${opt.name}`;
  if (opt.negation !== "before") ctx.report(opt.column, "error", `"${flag} !" puts "!" where iptables before 1.4.3 took it: iptables-restore refuses it (write "! ${flag}")`);
  else if (!invertible) ctx.report(opt.column, "error", `${flag} cannot be inverted: iptables-restore refuses "! ${flag}"`);
}

/**
 * Options of the modules above that take no `!` (iptables 1.8.9, each tried with
 * iptables-restore; the options of `set` and `bpf` were not, and are taken as invertible).
 */
const NOT_INVERTIBLE = new Map<string, ReadonlySet<string>>(Object.entries({
  comment: ["comment"], statistic: ["mode", "packet"], addrtype: ["limit-iface-in", "limit-iface-out"], conntrack: ["ctdir"],
  nfacct: ["nfacct-name"], limit: ["limit", "limit-burst"],
  hashlimit: ["hashlimit-burst", "hashlimit-mode", "hashlimit-name", "hashlimit-srcmask", "hashlimit-dstmask", "hashlimit-htable-size", "hashlimit-htable-max", "hashlimit-htable-expire", "hashlimit-htable-gcinterval"],
  socket: ["transparent", "nowildcard", "restore-skmark"], rpfilter: ["loose", "validmark", "accept-local", "invert"],
  ttl: ["ttl-lt", "ttl-gt"], hl: ["hl-lt", "hl-gt"], policy: ["dir", "pol", "strict", "next"], owner: ["suppl-groups"],
  recent: ["name", "seconds", "reap", "hitcount", "rttl", "rsource", "rdest", "mask"], string: ["algo", "from", "to", "icase"],
  connlimit: ["connlimit-mask", "connlimit-saddr", "connlimit-daddr"], connbytes: ["connbytes-dir", "connbytes-mode"],
}).map(([module, options]) => [module, new Set(options)]));

/** Options that take two values (`--tcp-flags MASK COMP`). */
const TWO_VALUES = new Set(["tcp-flags", "match-set", "chunk-types"]);

/**
 * The options of the modules above that are flags: a value after one is a stray argument iptables
 * refuses, and every other option needs one.
 */
const MATCH_FLAGS = new Set([
  "syn", "limit-iface-in", "limit-iface-out", "physdev-is-in", "physdev-is-out", "physdev-is-bridged",
  "transparent", "nowildcard", "restore-skmark", "loose", "validmark", "accept-local", "invert",
  "set", "rcheck", "update", "remove", "rttl", "rsource", "rdest", "reap", "icase",
  "connlimit-saddr", "connlimit-daddr", "socket-exists", "suppl-groups", "strict", "next",
]);

/** Options iptables takes only after another of their module's (`--suppl-groups` after `--gid-owner`). */
const NEEDS_BEFORE = new Map<string, readonly (readonly [string, string])[]>([["owner", [["suppl-groups", "gid-owner"]]]]);

/** What `-m statistic --mode M` cannot do without. */
const STATISTIC_MODES = new Map<string, readonly string[]>([["random", ["probability"]], ["nth", ["every", "packet"]]]);

function checkRequired(module: IptMatchModule, ctx: LowerContext): void {
  const names = MODULE_INDEX.get(module.module)?.names ?? [];
  const has = (name: string) => module.options.some((o) => name === "*" || o.name === name || longOption(o.name, names) === name);
  for (const group of REQUIRED.get(module.module) ?? []) {
    if (group.some(has)) continue;
    const wanted = group[0] === "*" ? "an option" : group.length === 1 ? `--${group[0]}` : `one of ${group.map((o) => `--${o}`).join(", ")}`;
    ctx.report(module.column, "error", `-m ${module.module} needs ${wanted}: iptables-restore refuses it without`);
  }
  for (const [option, before] of NEEDS_BEFORE.get(module.module) ?? []) {
    const at = module.options.findIndex((o) => o.name === option);
    if (at >= 0 && !module.options.slice(0, at).some((o) => o.name === before)) {
      ctx.report((module.options[at] as IptExtOption).column, "error", `--${option} needs --${before} before it: iptables-restore refuses it`);
    }
  }
  if (module.module !== "statistic") return;
  const mode = module.options.find((o) => o.name === "mode")?.values[0]?.text;
  for (const option of (mode !== undefined ? STATISTIC_MODES.get(mode) : undefined) ?? []) {
    if (!has(option)) ctx.report(module.column, "error", `-m statistic --mode ${mode} needs --${option}: iptables-restore refuses it without`);
  }
}

/**
 * A module's matches are gathered here, by index up to a count, and copied out at their final size
 * (an array grown from [] by push holds sixteen slots, most modules lower to one match, and
 * `length = 0` would drop the storage each time). Handlers never lower a module.
 */
const MATCHES: Match[] = [];

/** Match extensions of one family: ip6tables has no -m icmp or -m ttl, iptables no -m icmp6 or -m hl. */
const FAMILY_MODULES: ReadonlyMap<string, Family> = new Map([
  ["icmp", 4], ["ttl", 4], ["realm", 4], ["osf", 4],
  ["icmp6", 6], ["hl", 6], ["dst", 6], ["eui64", 6], ["frag", 6], ["hbh", 6], ["ipv6header", 6], ["mh", 6], ["rt", 6], ["srh", 6],
]);
const OTHER_FAMILY_NAME: ReadonlyMap<string, string> = new Map([["icmp", "icmp6"], ["icmp6", "icmp"], ["ttl", "hl"], ["hl", "ttl"]]);

/** Lowers one `-m MODULE` item. */
export function lowerMatchModule(module: IptMatchModule, ctx: LowerContext): Match[] {
  const only = FAMILY_MODULES.get(module.module);
  if (only !== undefined && only !== ctx.family) {
    const instead = OTHER_FAMILY_NAME.get(module.module);
    const message = `-m ${module.module} is ${familyTool(only)}'s: ${familyTool(ctx.family)} has no such match${instead === undefined ? "" : ` (its own is -m ${instead})`}`;
    ctx.report(module.column, ctx.restoreInput ? "error" : "warning", `${message}${ctx.restoreInput ? ": iptables-restore would refuse this rule" : ""} (podpath explores both answers)`);
    return [{ type: "opaque", module: module.module, what: `-m ${module.module} matches` }];
  }
  const spec = MODULE_INDEX.get(module.module);
  if (ctx.restoreInput) checkRequired(module, ctx);
  if (spec === undefined) {
    if (UNDECODED_MODULES.has(module.module) || !ctx.restoreInput) {
      ctx.report(module.column, "warning", `podpath does not decode match module "${module.module}": it cannot tell whether it matches and will explore both answers`);
    } else {
      ctx.report(module.column, "error", `no iptables match extension is called "${module.module}": iptables-restore would refuse this rule (podpath explores both answers)`);
    }
    return [{ type: "opaque", module: module.module, what: `-m ${module.module} matches` }];
  }
  const matches = MATCHES;
  let count = 0;
  for (const written of module.options) {
    const opt = optionNamed(written, spec.names, ctx);
    const handler = opt === undefined ? undefined : spec.byName.get(opt.name);
    if (opt === undefined || handler === undefined) {
      ctx.report(written.column, "error", `-m ${module.module} has no option --${written.name} (expected one of ${spec.names.map((o) => `--${o}`).join(", ")})`);
      matches[count++] = { type: "opaque", module: module.module, what: `--${written.name}` };
      continue;
    }
    // Two values only for --tcp-flags MASK COMP (its handler checks them).
    // A flag with a stray value is still the flag (the error is the stray value's).
    if (!valuesFit(opt, MATCH_FLAGS.has(opt.name) ? 0 : TWO_VALUES.has(opt.name) ? opt.values.length : 1, ctx) && !MATCH_FLAGS.has(opt.name)) {
      matches[count++] = { type: "opaque", module: module.module, what: `--${opt.name}` };
      continue;
    }
    if (opt.negation !== null) negationFits(opt, NOT_INVERTIBLE.get(module.module)?.has(opt.name) !== true, ctx);
    const m = handler(opt, ctx, opt.negation !== null);
    if (m === null) continue;
    if (Array.isArray(m)) for (const one of m) matches[count++] = one;
    else matches[count++] = m;
  }
  const lowered = count === 0 ? [] : matches.slice(0, count);
  return spec.finish && lowered.length > 0 ? spec.finish(lowered, module, ctx) : lowered;
}

/** The command that reads a family's rules. */
export function familyTool(family: Family): string {
  return family === 4 ? "iptables" : "ip6tables";
}

const TCP = [6];
const UDP = [17];
const SCTP = [132];
const ICMP = [1];
const ICMPV6 = [58];
const DCCP = [33];
const ESP = [50];
const AH = [51];
const MH = [135];
const PORT_PROTOCOLS = [6, 17, 136, 33, 132];

/**
 * The protocols `-m MODULE` works for, or null for any: the kernel refuses the tcp, udp, sctp,
 * icmp, dccp, esp, mh (and IPv4's ah) matches under another `-p` (iptables-restore fails at COMMIT),
 * iptables itself multiport. IPv6's ah match finds its header among the extension headers instead.
 */
export function moduleProtocols(module: string, family: Family): readonly number[] | null {
  switch (module) {
    case "tcp": return TCP;
    case "udp": return UDP;
    case "sctp": return SCTP;
    case "icmp": return ICMP;
    case "icmp6": return ICMPV6;
    case "dccp": return DCCP;
    case "esp": return ESP;
    case "ah": return family === 4 ? AH : null;
    case "mh": return MH;
    case "multiport": return PORT_PROTOCOLS;
    default: return null;
  }
}

/** Module implied by `-p PROTO` for options written without `-m` (`-p tcp --dport 80`). */
export function implicitModule(protocol: string | null): string | null {
  if (protocol === null) return null;
  const p = protocol.toLowerCase();
  if (p === "ipv6-icmp" || p === "icmpv6") return "icmp6";
  return MODULE_INDEX.has(p) ? p : null;
}
