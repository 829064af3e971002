/** The plain-words answer: why the source was (not) translated, why this egress, and what would change it. */
import { addressEquals, formatAddress, formatPrefix, prefixContains } from "../model/address.js";
import type { IpRule } from "../model/routing.js";
import { cniFacts, type CniFacts, type CniLayout } from "../cni/layout.js";
import { isCniRule } from "../cni/settings.js";
import { eniOf, type EniInfo } from "../eval/eni.js";
import type { NodeFacts } from "../eval/node-facts.js";
import type { Outcome, TraceResult, TraceStep } from "../eval/types.js";
import { describeMatch, hexMark, ipRuleText, rulePlace, routeText } from "./describe.js";
import { rulesetOf } from "../model/node.js";
import type { Fix } from "../cni/suggest.js";

export const LAYOUT_NAMES: Record<CniLayout, string> = {
  "single-chain": "Amazon VPC CNI, single AWS-SNAT-CHAIN-0 layout (v1.16.1 and later)",
  chained: "Amazon VPC CNI, chained AWS-SNAT-CHAIN-0 → -1 → … layout (v1.3 to v1.16.0)",
  legacy: "Amazon VPC CNI, single POSTROUTING SNAT rule (v1.0 to v1.2)",
  "external-snat": "Amazon VPC CNI with AWS_VPC_K8S_CNI_EXTERNALSNAT=true (no SNAT rules)",
  none: "no Amazon VPC CNI SNAT rules found",
};

function ruleSteps(o: Outcome): Extract<TraceStep, { type: "rule" }>[] {
  return o.steps.filter((s): s is Extract<TraceStep, { type: "rule" }> => s.type === "rule");
}

export function eniWords(e: EniInfo): string {
  const id = e.eniId ? `${e.eniId}, ` : "";
  switch (e.role) {
    case "primary-eni": return `${e.interface} (${id}primary ENI, device 0${e.subnet ? `, subnet ${e.subnet}` : ""})`;
    case "secondary-eni": return `${e.interface} (${id}secondary ENI, device ${e.deviceNumber ?? "?"}${e.subnet ? `, subnet ${e.subnet}` : ""})`;
    case "branch-eni": return `${e.interface} (branch ENI, VLAN ${e.vlanId ?? "?"})`;
    case "pod-veth": return `${e.interface} (pod veth${e.podIps.length ? ` of ${e.podIps.join(", ")}` : ""})`;
    default: return e.interface;
  }
}

