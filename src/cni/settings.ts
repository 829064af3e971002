/**
 * The Amazon VPC CNI's effective settings, read back from the rules it wrote (domain notes §3), and
 * compared with what ipamd reports when its settings JSON is in the bundle.
 */
import { formatAddress, formatPrefix, type Prefix } from "../model/address.js";
import { ruleComment, type Chain, type Rule, type Ruleset } from "../model/netfilter.js";
import type { NodeModel } from "../model/node.js";
import { rulesetOf } from "../model/node.js";
import type { IpRule } from "../model/routing.js";
import { cniFacts, type CniLayout } from "./layout.js";

export type Randomize = "prng" | "hashrandom" | "none";

/** The settings that shape the CNI's rules, as environment variables name them. */
export interface CniSettings {
  /** AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, in the order the setting lists them. */
  excludeSnatCidrs: string[];
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT. */
  externalSnat: boolean;
  /** AWS_VPC_K8S_CNI_RANDOMIZESNAT: prng → --random-fully, hashrandom → --random. */
  randomizeSnat: Randomize;
  /** AWS_VPC_K8S_CNI_CONNMARK. */
  connmark: number;
  /** AWS_VPC_K8S_CNI_VETHPREFIX. */
  vethPrefix: string;
  /** AWS_VPC_CNI_NODE_PORT_SUPPORT. */
  nodePortSupport: boolean;
  /** AWS_EXTERNAL_SERVICE_CIDRS. */
  externalServiceCidrs: string[];
  /** ENABLE_POD_ENI (security groups for pods). */
  podEni: boolean;
}

/** What the node is, beyond settings: the VPC, the primary ENI, pods and their tables. */
export interface CniNode {
  layout: CniLayout;
  /** Which releases wrote this layout. */
  releases: string;
  /** "AWS SNAT CHAN" comments (before v1.6). */
  typoComment: boolean;
  vpcCidrs: string[];
  primaryInterface: string | null;
  snatIp: string | null;
  /** Pods by IP with the route table of their ENI ("main" for the primary ENI). */
  pods: { ip: string; table: string }[];
  /** The nat connmark chain exists (it moved to nft in v1.23+ on nf_tables hosts). */
  natConnmark: boolean;
  /** mangle's `-i vlan+` restore rule (releases with security groups for pods). */
  vlanRestore: boolean;
}

export interface Drift {
  setting: string;
  message: string;
}

export interface InferredCni {
  settings: CniSettings;
  node: CniNode;
  drift: Drift[];
}

export const SETTING_NAMES = {
  excludeSnatCidrs: "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS",
  externalSnat: "AWS_VPC_K8S_CNI_EXTERNALSNAT",
  randomizeSnat: "AWS_VPC_K8S_CNI_RANDOMIZESNAT",
  connmark: "AWS_VPC_K8S_CNI_CONNMARK",
  vethPrefix: "AWS_VPC_K8S_CNI_VETHPREFIX",
  nodePortSupport: "AWS_VPC_CNI_NODE_PORT_SUPPORT",
  externalServiceCidrs: "AWS_EXTERNAL_SERVICE_CIDRS",
  podEni: "ENABLE_POD_ENI",
} as const satisfies Record<keyof CniSettings, string>;

export const RELEASES: Record<CniLayout, string> = {
  legacy: "v1.0–v1.2",
  chained: "v1.3–v1.16.0",
  "single-chain": "v1.16.1 and later",
  "external-snat": "any (external SNAT writes no SNAT rules)",
  none: "unknown",
};

const cidr = (p: Prefix) => formatPrefix(p, true);

/** Rules the CNI owns in a table: its chains, and built-in-chain rules carrying its comments. */
export function isCniChain(name: string): boolean {
  return /^AWS-(SNAT|CONNMARK)-CHAIN-\d+$/.test(name);
}

export function isCniRule(rule: Rule): boolean {
  if (isCniChain(rule.chain)) return true;
  const c = ruleComment(rule);
  return /^AWS[ ,]/.test(c);
}

function chainRules(ruleset: Ruleset | null, table: "nat" | "mangle", chain: string): Rule[] {
  return (ruleset?.tables.get(table)?.chains.get(chain) as Chain | undefined)?.rules ?? [];
}

function podsOf(rules: readonly IpRule[]): { ip: string; table: string }[] {
  const pods = new Map<string, string>();
  for (const r of rules) {
    if (r.priority === 512 && r.to && r.action.type === "lookup" && !r.from) pods.set(formatAddress(r.to), pods.get(formatAddress(r.to)) ?? "main");
  }
  for (const r of rules) {
    if (r.priority === 1536 && r.from && r.action.type === "lookup") pods.set(formatAddress(r.from), r.action.table);
  }
  return [...pods].map(([ip, table]) => ({ ip, table }));
}

