/**
 * Policy routing as the kernel's fib_lookup does it: rules in priority order, then longest-prefix
 * match in the rule's table; `throw` and a failed lookup continue with the next rule.
 */
import { isIpv6LinkLocal, prefixContains, type IpAddr } from "../model/address.js";
import type { IpRule, Route } from "../model/routing.js";
import type { NodeFacts } from "./node-facts.js";
import type { RouteDecision, RuleCheck } from "./types.js";

export interface Flow {
  src: IpAddr;
  dst: IpAddr;
  /** Input interface; `lo` for locally generated packets (the kernel routes them with iif = loopback). */
  iif: string;
  oif: string | null;
  mark: number;
  proto: number;
  sport: number | null;
  dport: number | null;
  tos: number;
  uid: number;
}

/** The first selector of `rule` that `flow` fails, or null when all match. */
function failedSelector(rule: IpRule, flow: Flow): string | null {
  if (rule.from && !prefixContains(rule.from, flow.src)) return "from";
  if (rule.to && !prefixContains(rule.to, flow.dst)) return "to";
  if (rule.iif !== null && (rule.iifDetached || rule.iif !== flow.iif)) return "iif";
  if (rule.oif !== null && (rule.oifDetached || rule.oif !== flow.oif)) return "oif";
  if (rule.fwmark && ((flow.mark & rule.fwmark.mask) >>> 0) !== rule.fwmark.value) return "fwmark";
  if (rule.tos !== null && rule.tos !== flow.tos) return "tos";
  if (rule.ipproto !== null && rule.ipproto !== flow.proto) return "ipproto";
  if (rule.sport && (flow.sport === null || flow.sport < rule.sport.lo || flow.sport > rule.sport.hi)) return "sport";
  if (rule.dport && (flow.dport === null || flow.dport < rule.dport.lo || flow.dport > rule.dport.hi)) return "dport";
  if (rule.uidrange && (flow.uid < rule.uidrange.lo || flow.uid > rule.uidrange.hi)) return "uidrange";
  if (rule.l3mdev) return "l3mdev";
  return null;
}

/**
 * Longest prefix, then TOS, then lowest metric (fib_table_lookup). An arriving IPv6 packet to a
 * link-local or multicast address is looked up on its arrival interface only (rt6_need_strict).
 */
export function lookupTable(routes: readonly Route[], flow: Flow): Route | null {
  const strictDev = flow.dst.family === 6 && flow.iif !== "lo" && (isIpv6LinkLocal(flow.dst) || flow.dst.value >> 120n === 0xffn) ? flow.iif : null;
  let best: Route | null = null;
  for (const r of routes) {
    if (!prefixContains(r.dst, flow.dst)) continue;
    if (strictDev !== null && !r.nexthops.some((n) => n.dev === strictDev)) continue;
    if (r.tos !== null && r.tos !== 0 && r.tos !== flow.tos) continue;
    if (r.type === "unicast" && r.nexthops.length === 0) continue;
    if (best === null || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && r.metric < best.metric)) best = r;
  }
  return best;
}

/**
 * Resolves a flow to a decision; multipath routes return one decision per nexthop with its share.
 * The decision lists the ip rules checked on the way, unless `listChecks` is false (verdict-only
 * batches: a node has an ip rule or two per pod, and the list would be garbage at once).
 */
export function routeFlow(facts: NodeFacts, flow: Flow, listChecks = true): { decision: RouteDecision; share: number }[] {
  const rules = facts.rules(flow.dst.family);
  const checked: RuleCheck[] = [];
  const check = (rule: IpRule, applied: boolean, result: RuleCheck["result"], failed: RuleCheck["failed"]) => {
    if (listChecks) checked.push({ rule, applied, result, failed });
  };
  let i = 0;
  let hops = 0;
  while (i < rules.length && hops++ < 10_000) {
    const rule = rules[i] as IpRule;
    const failed = failedSelector(rule, flow);
    const applies = rule.not ? failed !== null : failed === null;
    if (!applies) {
      check(rule, false, null, rule.not ? "not" : failed);
      i++;
      continue;
    }
    const action = rule.action;
    switch (action.type) {
      case "nop":
        check(rule, true, "nop", null);
        i++;
        continue;
      case "goto": {
        check(rule, true, "goto", null);
        const next = rules.findIndex((r) => r.priority >= action.priority);
        // A goto must go forward; the kernel refuses loops when rules are added.
        i = next > i ? next : rules.length;
        continue;
      }
      case "blackhole":
      case "unreachable":
      case "prohibit":
        check(rule, true, "action", null);
        return [{ decision: { type: action.type, rule, table: null, route: null, checked: [...checked] }, share: 1 }];
      case "lookup": {
        const route = lookupTable(facts.routes(action.table, flow.dst.family), flow);
        if (route === null) {
          check(rule, true, "no-route", null);
          i++;
          continue;
        }
        if (route.type === "throw") {
          check(rule, true, "throw", null);
          i++;
          continue;
        }
        if (rule.suppressPrefixlength !== null && route.dst.len <= rule.suppressPrefixlength) {
          check(rule, true, "suppressed", null);
          i++;
          continue;
        }
        check(rule, true, "route", null);
        return decide(rule, action.table, route, [...checked]);
      }
    }
  }
  return [{ decision: { type: "unreachable", rule: null, table: null, route: null, checked }, share: 1 }];
}

function decide(rule: IpRule, table: string, route: Route, checked: RuleCheck[]): { decision: RouteDecision; share: number }[] {
  switch (route.type) {
    case "local":
    case "broadcast":
    case "multicast":
    case "anycast":
    case "nat":
      return [{ decision: { type: "local", rule, table, route, checked }, share: 1 }];
    case "blackhole":
    case "unreachable":
    case "prohibit":
      return [{ decision: { type: route.type, rule, table, route, checked }, share: 1 }];
    case "throw":
    case "unicast": {
      const total = route.nexthops.reduce((s, n) => s + Math.max(1, n.weight), 0);
      return route.nexthops.map((nexthop) => ({
        decision: { type: "unicast", rule, table, route, nexthop, dev: nexthop.dev ?? "", gateway: nexthop.gateway, checked },
        share: Math.max(1, nexthop.weight) / total,
      }));
    }
  }
}
