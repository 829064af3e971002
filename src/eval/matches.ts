/** Match evaluation: one handler per match type, over the packet as it is at this point of the path. */
import { prefixContains, type IpAddr } from "../model/address.js";
import type { IfacePattern, Match } from "../model/netfilter.js";
import type { Hook } from "./types.js";
import type { NodeFacts } from "./node-facts.js";
import type { World } from "./world.js";

/** A match is true, false, or unknowable from the dump (`opaque`, `random`): the caller forks. */
export type MatchAnswer = boolean | { random: number } | { opaque: true };

export interface MatchContext {
  world: World;
  hook: Hook;
  facts: NodeFacts;
}

export function ifaceMatches(pattern: IfacePattern, name: string | null): boolean {
  if (name === null) return false;
  return pattern.wildcard ? name.startsWith(pattern.name) : name === pattern.name;
}

function neg(m: { negated: boolean }, v: boolean): boolean {
  return m.negated ? !v : v;
}

function inRange(v: number | null, r: { lo: number; hi: number }): boolean {
  return v !== null && v >= r.lo && v <= r.hi;
}

function compareAddr(a: IpAddr, b: IpAddr): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

const SYN_PACKET_FLAGS = new Set(["SYN"]);
const ALL_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"];

function expandFlags(flags: readonly string[]): Set<string> {
  return new Set(flags.flatMap((f) => (f === "ALL" ? ALL_FLAGS : f === "NONE" ? [] : [f])));
}

type Handlers = { [K in Match["type"]]: (m: Extract<Match, { type: K }>, c: MatchContext) => MatchAnswer };

const HANDLERS: Handlers = {
  source: (m, { world }) => neg(m, prefixContains(m.prefix, world.src)),
  destination: (m, { world }) => neg(m, prefixContains(m.prefix, world.dst)),
  "in-interface": (m, { world }) => neg(m, ifaceMatches(m.pattern, world.iif)),
  "out-interface": (m, { world }) => neg(m, ifaceMatches(m.pattern, world.oif)),
  protocol: (m, { world }) => neg(m, world.proto === m.protocol),
  // podpath traces first fragments (or unfragmented packets); -f matches only later fragments.
  fragment: (m) => neg(m, false),
  addrtype: (m, { world, facts }) => {
    // --limit-iface-in/out: the address must be of that type on that very interface.
    if (m.src) {
      const dev = m.limitIfaceIn ? world.iif : m.limitIfaceOut ? world.oif : null;
      if (neg(m.src, m.src.types.includes(facts.addressType(world.src, dev))) === false) return false;
    }
    if (m.dst) {
      const dev = m.limitIfaceIn ? world.iif : m.limitIfaceOut ? world.oif : null;
      if (neg(m.dst, m.dst.types.includes(facts.addressType(world.dst, dev))) === false) return false;
    }
    return true;
  },
  mark: (m, { world }) => neg(m, ((world.mark & m.mask) >>> 0) === m.value),
  connmark: (m, { world }) => neg(m, ((world.ctmark & m.mask) >>> 0) === m.value),
  ctstate: (m, { world }) => {
    // The connection's state, plus SNAT/DNAT once translated (no Set: this runs on most packets).
    const state = world.tracked ? world.ctstate : "UNTRACKED";
    const snat = Boolean(world.snat);
    const dnat = Boolean(world.dnat);
    return neg(m, m.states.some((s) => s === state || (s === "SNAT" && snat) || (s === "DNAT" && dnat)));
  },
  ctorig: (m, { world }) => neg(m, world.tracked && prefixContains(m.prefix, m.which === "src" ? world.origSrc : world.origDst)),
  ctorigport: (m, { world }) => neg(m, world.tracked && inRange(m.which === "src" ? world.origSport : world.origDport, m.range)),
  ctdir: (m, { world }) => world.tracked && m.dir === "ORIGINAL",
  port: (m, { world }) => neg(m, inRange(m.which === "src" ? world.sport : world.dport, m.range)),
  // The traced packet opens its connection: a TCP SYN. Matches when (flags & mask) == comp.
  tcpflags: (m) => {
    const mask = expandFlags(m.mask);
    const comp = expandFlags(m.comp);
    return neg(m, [...mask].every((f) => SYN_PACKET_FLAGS.has(f) === comp.has(f)));
  },
  multiport: (m, { world }) => {
    const hit = m.ranges.some((r) =>
      m.which === "src" ? inRange(world.sport, r) : m.which === "dst" ? inRange(world.dport, r) : inRange(world.sport, r) || inRange(world.dport, r));
    return neg(m, hit);
  },
  // The traced ICMP packet is an echo request (type 8 / 128), the only ICMP that opens a flow.
  icmp: (m, { world }) => {
    const type = m.family === 4 ? 8 : 128;
    const isIcmp = world.proto === (m.family === 4 ? 1 : 58);
    return neg(m, isIcmp && (m.icmpType === null || (m.icmpType === type && (m.code === null || m.code === 0))));
  },
  iprange: (m, { world }) => {
    const a = m.which === "src" ? world.src : world.dst;
    return neg(m, a.family === m.lo.family && compareAddr(a, m.lo) >= 0 && compareAddr(a, m.hi) <= 0);
  },
  pkttype: (m, { world, facts }) => {
    const t = facts.addressType(world.dst, null);
    const kind = t === "BROADCAST" ? "broadcast" : t === "MULTICAST" ? "multicast" : "unicast";
    return neg(m, kind === m.pktType);
  },
  length: () => ({ opaque: true }),
  random: (m) => ({ random: m.negated ? 1 - m.probability : m.probability }),
  physdev: (m) => m.matchesUnbridged,
  opaque: () => ({ opaque: true }),
};

export function evaluateMatch(m: Match, ctx: MatchContext): MatchAnswer {
  return (HANDLERS[m.type] as (m: Match, c: MatchContext) => MatchAnswer)(m, ctx);
}
