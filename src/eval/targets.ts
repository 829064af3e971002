/** What each target does to the packet and the traversal. One handler per target type. */
import { maskOf, prefixContains, type IpAddr } from "../model/address.js";
import type { Rule, Target, UnknownFlow } from "../model/netfilter.js";
import type { Range } from "../model/routing.js";
import { ipv6RedirectAddress, ipv6SourceAddress } from "./ipv6-address-choice.js";
import type { NodeFacts } from "./node-facts.js";
import type { Hook, TargetEffect } from "./types.js";
import type { World } from "./world.js";

/** What the traversal does next. */
export type Flow =
  | { type: "continue" }
  | { type: "accept" }
  | { type: "drop" }
  | { type: "reject" }
  | { type: "return" }
  | { type: "jump"; chain: string }
  | { type: "goto"; chain: string }
  /** A target of unknown effect: the traversal forks, one world for each thing it may do. */
  | { type: "unknown"; may: readonly UnknownFlow[] };

export interface TargetContext {
  world: World;
  hook: Hook;
  facts: NodeFacts;
  rule: Rule;
}

type Result = { flow: Flow; effect: TargetEffect };

const NONE: TargetEffect = { type: "none" };
const go = (flow: Flow, effect: TargetEffect = NONE): Result => ({ flow, effect });

/**
 * The address MASQUERADE gives a packet leaving by `dev`. IPv4: inet_select_addr(dev, nexthop,
 * RT_SCOPE_UNIVERSE): the device's first primary global address in the nexthop's subnet, else its
 * first primary global address, else the first global address of any device in ifindex order.
 * IPv6: the kernel's source address selection for the destination (ipv6-address-choice.ts).
 */
export function masqueradeSource(facts: NodeFacts, dev: string | null, nexthop: IpAddr, dst: IpAddr): IpAddr | null {
  if (dst.family === 6) return ipv6SourceAddress(facts.interfacesInOrder(), dev, dst);
  const iface = dev === null ? null : facts.interface(dev);
  let first: IpAddr | null = null;
  for (const a of iface?.addresses ?? []) {
    if (a.address.family !== nexthop.family || a.secondary || a.scope !== "global") continue;
    const prefix = { family: a.address.family, value: a.address.value, len: a.prefixLen };
    const net = { ...prefix, value: prefix.value & maskOf(prefix.family, prefix.len) };
    if (prefixContains(net, nexthop)) return a.address;
    first ??= a.address;
  }
  if (first) return first;
  for (const other of facts.interfacesInOrder()) {
    for (const a of other.addresses) {
      if (a.address.family === nexthop.family && a.scope === "global") return a.address;
    }
  }
  return null;
}


/**
 * The source port SNAT or MASQUERADE gives a new connection (nf_nat's get_unique_tuple; no other
 * connection clashes with the traced one): a one-port range's port; with --random or
 * --random-fully, one picked at random (null: unknown, as it is for the VPC CNI's default
 * --random-fully and kube-proxy's masquerade); else the original port when it is in the range (or
 * no range is given); else one picked at random within the range (null).
 */
function snatPort(original: number | null, ports: Range | null, randomized: boolean): number | null {
  if (original === null) return null;
  if (ports !== null && ports.lo === ports.hi) return ports.lo;
  if (randomized) return null;
  return ports === null || (original >= ports.lo && original <= ports.hi) ? original : null;
}

/**
 * REDIRECT sends to the arriving interface's primary address on IPv4, its first address usable for
 * the destination on IPv6 (127.0.0.1 / ::1 for local packets).
 */
function redirectAddress(facts: NodeFacts, world: World): IpAddr | null {
  if (world.iif === null) return { family: world.dst.family, value: world.dst.family === 4 ? 0x7f000001n : 1n };
  const iface = facts.interface(world.iif);
  if (iface === null) return null;
  if (world.dst.family === 6) return ipv6RedirectAddress(iface, world.dst);
  return iface.addresses.find((x) => x.address.family === 4 && !x.secondary)?.address ?? null;
}

/** SNAT, MASQUERADE, NETMAP on the way out: the packet's new source (and port), and the rule that made it; nat's chain ends. */
function translateSource(world: World, rule: Rule, to: IpAddr, sport: number | null, how: { masquerade: boolean; via: string | null }): Result {
  const effect: TargetEffect = { type: "snat", from: world.src, to, masquerade: how.masquerade, portChanged: sport !== world.sport, via: how.via };
  world.src = to;
  world.sport = sport;
  world.snat = effect;
  world.snatRule = rule;
  return go({ type: "accept" }, effect);
}

