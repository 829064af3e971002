/** Traces one packet through a node: the kernel's path (kernel-order.ts), hook by hook, with routing between. */
import { formatAddress } from "../model/address.js";
import { rulesetOf, runsKubeProxy } from "../model/node.js";
import { TABLES, type TableName } from "../model/netfilter.js";
import { forwardScope6, inputCheck4, isLoopback4, joinedGroup6, receiveCheck6, type ArrivalCheck } from "./arrival.js";
import { HOOK_TABLES, NAT_MANIP, PATHS, type Stage } from "./kernel-order.js";
import { DEFAULT_LIMITS, traverseTable, type Limits, type TraverseContext } from "./netfilter.js";
import type { NodeFacts } from "./node-facts.js";
import { routeFlow } from "./routing.js";
import { RP_FILTER_DEFAULT, sourceChecker, type RpFilter, type SourceFailure } from "./source-check.js";
import type { Assumption, Hook, Outcome, PacketInput, PathKind, RouteDecision, TraceResult } from "./types.js";
import { fork, note, type World } from "./world.js";

/** A packet with no arrival interface is one the node generates. */
export function pathOf(packet: PacketInput): PathKind {
  return packet.iif === null ? "output" : "forward";
}

function startWorld(packet: PacketInput, record: boolean): World {
  return {
    src: packet.src, dst: packet.dst, sport: packet.sport, dport: packet.dport, proto: packet.proto,
    origSrc: packet.src, origDst: packet.dst, origSport: packet.sport, origDport: packet.dport,
    iif: packet.iif, oif: null, mark: packet.mark, ctmark: packet.ctmark, ctstate: packet.ctstate,
    tracked: true, snat: null, snatRule: null, dnat: null, dnatRule: null, natDone: { src: false, dst: false },
    route: null, probability: 1, assumptions: [], steps: [], record, rerouteNeeded: false, verdict: null, decidedBy: null,
  };
}

/** Every table some hook runs, in the kernel's table order. */
const USED_TABLES: readonly TableName[] = TABLES.filter((t) => Object.values(HOOK_TABLES).some((ts) => ts.includes(t)));

export function evaluate(facts: NodeFacts, packet: PacketInput, limits: Limits = DEFAULT_LIMITS): TraceResult {
  const family = packet.dst.family;
  const ruleset = rulesetOf(facts.node, family);
  const ctx: TraverseContext = { facts, ruleset, limits, assume: packet.assume, budget: { worlds: 1, steps: 0 } };
  const path = pathOf(packet);
  const missingTables = USED_TABLES.filter((t) => !ruleset?.tables.has(t));
  const first = startWorld(packet, limits.recordSteps !== false);
  const base: Assumption[] = [];
  if (facts.defaultRules(family)) base.push({ type: "default-rules", family });
  for (const t of missingTables) if (t !== "security") base.push({ type: "missing-table", table: t });
  if (packet.ctstate !== "NEW") base.push({ type: "not-new", ctstate: packet.ctstate });
  first.assumptions.push(...base);

  let truncated = false;
  const onTruncate = () => (truncated = true);
  const finished: World[] = [];
  const run = (world: World, stages: readonly Stage[]): void => {
    let worlds = [world];
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i] as Stage;
      const next: World[] = [];
      for (const w of worlds) {
        if (w.verdict !== null) { finished.push(w); continue; }
        if (stage.type === "hook") append(next, runHook(ctx, stage.hook, w, onTruncate));
        else if (stage.type === "route") append(next, runRoute(facts, w, stage.reroute, path, packet));
        else {
          const rest = stages.slice(i + 1);
          const local = w.route?.type === "local";
          run(w, [...(local ? stage.local : stage.remote), ...rest]);
        }
      }
      if (stage.type === "branch") return;
      worlds = next;
    }
    for (const w of worlds) {
      if (w.verdict === null) {
        const local = w.route?.type === "local";
        w.verdict = local ? "delivered-locally" : path === "forward" ? "forwarded" : "sent";
      }
      finished.push(w);
    }
  };
  // IPv6 refuses martians on receipt, before PREROUTING; IPv4 in its input route lookup (runRoute).
  const refused = path !== "output" && family === 6 ? arrivalCheck(facts, first, packet) : null;
  if (refused !== null) finished.push(refused);
  else run(first, PATHS[path]);

  return {
    packet,
    path,
    outcomes: finished.map(toOutcome),
    missingTables,
    defaultRules: facts.defaultRules(family),
    truncated,
  };
}

function runHook(ctx: TraverseContext, hook: Hook, world: World, onTruncate: () => void): World[] {
  let worlds = [world];
  const manip = NAT_MANIP[hook];
  for (const table of HOOK_TABLES[hook]) {
    const next: World[] = [];
    for (const w of worlds) {
      if (w.verdict !== null) { next.push(w); continue; }
      if (table === "nat" && manip) {
        // nat sees only the first packet of a tracked connection, once per kind of translation.
        const reason = !w.tracked ? "untracked" : w.ctstate !== "NEW" ? "not-new" : w.natDone[manip] ? "already-translated" : null;
        if (reason !== null) {
          note(w, { type: "nat-skipped", hook, reason });
          next.push(w);
          continue;
        }
        w.natDone[manip] = true;
      }
      const r = traverseTable(ctx, table, hook, w);
      if (r.truncated) onTruncate();
      append(next, r.worlds);
    }
    worlds = next;
  }
  return worlds;
}

