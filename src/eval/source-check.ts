/**
 * The kernel's check of an arriving IPv4 packet's source address, once its route is found
 * (fib_validate_source, net/ipv4/fib_frontend.c): a reverse lookup, source as destination, decides
 * whether the source is the node's own (a martian unless accept_local is 1) or not a unicast address,
 * and — with rp_filter 1 (strict) or 2 (loose) — whether the way back is through the arrival interface
 * (strict) or exists at all (loose).
 */
import { isKernelDefaultRule } from "../model/routing.js";
import type { NodeFacts } from "./node-facts.js";
import { routeFlow } from "./routing.js";
import type { RouteDecision } from "./types.js";
import type { World } from "./world.js";

export type RpFilter = 0 | 1 | 2;

/** What podpath takes rp_filter to be when it is not given (the kernel suite builds its nodes so), and why. */
export const RP_FILTER_DEFAULT: { value: RpFilter; reason: string } = {
  value: 2,
  reason: "the VPC CNI sets 2 on the primary ENI, systemd-based images (Amazon Linux 2023) on every interface; Amazon Linux 2 leaves the others at 1",
};

export type SourceFailure =
  /** The reverse lookup (or, without it, an interface address) says the source is the node's own. */
  | { kind: "local-source"; back: RouteDecision | null }
  /** The source routes as broadcast, multicast or anycast. */
  | { kind: "not-unicast"; back: RouteDecision }
  /** rp_filter 1 or 2: no route back to the source at all. */
  | { kind: "no-route-back"; back: RouteDecision }
  /** rp_filter 1: the way back leaves by another interface. */
  | { kind: "strict"; back: RouteDecision; dev: string }
  /** rp_filter 1 or 2: the way back leaves by another interface, and the arrival interface has no IPv4 address. */
  | { kind: "no-address"; back: RouteDecision; dev: string };

/**
 * One packet's check, for any sysctl values: the reverse lookup is made once, when first needed.
 * `oif`: the forward route's device (null for local delivery), which the reverse lookup takes as its
 * arrival interface, as the kernel does.
 */
export function sourceChecker(facts: NodeFacts, world: World, oif: string | null, broadcast: boolean): (rpFilter: RpFilter, acceptLocal: boolean) => SourceFailure | null {
  const iif = world.iif ?? "lo";
  let back: { decision: RouteDecision }[] | null = null;
  const reverse = () => (back ??= routeFlow(facts, {
    // brd_input checks with destination 0.0.0.0; mark 0: src_valid_mark is 0 by default.
    src: broadcast ? { family: 4, value: 0n } : world.dst, dst: world.src, iif: oif ?? "lo", oif: null, mark: 0,
    proto: world.proto, sport: world.dport, dport: world.sport, tos: 0, uid: 0,
  }, false));
  const quick = quickCheck(facts);
  const ownAddress = () => facts.interfacesInOrder().some((i) => i.addresses.some((a) => a.address.family === 4 && a.address.value === world.src.value));
  // Only an interface the dump lists can be known to have no address (a pod's veth has none).
  const addressless = () => {
    const dev = facts.interface(iif);
    return dev !== null && !dev.addresses.some((a) => a.address.family === 4);
  };

  return (rpFilter, acceptLocal) => {
    // Without rp_filter the kernel skips the lookup unless custom rules or local routes could make
    // checking interface addresses wrong. (send_redirects is taken as 0: a packet sent back out of
    // its arrival interface would get the full check with it on.)
    if (rpFilter === 0) {
      if (acceptLocal) return null;
      if (quick) return ownAddress() ? { kind: "local-source", back: null } : null;
    }
    const found = reverse();
    const first = (found[0] as { decision: RouteDecision }).decision;
    if (first.type !== "unicast" && first.type !== "local") return rpFilter === 0 ? null : { kind: "no-route-back", back: first };
    if (first.type === "local") {
      const local = first.route === null || first.route.type === "local";
      if (!local) return { kind: "not-unicast", back: first };
      if (!acceptLocal) return { kind: "local-source", back: first };
    }
    const devMatch = first.type === "local"
      ? first.route?.nexthops.some((n) => n.dev === iif) === true
      : found.some(({ decision }) => decision.type === "unicast" && decision.dev === iif);
    if (devMatch || rpFilter === 0) return null;
    const dev = first.type === "unicast" ? first.dev : first.route?.nexthops[0]?.dev ?? "lo";
    if (addressless()) return { kind: "no-address", back: first, dev };
    return rpFilter === 1 ? { kind: "strict", back: first, dev } : null;
  };
}

const QUICK = new WeakMap<NodeFacts, boolean>();

/**
 * Whether rp_filter 0 lets the kernel check only the interfaces' addresses: the default ip rules
 * only, and no local route it did not make from an address (fib_has_custom_local_routes). Once per node.
 */
function quickCheck(facts: NodeFacts): boolean {
  let quick = QUICK.get(facts);
  if (quick === undefined) {
    quick = facts.rules(4).every(isKernelDefaultRule) && !facts.node.routing.routes.some((r) => r.family === 4 && r.type === "local" && r.proto !== "kernel");
    QUICK.set(facts, quick);
  }
  return quick;
}
