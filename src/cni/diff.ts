/**
 * Where two nodes differ in ways that change verdicts: the CNI's settings and layout, kube-proxy's
 * services, policy rules — each difference checked by tracing a probe packet on both nodes.
 */
import { formatAddress, parsePrefix, type IpAddr } from "../model/address.js";
import type { NodeModel } from "../model/node.js";
import { rulesetOf } from "../model/node.js";
import { evaluate } from "../eval/evaluate.js";
import { vethOfPod } from "../eval/eni.js";
import { nodeFacts } from "../eval/node-facts.js";
import { inferCni, SETTING_NAMES, type CniSettings } from "./settings.js";

export interface NodeDifference {
  kind: "layout" | "setting" | "service" | "ip rule";
  /** What differs, in words ("missing the exclusion for 172.20.0.0/16"). */
  message: string;
  /** A probe packet whose verdict differs because of it, when one was found. */
  probe: { src: string; dst: string; a: string; b: string } | null;
}

function services(node: NodeModel): Set<string> {
  const out = new Set<string>();
  for (const r of rulesetOf(node, 4)?.tables.get("nat")?.chains.get("KUBE-SERVICES")?.rules ?? []) {
    const d = r.matches.find((m) => m.type === "destination");
    const p = r.matches.find((m) => m.type === "port" && m.which === "dst");
    const proto = r.matches.find((m) => m.type === "protocol");
    if (d?.type === "destination" && d.prefix.len === 32) {
      out.add(`${formatAddress(d.prefix)}:${p?.type === "port" ? p.range.lo : "*"}/${proto?.type === "protocol" ? proto.name : "any"}`);
    }
  }
  return out;
}

/** Host-level ip rules (not the per-pod 512/1536 ones), as text. */
function hostRules(node: NodeModel): Set<string> {
  return new Set(node.routing.rules.filter((r) => r.family === 4 && r.priority !== 512 && r.priority !== 1536)
    .map((r) => r.origin.raw.trim().replace(/\s+/g, " ")));
}

/** A pod of the node, preferably on a secondary ENI (where SNAT and egress both depend on the CNI). */
function probePod(node: NodeModel): string | null {
  const pods = inferCni(node).node.pods;
  return (pods.find((p) => p.table !== "main") ?? pods[0])?.ip ?? null;
}

function hostIn(cidr: string): IpAddr | null {
  const p = parsePrefix(cidr);
  if ("error" in p || p.family !== 4) return null;
  return { family: 4, value: p.len >= 31 ? p.value : p.value + 1n };
}

/** The probe's outcome in words, and a key that ignores what naturally differs between nodes (names, node IPs). */
function verdictOf(node: NodeModel, src: string, dst: IpAddr): { text: string; key: string } {
  const facts = nodeFacts(node);
  const srcAddr = parsePrefix(src);
  if ("error" in srcAddr) return { text: "?", key: "?" };
  const from: IpAddr = { family: 4, value: srcAddr.value };
  const iif = vethOfPod(facts, from);
  const r = evaluate(facts, { src: from, dst, proto: 6, sport: 40000, dport: 443, iif, mark: 0, ctstate: "NEW", ctmark: 0, assume: {} });
  const snatted = (o: (typeof r.outcomes)[number]) => o.snat !== null && o.snat.from.value !== o.snat.to.value;
  return {
    text: [...new Set(r.outcomes.map((o) => `${o.verdict}, ${snatted(o) && o.snat ? `SNAT to ${formatAddress(o.snat.to)}` : "no SNAT"}${o.egress ? `, out ${o.egress.interface}` : ""}`))].join(" | "),
    key: [...new Set(r.outcomes.map((o) => `${o.verdict} ${snatted(o)}`))].sort().join("|"),
  };
}

function probe(a: NodeModel, b: NodeModel, dst: IpAddr | null): NodeDifference["probe"] {
  const pa = probePod(a);
  const pb = probePod(b);
  if (!dst || !pa || !pb) return null;
  const va = verdictOf(a, pa, dst);
  const vb = verdictOf(b, pb, dst);
  return va.key === vb.key ? null : { src: `${pa} on ${a.name}, ${pb} on ${b.name}`, dst: formatAddress(dst), a: va.text, b: vb.text };
}

function listDiff(a: NodeModel, b: NodeModel, key: "excludeSnatCidrs" | "externalServiceCidrs", what: string, out: NodeDifference[], sa: CniSettings, sb: CniSettings): void {
  for (const c of sa[key]) if (!sb[key].includes(c)) out.push({ kind: "setting", message: `${b.name} is missing the ${what} for ${c} (${SETTING_NAMES[key]})`, probe: probe(a, b, hostIn(c)) });
  for (const c of sb[key]) if (!sa[key].includes(c)) out.push({ kind: "setting", message: `${a.name} is missing the ${what} for ${c} (${SETTING_NAMES[key]})`, probe: probe(a, b, hostIn(c)) });
}

export function diffNodes(a: NodeModel, b: NodeModel): NodeDifference[] {
  const out: NodeDifference[] = [];
  const ca = inferCni(a);
  const cb = inferCni(b);
  if (ca.node.layout !== cb.node.layout) out.push({ kind: "layout", message: `CNI layout: ${a.name} has ${ca.node.layout} (${ca.node.releases}), ${b.name} has ${cb.node.layout} (${cb.node.releases})`, probe: null });
  for (const c of ca.node.vpcCidrs) if (!cb.node.vpcCidrs.includes(c) && cb.node.vpcCidrs.length) out.push({ kind: "setting", message: `${b.name} does not treat ${c} as a VPC CIDR`, probe: probe(a, b, hostIn(c)) });
  listDiff(a, b, "excludeSnatCidrs", "SNAT exclusion", out, ca.settings, cb.settings);
  listDiff(a, b, "externalServiceCidrs", "external service CIDR", out, ca.settings, cb.settings);
  for (const key of ["externalSnat", "randomizeSnat", "connmark", "vethPrefix", "nodePortSupport", "podEni"] as const) {
    const va = ca.settings[key];
    const vb = cb.settings[key];
    if (va !== vb) {
      out.push({
        kind: "setting",
        message: `${SETTING_NAMES[key]}: ${a.name} ${String(va)}, ${b.name} ${String(vb)}`,
        probe: key === "externalSnat" ? probe(a, b, { family: 4, value: 0xcb007109n }) : null, // 203.0.113.9
      });
    }
  }
  const sa = services(a);
  const sb = services(b);
  for (const s of sa) if (!sb.has(s)) out.push({ kind: "service", message: `${b.name} has no kube-proxy rule for service ${s}`, probe: null });
  for (const s of sb) if (!sa.has(s)) out.push({ kind: "service", message: `${a.name} has no kube-proxy rule for service ${s}`, probe: null });
  const ra = hostRules(a);
  const rb = hostRules(b);
  for (const r of ra) if (!rb.has(r)) out.push({ kind: "ip rule", message: `${b.name} lacks ip rule "${r}"`, probe: null });
  for (const r of rb) if (!ra.has(r)) out.push({ kind: "ip rule", message: `${a.name} lacks ip rule "${r}"`, probe: null });
  return out;
}

