/** Words for model and trace data: a match as iptables writes it, a rule's place, an ip rule, a route. */
import { formatAddress, formatPrefix, type IpAddr } from "../model/address.js";
import { ruleSpec, type Match, type Rule, type Target } from "../model/netfilter.js";
import type { IpRule, Route } from "../model/routing.js";
import { printAppend } from "../parse/print-iptables.js";
import type { Assumption } from "../eval/types.js";

const hex = (n: number) => `0x${n.toString(16)}`;
const not = (m: { negated: boolean }) => (m.negated ? "! " : "");
const range = (r: { lo: number; hi: number }) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}:${r.hi}`);

type Describers = { [K in Match["type"]]: (m: Extract<Match, { type: K }>) => string };

const MATCH: Describers = {
  source: (m) => `${not(m)}-s ${formatPrefix(m.prefix, true)}`,
  destination: (m) => `${not(m)}-d ${formatPrefix(m.prefix, true)}`,
  "in-interface": (m) => `${not(m)}-i ${m.pattern.name}${m.pattern.wildcard ? "+" : ""}`,
  "out-interface": (m) => `${not(m)}-o ${m.pattern.name}${m.pattern.wildcard ? "+" : ""}`,
  protocol: (m) => `${not(m)}-p ${m.name}`,
  fragment: (m) => `${not(m)}-f`,
  addrtype: (m) => [
    m.src && `${not(m.src)}--src-type ${m.src.types.join(",")}`,
    m.dst && `${not(m.dst)}--dst-type ${m.dst.types.join(",")}`,
    m.limitIfaceIn && "--limit-iface-in",
    m.limitIfaceOut && "--limit-iface-out",
  ].filter(Boolean).join(" "),
  mark: (m) => `-m mark ${not(m)}--mark ${hex(m.value)}/${hex(m.mask)}`,
  connmark: (m) => `-m connmark ${not(m)}--mark ${hex(m.value)}/${hex(m.mask)}`,
  ctstate: (m) => `${not(m)}--ctstate ${m.states.join(",")}`,
  ctorig: (m) => `${not(m)}--ctorig${m.which} ${formatPrefix(m.prefix, true)}`,
  ctorigport: (m) => `${not(m)}--ctorig${m.which}port ${range(m.range)}`,
  ctdir: (m) => `--ctdir ${m.dir}`,
  port: (m) => `${not(m)}--${m.which === "src" ? "sport" : "dport"} ${range(m.range)}`,
  tcpflags: (m) => `${not(m)}--tcp-flags ${m.mask.join(",")} ${m.comp.join(",")}`,
  multiport: (m) => `${not(m)}--${m.which === "src" ? "sports" : m.which === "dst" ? "dports" : "ports"} ${m.ranges.map(range).join(",")}`,
  icmp: (m) => `${not(m)}--icmp-type ${m.icmpType ?? "any"}${m.code === null ? "" : `/${m.code}`}`,
  iprange: (m) => `${not(m)}--${m.which}-range ${formatAddress(m.lo)}-${formatAddress(m.hi)}`,
  pkttype: (m) => `${not(m)}--pkt-type ${m.pktType}`,
  length: (m) => `${not(m)}--length ${range(m.range)}`,
  random: (m) => `${not(m)}-m statistic --mode random --probability ${m.probability}`,
  physdev: () => "-m physdev",
  // A base option podpath cannot evaluate (`-s` with a mask that is no prefix) is its own text.
  opaque: (m) => (m.module.startsWith("-") ? m.what : `-m ${m.module} (${m.what})`),
};

/**
 * Words, kept per model object: a full trace of a big node names tens of thousands of rules and
 * failed criteria, and every trace after the first names the same ones again.
 */
function remembered<K extends object>(of: (k: K) => string): (k: K) => string {
  const kept = new WeakMap<K, string>();
  return (k) => {
    let text = kept.get(k);
    if (text === undefined) {
      text = of(k);
      kept.set(k, text);
    }
    return text;
  };
}

/** A criterion as iptables writes it. */
export const describeMatch = remembered((m: Match) => (MATCH[m.type] as (m: Match) => string)(m));

/** `-A CHAIN …` exactly as iptables -S prints it. */
export const ruleText = remembered((rule: Rule) => printAppend(rule.chain, ruleSpec(rule)));

/** Where a rule was written: `file:line`. */
export const ruleAt = remembered((rule: Rule) => `${rule.origin.file}:${rule.origin.line}`);

/** "rule 3 of nat AWS-SNAT-CHAIN-0 (iptables-save.txt:17)". */
export function rulePlace(rule: Rule): string {
  return `rule ${rule.position} of ${rule.table} ${rule.chain} (${rule.origin.file}:${rule.origin.line})`;
}

export function ipRuleText(rule: IpRule): string {
  return rule.origin.raw.trim().replace(/\s+/g, " ");
}

export function routeText(route: Route): string {
  return route.origin.raw.trim().replace(/\s+/g, " ");
}

export function addr(a: IpAddr | null): string | null {
  return a === null ? null : formatAddress(a);
}

export function hexMark(n: number): string {
  return hex(n);
}

/** An assumption in words, for outcome lists. */
export function describeAssumption(a: Assumption): string {
  switch (a.type) {
    case "random":
      return `${rulePlace(a.rule)} ${a.matched ? "picked" : "not picked"} by statistic random (p=${round(a.probability)})`;
    case "opaque":
      return `${a.given ? "given" : "assumed"}: ${a.match.what} is ${a.matched ? "true" : "false"} for ${rulePlace(a.rule)}`;
    case "multipath":
      return `multipath route ${routeText(a.route)} picked nexthop ${a.nexthop.dev ?? ""}${a.nexthop.gateway ? ` via ${formatAddress(a.nexthop.gateway)}` : ""} (p=${round(a.probability)})`;
    case "target": {
      const does = UNKNOWN_TARGET[a.target.why];
      const taken = a.taken === "continue" ? "letting it go on to the next rule" : a.taken === "accept" ? "accepting it" : "dropping it";
      const answer = a.target.why === "queue" && !a.given ? ` (--assume ${a.target.name}=${a.taken === "accept" ? "true" : "false"} keeps only this outcome)` : "";
      return `${a.given ? "given: " : ""}${a.target.name} of ${rulePlace(a.rule)} ${does}; taken as ${taken}${answer}`;
    }
    case "default-rules":
      return `no ip rule listing for IPv${a.family}: used the kernel's defaults (0 local, 32766 main, 32767 default)`;
    case "missing-table":
      return `no ${a.table} table in the dump: treated as empty with ACCEPT policies`;
    case "not-member":
      return `${a.iface} has not joined multicast group ${formatAddress(a.group)} (no dump shows memberships; ip maddr show dev ${a.iface} lists them)`;
    case "not-new":
      return `connection state ${a.ctstate}: nat rules are not consulted, and the translation an existing connection already has is not in the dump`;
    case "sysctl": {
      const mode = (v: number) => (a.name === "rp_filter" ? `${v} (${RP_FILTER_MODES[v] ?? "?"})` : `${v}`);
      const head = `${a.name} is ${mode(a.value)}${a.iface === null ? "" : ` on ${a.iface}`}`;
      if (a.otherwise === undefined) {
        return a.given ? `given: ${head}` : `${head} (no dump shows it: ${a.reason}; --assume ${a.name}=${a.value ? "false" : "true"} for the other answer)`;
      }
      const flag = (v: number) => `--assume ${a.name}=${a.name === "rp_filter" ? v : v ? "true" : "false"}`;
      const others = a.otherwise.map((o) => `with ${mode(o.value)} it is ${o.dropped === null ? "accepted" : `dropped: ${o.dropped}`} (${flag(o.value)})`).join("; ");
      return a.given ? `given: ${head}; ${others}` : `${head} (no dump shows it: ${a.reason}); ${others}`;
    }
  }
}

const RP_FILTER_MODES = ["off", "strict", "loose"];

const UNKNOWN_TARGET: Record<Extract<Target, { type: "unknown" }>["why"], string> = {
  queue: "hands the packet to the program reading its queue (with none reading, the kernel drops it, or accepts it under --queue-bypass)",
  unmodelled: "does what podpath does not model",
  refused: "was not read (iptables-restore refuses it: see the error on its line)",
};

export function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}
