/**
 * "How do I fix it?": the smallest CNI setting change that gives the packet the other answer (keep
 * the pod IP, or SNAT it), each verified by tracing the what-if node, with its side effects.
 */
import { formatAddress, formatPrefix, prefixContains, parsePrefix } from "../model/address.js";
import type { NodeModel } from "../model/node.js";
import { evaluate } from "../eval/evaluate.js";
import { nodeFacts } from "../eval/node-facts.js";
import type { Outcome, PacketInput, TraceResult } from "../eval/types.js";
import { UnsupportedSetting } from "./generate.js";
import { SETTING_NAMES, inferCni, isCniRule, type CniSettings } from "./settings.js";
import { applySettings } from "./whatif.js";

export interface Fix {
  goal: "keep-pod-ip" | "snat";
  /** Environment variable assignments, as the CNI's DaemonSet takes them. */
  set: { name: string; value: string }[];
  /** What the what-if trace gave for the packet: it must show the goal reached. */
  after: { snat: boolean; egress: string | null; src: string };
  sideEffects: string[];
}

function addressChanged(o: Outcome): boolean {
  return o.snat !== null && o.snat.from.value !== o.snat.to.value;
}

function cniSnat(o: Outcome): boolean {
  return addressChanged(o) && o.snatRule !== null && isCniRule(o.snatRule);
}

function verify(node: NodeModel, packet: PacketInput, changes: Partial<CniSettings>, vpc?: string[]) {
  try {
    const w = applySettings(node, changes, vpc);
    const result = evaluate(nodeFacts(w.node), packet);
    const o = result.outcomes;
    if (o.length === 0) return null;
    const snat = o.every(addressChanged) ? true : o.every((x) => !addressChanged(x)) ? false : null;
    if (snat === null) return null;
    const first = o[0] as Outcome;
    return { snat, egress: first.egress?.interface ?? null, src: formatAddress(first.final.src) };
  } catch (e) {
    if (e instanceof UnsupportedSetting) return null;
    throw e;
  }
}

/** Fixes for a traced packet that leaves the node; none when the CNI did not decide its source. */
export function suggestFixes(node: NodeModel, packet: PacketInput, result: TraceResult): Fix[] {
  const outcomes = result.outcomes.filter((o) => o.egress !== null);
  if (outcomes.length === 0 || packet.iif === null || packet.ctstate !== "NEW") return [];
  const cni = inferCni(node);
  if (cni.node.layout === "none") return [];
  const fixes: Fix[] = [];
  const dst = formatAddress(packet.dst);
  const excl = cni.settings.excludeSnatCidrs;
  const list = (xs: string[]) => xs.join(",");

  if (outcomes.every(cniSnat)) {
    const target = `${dst}/32`;
    const v = verify(node, packet, { excludeSnatCidrs: [...excl, target] });
    if (v && !v.snat) {
      fixes.push({
        goal: "keep-pod-ip",
        set: [{ name: SETTING_NAMES.excludeSnatCidrs, value: list([...excl, target]) }],
        after: v,
        sideEffects: [
          `every pod's traffic to ${target} keeps its pod IP${v.egress ? ` (this packet would leave by ${v.egress})` : ""}; the destination's network must route the pod subnets back to this VPC (peering, Transit Gateway or VPN routes), or replies are lost`,
        ],
      });
    }
    const ext = verify(node, packet, { externalSnat: true });
    if (ext && !ext.snat) {
      fixes.push({
        goal: "keep-pod-ip",
        set: [{ name: SETTING_NAMES.externalSnat, value: "true" }],
        after: ext,
        sideEffects: [
          "the node SNATs no pod traffic at all: pods reach the internet only through a NAT gateway in their subnets' route tables",
          `pods on secondary ENIs then leave by their own ENI${ext.egress ? ` (this packet: ${ext.egress})` : ""}`,
        ],
      });
    }
    return fixes;
  }
  if (outcomes.every((o) => !addressChanged(o))) {
    const covering = excl.filter((c) => {
      const p = parsePrefix(c);
      return !("error" in p) && prefixContains(p, packet.dst);
    });
    if (covering.length > 0) {
      const rest = excl.filter((c) => !covering.includes(c));
      const v = verify(node, packet, { excludeSnatCidrs: rest });
      if (v?.snat) {
        fixes.push({
          goal: "snat",
          set: [{ name: SETTING_NAMES.excludeSnatCidrs, value: list(rest) }],
          after: v,
          sideEffects: [`every pod's traffic to ${covering.join(", ")} is then SNATed to ${v.src} and leaves by ${v.egress ?? "the primary ENI"}`],
        });
      }
    } else if (cni.settings.externalSnat && cni.node.vpcCidrs.length === 0) {
      // VPC CIDRs are not in an external-SNAT node's rules; the routes' connected subnets hint at them.
      const subnets = node.routing.routes.filter((r) => r.table === "main" && r.family === 4 && r.type === "unicast" && r.proto === "kernel").map((r) => formatPrefix(r.dst, true));
      const v = subnets.length ? verify(node, packet, { externalSnat: false }, subnets) : null;
      if (v?.snat) {
        fixes.push({
          goal: "snat",
          set: [{ name: SETTING_NAMES.externalSnat, value: "false" }],
          after: v,
          sideEffects: [`the node SNATs pod traffic leaving the VPC to ${v.src}; verified with the VPC taken as ${subnets.join(", ")} (the connected subnets): the real VPC CIDRs decide which destinations are exempt`],
        });
      }
    }
  }
  return fixes;
}