/** DNAT, REDIRECT, NETMAP on the way in: the packet's new destination (and port, unless null), and the rule that made it. */
function translateDestination(world: World, rule: Rule, to: IpAddr, port: number | null, redirect: boolean): Result {
  const effect: TargetEffect = { type: "dnat", from: world.dst, to, port, redirect };
  world.dst = to;
  if (port !== null) world.dport = port;
  world.dnat = effect;
  world.dnatRule = rule;
  return go({ type: "accept" }, effect);
}

type Handlers = { [K in Target["type"]]: (t: Extract<Target, { type: K }>, c: TargetContext) => Result };

const HANDLERS: Handlers = {
  accept: () => go({ type: "accept" }),
  drop: () => go({ type: "drop" }),
  reject: () => go({ type: "reject" }),
  return: () => go({ type: "return" }),
  jump: (t) => go({ type: "jump", chain: t.chain }),
  goto: (t) => go({ type: "goto", chain: t.chain }),
  snat: (t, { world, rule }) => {
    const sport = snatPort(world.sport, t.to.ports, t.random || t.randomFully);
    return translateSource(world, rule, t.to.addrLo ?? world.src, sport, { masquerade: false, via: null });
  },
  masquerade: (t, { world, facts, rule }) => {
    const route = world.route;
    const dev = route?.type === "unicast" ? route.dev : world.oif;
    const nexthop = route?.type === "unicast" && route.gateway ? route.gateway : world.dst;
    const to = masqueradeSource(facts, dev, nexthop, world.dst);
    if (to === null) return go({ type: "drop" });
    return translateSource(world, rule, to, snatPort(world.sport, t.ports, t.random || t.randomFully), { masquerade: true, via: dev });
  },
  dnat: (t, { world, rule }) => translateDestination(world, rule, t.to.addrLo ?? world.dst, t.to.ports?.lo ?? null, false),
  redirect: (t, { world, facts, rule }) => {
    const to = redirectAddress(facts, world);
    // The kernel drops a REDIRECTed packet when the arriving interface has no address.
    if (to === null) return go({ type: "drop" });
    return translateDestination(world, rule, to, t.ports?.lo ?? null, true);
  },
  netmap: (t, { world, hook, rule }) => {
    // The address keeps its host bits and takes the network bits of `to` (xt_NETMAP).
    const mapped = (a: IpAddr): IpAddr => ({ family: a.family, value: (a.value & ~maskOf(a.family, t.to.len)) | t.to.value });
    return hook === "PREROUTING" || hook === "OUTPUT"
      ? translateDestination(world, rule, mapped(world.dst), null, false)
      : translateSource(world, rule, mapped(world.src), world.sport, { masquerade: false, via: null });
  },
  mark: (t, { world }) => {
    const before = world.mark;
    world.mark = ((world.mark & ~t.mask) ^ t.value) >>> 0;
    return go({ type: "continue" }, { type: "mark", before, after: world.mark });
  },
  "connmark-set": (t, { world }) => {
    if (!world.tracked) return go({ type: "continue" });
    const before = world.ctmark;
    world.ctmark = ((world.ctmark & ~t.mask) ^ t.value) >>> 0;
    return go({ type: "continue" }, { type: "connmark", before, after: world.ctmark });
  },
  "connmark-save": (t, { world }) => {
    if (!world.tracked) return go({ type: "continue" });
    const before = world.ctmark;
    world.ctmark = ((world.ctmark & ~t.ctmask) ^ (world.mark & t.nfmask)) >>> 0;
    return go({ type: "continue" }, { type: "connmark", before, after: world.ctmark });
  },
  "connmark-restore": (t, { world }) => {
    if (!world.tracked) return go({ type: "continue" });
    const before = world.mark;
    world.mark = ((world.mark & ~t.nfmask) ^ (world.ctmark & t.ctmask)) >>> 0;
    return go({ type: "continue" }, { type: "packet-mark-restored", before, after: world.mark });
  },
  notrack: (_t, { world }) => {
    world.tracked = false;
    return go({ type: "continue" }, { type: "notrack" });
  },
  tproxy: (t, { world }) => {
    const before = world.mark;
    world.mark = ((world.mark & ~t.mask) ^ t.value) >>> 0;
    return go({ type: "accept" }, { type: "mark", before, after: world.mark });
  },
  continue: () => go({ type: "continue" }),
  tcpmss: () => go({ type: "continue" }),
  unknown: (t) => go({ type: "unknown", may: t.may }),
};

export function applyTarget(target: Target, ctx: TargetContext): Result {
  return (HANDLERS[target.type] as (t: Target, c: TargetContext) => Result)(target, ctx);
}

/** Targets whose effect does not depend on whether their rule matched an unknowable condition. */
export function hasNoEffect(target: Target | null): boolean {
  return target === null || target.type === "continue" || target.type === "tcpmss";
}
