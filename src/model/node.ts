/** A node as podpath knows it: its netfilter rulesets, routing, interfaces and (when given) ipamd's view. */
import type { Diagnostic } from "../diagnostics.js";
import type { Family } from "./address.js";
import type { Flow } from "./conntrack.js";
import type { IpamdInfo } from "./ipamd.js";
import type { Ruleset } from "./netfilter.js";
import type { RoutingModel } from "./routing.js";
import type { SectionFormat } from "../parse/sections.js";

/** What a paste held, for summaries: one entry per recognised section. */
export interface SectionSummary {
  format: SectionFormat;
  origin: string | null;
  file: string;
  firstLine: number;
  lines: number;
}

export interface NodeModel {
  name: string;
  /** One ruleset per address family present in the dumps. */
  rulesets: Ruleset[];
  routing: RoutingModel;
  ipamd: IpamdInfo | null;
  /** Conntrack flows the bundle held (`conntrack -L`), for `podpath explain`. */
  flows: Flow[];
  sections: SectionSummary[];
  skippedLines: number;
}

export interface Bundle {
  nodes: NodeModel[];
  diagnostics: Diagnostic[];
}

export function rulesetOf(node: NodeModel, family: Family): Ruleset | null {
  return node.rulesets.find((r) => r.family === family) ?? null;
}

/** Whether kube-proxy (iptables mode) programs the node's IPv4 rules: its KUBE-SERVICES chain is there. */
export function runsKubeProxy(node: NodeModel): boolean {
  return rulesetOf(node, 4)?.tables.get("nat")?.chains.has("KUBE-SERVICES") === true;
}