function runRoute(facts: NodeFacts, world: World, reroute: boolean, path: PathKind, packet: PacketInput): World[] {
  // ip_route_input_slow validates an arriving IPv4 packet's source once its route is found.
  const arriving4 = !reroute && path !== "output" && world.dst.family === 4 && world.iif !== "lo";
  const arriving6 = !reroute && path !== "output" && world.dst.family === 6 && world.iif !== "lo";
  if (reroute) {
    // ip_route_me_harder: only when OUTPUT changed the mark or the destination.
    const before = world.route;
    if (before !== null && !world.rerouteNeeded) return [world];
  } else if (arriving4) {
    const refused = arrivalCheck(facts, world, packet);
    if (refused !== null) return [refused.route?.type === "local" && refused.src.value !== 0n ? checkSource(facts, refused, null, true, packet) : refused];
  }
  const decisions = routeFlow(facts, {
    src: world.src,
    dst: world.dst,
    iif: path === "output" ? "lo" : world.iif ?? "lo",
    oif: null,
    mark: world.mark,
    proto: world.proto,
    sport: world.sport,
    dport: world.dport,
    tos: 0,
    uid: 0,
  }, world.record);
  return decisions.map(({ decision, share }, i) => {
    const w = decisions.length > 1 && i > 0 ? fork(world) : world;
    if (decisions.length > 1 && decision.type === "unicast") {
      w.probability *= share;
      w.assumptions.push({ type: "multipath", route: decision.route, nexthop: decision.nexthop, probability: share });
    }
    w.route = decision;
    note(w, { type: "route", decision, reroute });
    if (decision.type === "unicast") w.oif = decision.dev;
    else if (decision.type === "local") w.oif = path === "output" ? "lo" : null;
    else {
      w.verdict = decision.type === "blackhole" ? "dropped" : "unroutable";
    }
    // ip6_mc_input: a multicast route delivers only a group the arrival interface has joined.
    if (arriving6 && decision.type === "local" && decision.route?.type === "multicast" && !joined6(facts, w)) return notMember(w);
    // ip6_forward, before FORWARD: a source of no scope beyond its link leaves by no other interface.
    if (arriving6 && decision.type === "unicast" && decision.dev !== w.iif) {
      const scope = forwardScope6(w.src);
      if (scope !== null) return refuseForward6(w, scope);
    }
    // A failed lookup is an error route: the kernel checks no source for it.
    if (!arriving4 || (decision.type !== "unicast" && decision.type !== "local")) return w;
    const broadcast = decision.type === "local" && decision.route?.type === "broadcast";
    return checkSource(facts, w, decision.type === "unicast" ? decision.dev : null, broadcast, packet);
  });
}

/**
 * fib_validate_source (source-check.ts) with the sysctls no dump shows: rp_filter on the arrival
 * interface (given, or loose) and accept_local (given, or 0). Each is recorded where another value
 * would give another verdict. A failure drops the packet as a martian source.
 */
function checkSource(facts: NodeFacts, world: World, oif: string | null, broadcast: boolean, packet: PacketInput): World {
  const check = sourceChecker(facts, world, oif, broadcast);
  const iif = world.iif ?? "lo";
  const rpFilter = packet.rpFilter ?? RP_FILTER_DEFAULT.value;
  const acceptLocal = packet.assume.accept_local ?? false;
  const failure = check(rpFilter, acceptLocal);
  const otherRp = ([0, 1, 2] as const).filter((v) => v !== rpFilter).map((v) => ({ value: v, failure: check(v, acceptLocal) }))
    .filter((o) => (o.failure === null) !== (failure === null));
  if (otherRp.length > 0) {
    world.assumptions.push({
      type: "sysctl", name: "rp_filter", value: rpFilter, given: packet.rpFilter !== undefined, reason: RP_FILTER_DEFAULT.reason, iface: iif,
      otherwise: otherRp.map((o) => ({ value: o.value, dropped: o.failure === null ? null : sourceWhy(o.failure, o.value, iif) })),
    });
  }
  const otherLocal = check(rpFilter, !acceptLocal);
  if ((otherLocal === null) !== (failure === null)) {
    world.assumptions.push({
      type: "sysctl", name: "accept_local", value: acceptLocal ? 1 : 0, given: packet.assume.accept_local !== undefined, reason: "the kernel's default", iface: null,
      otherwise: [{ value: acceptLocal ? 0 : 1, dropped: otherLocal === null ? null : sourceWhy(otherLocal, rpFilter, iif) }],
    });
  }
  return failure === null ? world : refuse(world, "source", "source", sourceWhy(failure, rpFilter, iif), "dropped");
}

