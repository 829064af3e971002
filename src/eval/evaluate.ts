/** Traces one packet through a node: the kernel's path (kernel-order.ts), hook by hook, with routing between. */
import { rulesetOf, runsKubeProxy } from "../model/node.js";
import { isKernelDefaultRule } from "../model/routing.js";
import { TABLES, type TableName } from "../model/netfilter.js";
import { inputCheck4, isLoopback4, martian, receiveCheck6, type ArrivalCheck } from "./arrival.js";
import { HOOK_TABLES, NAT_MANIP, PATHS, type Stage } from "./kernel-order.js";
import { DEFAULT_LIMITS, traverseTable, type Limits, type TraverseContext } from "./netfilter.js";
import type { NodeFacts } from "./node-facts.js";
import { routeFlow } from "./routing.js";
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
        else if (stage.type === "route") append(next, runRoute(facts, w, stage.reroute, path, packet.assume));
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
  const refused = path !== "output" && family === 6 ? arrivalCheck(facts, first, packet.assume) : null;
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

function runRoute(facts: NodeFacts, world: World, reroute: boolean, path: PathKind, assume: Readonly<Record<string, boolean>>): World[] {
  if (reroute) {
    // ip_route_me_harder: only when OUTPUT changed the mark or the destination.
    const before = world.route;
    if (before !== null && !world.rerouteNeeded) return [world];
  } else if (path !== "output" && world.dst.family === 4) {
    const refused = arrivalCheck(facts, world, assume);
    if (refused !== null) return [refused];
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
    return w;
  });
}

/**
 * An arriving packet the kernel decides on from its addresses alone (arrival.ts): dropped as a
 * martian, or IPv4's limited broadcast delivered locally; null when it is routed as usual. Two IPv4
 * sysctls no dump shows take part, each given with `--assume NAME=…` or assumed and recorded where it
 * decides: route_localnet (1 where kube-proxy runs, which sets it for localhost NodePorts, else 0) for
 * loopback addresses, and accept_local (0, the kernel's default) for a source that is the node's own.
 */
function arrivalCheck(facts: NodeFacts, world: World, assume: Readonly<Record<string, boolean>>): World | null {
  if (world.iif === "lo") return null;
  const sysctl = (name: "route_localnet" | "accept_local", fallback: boolean, reason: string): boolean => {
    const given = assume[name];
    world.assumptions.push({ type: "sysctl", name, value: given ?? fallback, given: given !== undefined, reason });
    return given ?? fallback;
  };
  let check: ArrivalCheck;
  if (world.dst.family === 6) check = receiveCheck6(world.src, world.dst);
  else {
    let routeLocalnet = false;
    if (isLoopback4(world.src) || isLoopback4(world.dst)) {
      const kubeProxy = runsKubeProxy(facts.node);
      routeLocalnet = sysctl("route_localnet", kubeProxy, kubeProxy ? "kube-proxy sets it to 1 for localhost NodePorts" : "the kernel's default");
    }
    check = inputCheck4(world.src, world.dst, routeLocalnet);
    // fib_validate_source, for what passed: a source address of the node's own.
    if ((check === null || check.type === "broadcast") && world.src.value !== 0n && localSource(facts, world)
      && !sysctl("accept_local", false, "the kernel's default")) {
      check = martian("source", "one of this node's own addresses arriving from outside, with accept_local 0");
    }
  }
  if (check === null) return null;
  const decision: RouteDecision = check.type === "martian"
    ? { type: "martian", which: check.which, why: check.why, rule: null, table: null, route: null, checked: [] }
    : { type: "local", rule: null, table: "local", route: null, checked: [] };
  world.route = decision;
  note(world, { type: "route", decision, reroute: false });
  if (decision.type === "martian") world.verdict = "dropped";
  else world.oif = null;
  return world;
}

/**
 * Whether fib_validate_source (rp_filter off) finds an arriving IPv4 packet's source to be the
 * node's own: with only the kernel's default ip rules, when it is an interface's address; with others,
 * when the reverse lookup (source as destination, from loopback, mark 0) gives a local, broadcast,
 * multicast or anycast route.
 */
function localSource(facts: NodeFacts, world: World): boolean {
  if (facts.rules(4).every(isKernelDefaultRule)) {
    return facts.interfacesInOrder().some((i) => i.addresses.some((a) => a.address.family === 4 && a.address.value === world.src.value));
  }
  const reverse = routeFlow(facts, {
    src: world.dst, dst: world.src, iif: "lo", oif: null, mark: 0, proto: world.proto,
    sport: world.dport, dport: world.sport, tos: 0, uid: 0,
  }, false);
  return reverse[0]?.decision.type === "local";
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