function snatWords(o: Outcome, cni: CniFacts, result: TraceResult): string[] {
  const out: string[] = [];
  const dst = o.final.dst;
  const dstText = formatAddress(dst);
  const s = o.snat;
  if (s && !addressEquals(s.from, s.to) && o.snatRule) {
    const rule = o.snatRule;
    if (s.masquerade && rule.chain === "KUBE-POSTROUTING") {
      const marker = ruleSteps(o).find((st) => st.outcome.matched && st.rule.chain === "KUBE-MARK-MASQ");
      const caller = o.steps.findLast((st, i) => st.type === "rule" && st.outcome.matched && st.rule.target?.type === "jump" && st.rule.target.chain === "KUBE-MARK-MASQ" && i >= 0);
      out.push(`SNAT: yes, masqueraded by kube-proxy, not by the CNI: ${caller && caller.type === "rule" ? rulePlace(caller.rule) : marker ? rulePlace(marker.rule) : "a KUBE-MARK-MASQ rule"} set mark 0x4000, so ${rulePlace(rule)} MASQUERADEs it to ${formatAddress(s.to)}, the source address the kernel picks for packets leaving by ${s.via ?? "the egress interface"}. That ends POSTROUTING, so AWS-SNAT-CHAIN-0 never sees this packet.`);
      out.push(`To change it: kube-proxy masquerades service traffic it cannot tell comes from the cluster (hairpin to the pod itself, or --cluster-cidr / masqueradeAll settings); the CNI's exclusions do not help here.`);
      return out;
    }
    if (isCniRule(rule)) {
      const passed = cni.noSnat.filter((n) => !prefixContains(n.prefix, dst)).map((n) => `${formatPrefix(n.prefix, true)}${n.exclusion ? " (excluded)" : ""}`);
      const reason = passed.length ? `${dstText} is outside ${passed.join(", ")}` : `${dstText} is not in any CIDR the CNI exempts`;
      out.push(`SNAT: yes. ${reason}, so ${rulePlace(rule)} SNATs it to ${formatAddress(s.to)}${s.masquerade ? "" : ", the node's primary IP"}.`);
      return out;
    }
    out.push(`SNAT: yes, ${formatAddress(s.from)} → ${formatAddress(s.to)} by ${rulePlace(rule)}${s.masquerade ? ` (MASQUERADE: the source address the kernel picks for packets leaving by ${s.via ?? "the egress interface"})` : ""}.`);
    return out;
  }
  if (s && addressEquals(s.from, s.to) && o.snatRule) {
    out.push(s.portChanged
      ? `SNAT: no address change; ${rulePlace(o.snatRule)} rewrote only the source port.`
      : `SNAT: no change; ${rulePlace(o.snatRule)} maps the connection to its own address and port.`);
  }
  if (result.packet.ctstate !== "NEW") {
    out.push(`SNAT: not decided here: the connection is ${result.packet.ctstate}, and nat rules only see a connection's first packet.`);
    return out;
  }
  const returned = ruleSteps(o).find((st) => st.outcome.matched && isCniRule(st.rule) && (st.rule.target?.type === "return" || st.rule.target?.type === "jump"));
  const exempt = cni.noSnat.find((n) => prefixContains(n.prefix, dst));
  if (exempt && returned) {
    out.push(`SNAT: no. ${dstText} is inside ${formatPrefix(exempt.prefix, true)}, ${exempt.exclusion ? "excluded by AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS" : "a VPC CIDR"} (${rulePlace(exempt.rule)}), so the CNI keeps the pod IP.`);
    return out;
  }
  const snatTry = cni.snatRule && ruleSteps(o).find((st) => st.rule === cni.snatRule);
  if (snatTry && !snatTry.outcome.matched) {
    const failed = cni.snatRule?.matches[snatTry.outcome.failedMatch];
    out.push(`SNAT: no. ${rulePlace(snatTry.rule)} did not match: ${failed ? describeMatch(failed) : "a condition"} is false for this packet.`);
    return out;
  }
  if (!s) {
    if (cni.layout === "external-snat") out.push("SNAT: no. The CNI writes no SNAT rule (AWS_VPC_K8S_CNI_EXTERNALSNAT=true): the pod IP leaves as is, and a NAT gateway must translate it.");
    else if (o.egress) out.push("SNAT: no. No nat rule translated the source.");
  }
  return out;
}

function egressWords(o: Outcome, result: TraceResult, facts: NodeFacts): string[] {
  const r = o.route;
  if (!r) return [];
  const out: string[] = [];
  if (r.type === "unicast" && o.egress) {
    const via = r.gateway ? ` via ${formatAddress(r.gateway)}` : "";
    const rule = r.rule ? `ip rule ${ipRuleText(r.rule)}` : "the default rules";
    out.push(`Egress: ${eniWords(eniOf(facts, r.dev))}${via}, route ${routeText(r.route)} in table ${r.table}, chosen by ${rule}.`);
    const fw = r.rule?.fwmark;
    if (fw) {
      const setter = o.steps.findLast((s) => s.type === "target" && (s.effect.type === "mark" || s.effect.type === "packet-mark-restored"));
      if (setter && setter.type === "target") out.push(`The mark ${hexMark(o.mark)} that ip rule matched was set by ${rulePlace(setter.rule)}.`);
    }
    // Rules meant for this packet's source that lost: skipped on a selector, or never reached.
    const mine = (rule: IpRule) => rule.from !== null && rule.from.len > 0 && prefixContains(rule.from, result.packet.src);
    for (const c of r.checked) {
      if (c.rule && !c.applied && c.failed && c.failed !== "from" && (mine(c.rule) || c.failed === "fwmark")) out.push(`ip rule ${ipRuleText(c.rule)} did not apply (${c.failed}).`);
    }
    const chosen = r.rule;
    if (chosen) {
      for (const later of facts.rules(result.packet.dst.family)) {
        if (later.priority > chosen.priority && mine(later)) out.push(`ip rule ${ipRuleText(later)} was not reached: ${chosen.priority} applied first.`);
      }
    }
  } else if (r.type === "local") {
    // Only the limited broadcast and the all-hosts group are delivered without a route (arrival.ts).
    const dst = formatAddress(o.final.dst);
    out.push(r.route !== null ? `Delivered to the node itself: ${dst} is local (table ${r.table}).`
      : dst === "255.255.255.255" ? `Delivered to the node itself: ${dst} is the limited broadcast address (no route lookup).`
      : `Delivered to the node itself: ${dst} is the all-hosts multicast group, which every interface joins (no route lookup).`);
  } else if (r.type === "martian" && r.check === "forward") {
    out.push(`Not forwarded: ${r.why}. IPv6 forwarding checks the source's scope before the FORWARD chain.`);
  } else if (r.type === "martian" && r.check === "multicast") {
    out.push(`Not delivered: ${r.why}. The kernel delivers an arriving multicast packet only to a group its interface has joined, and forwards none without multicast routing.`);
  } else if (r.type === "martian") {
    const where = o.final.dst.family === 6 ? "on receipt, before netfilter sees it"
      : r.check === "source" ? "in its input route check, after the route is found (fib_validate_source)" : "in its input route check, before any ip rule is consulted";
    out.push(`Refused on arrival as a martian ${r.which}: ${r.why}. The kernel drops it ${where}.`);
  } else {
    out.push(`Routing: ${r.type}${r.rule ? ` by ip rule ${ipRuleText(r.rule)}` : " (no rule or route matched)"}.`);
  }
  return out;
}