/** The kernel refuses the packet on its way in: the decision that says why replaces its route. */
function refuse(world: World, which: "source" | "destination", check: Extract<RouteDecision, { type: "martian" }>["check"], why: string, verdict: "dropped" | "unroutable"): World {
  const decision: RouteDecision = { type: "martian", which, check, why, rule: null, table: null, route: null, checked: [] };
  world.route = decision;
  world.oif = null;
  note(world, { type: "route", decision, reroute: false });
  world.verdict = verdict;
  return world;
}

function sourceWhy(f: SourceFailure, rpFilter: RpFilter, iif: string): string {
  const mode = `rp_filter ${rpFilter} (${rpFilter === 1 ? "strict" : "loose"}) on ${iif}`;
  const via = (back: RouteDecision) => (back.table === null ? "" : ` (table ${back.table})`);
  switch (f.kind) {
    case "local-source":
      return "one of this node's own addresses arriving from outside, with accept_local 0";
    case "not-unicast":
      return `a source address this node routes as ${f.back.route?.type ?? "local"}${via(f.back)}: nothing can answer it`;
    case "no-route-back":
      return `${mode}: no route back to the source (${f.back.type})`;
    case "strict":
      return `${mode}: the way back to the source leaves by ${f.dev}${via(f.back)}, not ${iif}`;
    case "no-address":
      return `${mode}, which has no IPv4 address: the way back to the source leaves by ${f.dev}${via(f.back)}`;
  }
}

/**
 * An arriving packet the kernel decides on from its addresses alone (arrival.ts): dropped as a
 * martian or as a multicast group its interface has not joined, or delivered locally (IPv4's
 * limited broadcast, the all-hosts group); null when it is routed as usual. One IPv4
 * sysctl no dump shows takes part, given with `--assume route_localnet=…` or assumed and recorded
 * where it decides: route_localnet (1 where kube-proxy runs, which sets it for localhost NodePorts,
 * else 0) for loopback addresses. The source's own check comes after the route (checkSource).
 */
function arrivalCheck(facts: NodeFacts, world: World, packet: PacketInput): World | null {
  if (world.iif === "lo") return null;
  let check: ArrivalCheck;
  if (world.dst.family === 6) check = receiveCheck6(world.src, world.dst);
  else {
    let routeLocalnet = false;
    if (isLoopback4(world.src) || isLoopback4(world.dst)) {
      const kubeProxy = runsKubeProxy(facts.node);
      const given = packet.assume.route_localnet;
      routeLocalnet = given ?? kubeProxy;
      world.assumptions.push({
        type: "sysctl", name: "route_localnet", value: routeLocalnet ? 1 : 0, given: given !== undefined,
        reason: kubeProxy ? "kube-proxy sets it to 1 for localhost NodePorts" : "the kernel's default", iface: null,
      });
    }
    check = inputCheck4(world.src, world.dst, routeLocalnet);
  }
  if (check === null) return null;
  if (check.type === "not-member") return notMember(world);
  if (check.type === "martian") return refuse(world, check.which, "addresses", check.why, "dropped");
  const decision: RouteDecision = { type: "local", rule: null, table: "local", route: null, checked: [] };
  world.route = decision;
  note(world, { type: "route", decision, reroute: false });
  world.oif = null;
  return world;
}

/**
 * Refused by ip6_forward: an unspecified source is dropped; a link-local one gets ICMPv6 "beyond
 * scope of source address" (so the packet is unroutable, its sender told).
 */
function refuseForward6(world: World, scope: "unspecified" | "link-local"): World {
  return scope === "unspecified"
    ? refuse(world, "source", "forward", "the unspecified source :: is not forwarded", "dropped")
    : refuse(world, "source", "forward", `a link-local source is not forwarded to another interface (${world.iif} to ${world.oif}): the kernel answers "beyond scope of source address"`, "unroutable");
}

/** Dropped: a multicast group the arrival interface is taken not to have joined (a dump does not list them). */
function notMember(world: World): World {
  world.assumptions.push({ type: "not-member", group: world.dst, iface: world.iif ?? "" });
  return refuse(world, "destination", "multicast", `${formatAddress(world.dst)} is a multicast group ${world.iif} has not joined`, "dropped");
}

function joined6(facts: NodeFacts, world: World): boolean {
  const own = facts.interface(world.iif ?? "")?.addresses.map((a) => a.address).filter((a) => a.family === 6) ?? [];
  return joinedGroup6(world.dst, own);
}

function append(to: World[], worlds: readonly World[]): void {
  for (const w of worlds) to.push(w);
}

function toOutcome(w: World): Outcome {
  const leaves = w.verdict === "forwarded" || w.verdict === "sent";
  const route = w.route;
  return {
    probability: w.probability,
    assumptions: w.assumptions,
    verdict: w.verdict ?? "dropped",
    decidedBy: w.decidedBy,
    final: { src: w.src, dst: w.dst, sport: w.sport, dport: w.dport },
    snat: w.snat,
    snatRule: w.snatRule,
    dnat: w.dnat,
    dnatRule: w.dnatRule,
    mark: w.mark,
    ctmark: w.ctmark,
    route,
    egress: leaves && route?.type === "unicast" ? { interface: route.dev, gateway: route.gateway, table: route.table } : null,
    steps: w.steps,
  };
}