export function inferCni(node: NodeModel): InferredCni {
  const rs = rulesetOf(node, 4);
  const facts = cniFacts(rs);
  const nat = (chain: string) => chainRules(rs, "nat", chain);
  const mangle = chainRules(rs, "mangle", "PREROUTING").filter((r) => ruleComment(r) === "AWS, primary ENI");
  const snat = facts.snatRule;
  const exclusions = facts.noSnat.filter((n) => n.exclusion).map((n) => cidr(n.prefix)).reverse();
  let vpc = facts.noSnat.filter((n) => !n.exclusion).map((n) => cidr(n.prefix));
  // The single-chain layout inserts each CIDR at the top, so the chain lists them in reverse.
  if (facts.layout === "single-chain") vpc = vpc.reverse();
  const connmarkRule = nat("AWS-CONNMARK-CHAIN-0").find((r) => r.target?.type === "connmark-set") ?? mangle.find((r) => r.target?.type === "connmark-set");
  const connmark = connmarkRule?.target?.type === "connmark-set" ? connmarkRule.target.value : 0x80;
  const vethMatch = [...mangle, ...nat("PREROUTING").filter(isCniRule)].flatMap((r) => r.matches)
    .find((m) => m.type === "in-interface" && m.pattern.wildcard && m.pattern.name !== "vlan");
  const primary = mangle.flatMap((r) => r.matches).find((m) => m.type === "in-interface" && !m.pattern.wildcard);
  const ipRules = node.routing.rules.filter((r) => r.family === 4);
  const settings: CniSettings = {
    excludeSnatCidrs: exclusions,
    externalSnat: facts.layout === "external-snat",
    randomizeSnat: snat?.target?.type === "snat" ? (snat.target.randomFully ? "prng" : snat.target.random ? "hashrandom" : "none") : "prng",
    connmark,
    vethPrefix: vethMatch?.type === "in-interface" ? vethMatch.pattern.name : "eni",
    nodePortSupport: mangle.length > 0,
    externalServiceCidrs: ipRules.filter((r) => r.priority === 1535 && r.to).map((r) => cidr(r.to as Prefix)),
    podEni: ipRules.some((r) => r.priority === 10 && r.iif !== null),
  };
  const inferred: InferredCni = {
    settings,
    node: {
      layout: facts.layout,
      releases: RELEASES[facts.layout],
      typoComment: facts.typoComment,
      vpcCidrs: vpc.length ? vpc : legacyVpc(ipRules),
      primaryInterface: primary?.type === "in-interface" ? primary.pattern.name : primaryFromRoutes(node),
      snatIp: snat?.target?.type === "snat" && snat.target.to.addrLo ? formatAddress(snat.target.to.addrLo) : null,
      pods: podsOf(ipRules),
      natConnmark: (rs?.tables.get("nat")?.chains.get("AWS-CONNMARK-CHAIN-0")?.rules.length ?? 0) > 0,
      vlanRestore: mangle.some((r) => r.matches.some((m) => m.type === "in-interface" && m.pattern.wildcard && m.pattern.name === "vlan")),
    },
    drift: [],
  };
  inferred.drift = driftOf(node, inferred, rs);
  return inferred;
}

function legacyVpc(rules: readonly IpRule[]): string[] {
  return rules.filter((r) => r.priority === 1024 && r.not && r.to).map((r) => cidr(r.to as Prefix));
}

function primaryFromRoutes(node: NodeModel): string | null {
  const def = node.routing.routes.find((r) => r.table === "main" && r.family === 4 && r.dst.len === 0);
  return def?.nexthops[0]?.dev ?? null;
}

function listOf(text: string | undefined): string[] {
  return (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** Where the rules and ipamd's settings (or the rules and themselves) disagree. */
function driftOf(node: NodeModel, inferred: InferredCni, rs: Ruleset | null): Drift[] {
  const drift: Drift[] = [];
  const nat = rs?.tables.get("nat");
  const { settings, node: n } = inferred;
  const env = node.ipamd?.settings ?? {};
  const envList = (key: string) => listOf(env[key]);
  if (SETTING_NAMES.excludeSnatCidrs in env) {
    const want = envList(SETTING_NAMES.excludeSnatCidrs);
    for (const c of want) if (!settings.excludeSnatCidrs.includes(c)) drift.push({ setting: SETTING_NAMES.excludeSnatCidrs, message: `ipamd's settings exclude ${c}, but no rule implements that exclusion` });
    for (const c of settings.excludeSnatCidrs) if (!want.includes(c)) drift.push({ setting: SETTING_NAMES.excludeSnatCidrs, message: `the rules exclude ${c}, but ipamd's settings do not list it` });
  }
  if (SETTING_NAMES.externalSnat in env) {
    const want = /^true$/i.test(env[SETTING_NAMES.externalSnat] ?? "");
    if (want !== settings.externalSnat) drift.push({ setting: SETTING_NAMES.externalSnat, message: `ipamd says ${want}, but the rules ${settings.externalSnat ? "have no SNAT jump" : "still SNAT"}` });
  }
  if (SETTING_NAMES.randomizeSnat in env && n.layout !== "external-snat") {
    const want = (env[SETTING_NAMES.randomizeSnat] ?? "").toLowerCase();
    if (want && want !== settings.randomizeSnat) drift.push({ setting: SETTING_NAMES.randomizeSnat, message: `ipamd says ${want}, but the SNAT rule uses ${settings.randomizeSnat}` });
  }
  if (n.layout === "single-chain" && nat?.chains.has("AWS-SNAT-CHAIN-1")) {
    drift.push({ setting: "layout", message: "stale AWS-SNAT-CHAIN-1 (and later) chains from a chained release are still declared after the upgrade to the single-chain layout" });
  }
  const post = nat?.chains.get("POSTROUTING")?.rules ?? [];
  const jumps = post.filter((r) => r.target?.type === "jump" && r.target.chain === "AWS-SNAT-CHAIN-0");
  if (jumps.length > 1) drift.push({ setting: "layout", message: `POSTROUTING jumps to AWS-SNAT-CHAIN-0 ${jumps.length} times (${jumps.map((r) => `"${ruleComment(r)}"`).join(", ")}): an old "AWS SNAT CHAN" jump survived an upgrade` });
  if (n.layout === "single-chain" && !n.natConnmark) {
    drift.push({ setting: SETTING_NAMES.connmark, message: "the SNAT chain is present but the nat connmark rules are not: on v1.23+ with nf_tables they live in an nft table that iptables-save does not show, so the connmark state is unknown" });
  }
  return drift;
}