export function explainOutcome(o: Outcome, result: TraceResult, facts: NodeFacts): string {
  const cni = cniFacts(rulesetOf(facts.node, result.packet.dst.family));
  const lines: string[] = [];
  if (o.verdict === "dropped" || o.verdict === "rejected") {
    const d = o.decidedBy;
    if (d && "policy" in d) lines.push(`${o.verdict === "dropped" ? "Dropped" : "Rejected"} by the DROP policy of ${d.table} ${d.chain}.`);
    else if (d) lines.push(`${o.verdict === "dropped" ? "Dropped" : "Rejected"} by ${rulePlace(d)}.`);
    else if (o.route?.type === "martian") lines.push(o.route.check === "multicast" ? "Dropped: a multicast group not joined here." : `Dropped as a martian ${o.route.which}.`);
    else lines.push(`Dropped${o.route && o.route.type !== "unicast" && o.route.type !== "local" ? ` (${o.route.type} route)` : ""}.`);
  }
  if (o.dnat && o.dnatRule) {
    lines.push(`DNAT: ${formatAddress(o.dnat.from)} → ${formatAddress(o.dnat.to)}${o.dnat.port !== null ? `:${o.dnat.port}` : ""} by ${rulePlace(o.dnatRule)}${o.dnat.redirect ? " (REDIRECT)" : ""}.`);
  }
  if (o.verdict !== "dropped" && o.verdict !== "rejected") lines.push(...snatWords(o, cni, result));
  lines.push(...egressWords(o, result, facts));
  if (cni.layout !== "none") lines.push(`Layout: ${LAYOUT_NAMES[cni.layout]}${cni.typoComment ? ", with the \"AWS SNAT CHAN\" comment of releases before v1.6" : ""}.`);
  if (cni.snatRule && !cni.connmarkRules && cni.layout !== "external-snat") {
    lines.push("Note: the SNAT chain is present but no connmark rules are: on v1.23+ with nf_tables they live in an nft table iptables-save does not show, so the 0x80 mark state is unknown.");
  }
  return lines.join("\n");
}

/** A verified fix in words: what to set, what the what-if trace then showed, what else it changes. */
export function fixWords(f: Fix): string {
  const set = f.set.map((s) => `${s.name}=${s.value === "" ? '""' : s.value}`).join(" ");
  const goal = f.goal === "keep-pod-ip" ? "To keep the pod IP" : "To SNAT it instead";
  const after = `${f.after.snat ? `is then SNATed to ${f.after.src}` : `then leaves as ${f.after.src}`}${f.after.egress ? ` by ${f.after.egress}` : ""}`;
  return `${goal}: set ${set} (checked by a what-if trace: the packet ${after}). Side effects: ${f.sideEffects.join("; ")}.`;
}
