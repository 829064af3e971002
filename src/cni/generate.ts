/**
 * The rules a CNI layout writes for given settings, as `iptables-save` and `ip rule` print them.
 * Text, on purpose: what-if parses it with the same grammars as a real dump, so the generated node
 * is read exactly like a captured one.
 */
import { quoteValue } from "../parse/print-iptables.js";
import type { CniNode, CniSettings } from "./settings.js";

export interface GeneratedRule {
  table: "nat" | "mangle";
  chain: string;
  /** `-A CHAIN …` exactly as iptables-save prints it. */
  text: string;
}

export interface CniRules {
  /** User chains the layout declares (`:NAME - [0:0]`), per table. */
  chains: { table: "nat" | "mangle"; name: string }[];
  rules: GeneratedRule[];
  /** `PRIO:\tselector action`, as `ip rule` prints it. */
  ipRules: string[];
}

const hex = (n: number) => `0x${n.toString(16)}`;
const c = (text: string) => `-m comment --comment ${quoteValue(text)}`;
const dest = (cidr: string, negated = false) => (cidr === "0.0.0.0/0" ? "" : `${negated ? "! " : ""}-d ${cidr} `);
const randomFlag = (s: CniSettings) => (s.randomizeSnat === "prng" ? " --random-fully" : s.randomizeSnat === "hashrandom" ? " --random" : "");

function mangleRules(s: CniSettings, n: CniNode, withVlan: boolean): GeneratedRule[] {
  if (!s.nodePortSupport) return [];
  const m = hex(s.connmark);
  const out: GeneratedRule[] = [];
  if (n.primaryInterface) {
    out.push({ table: "mangle", chain: "PREROUTING", text: `-A PREROUTING -i ${n.primaryInterface} ${c("AWS, primary ENI")} -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark ${m}/${m}` });
  }
  out.push({ table: "mangle", chain: "PREROUTING", text: `-A PREROUTING -i ${s.vethPrefix}+ ${c("AWS, primary ENI")} -j CONNMARK --restore-mark --nfmask ${m} --ctmask ${m}` });
  if (withVlan) out.push({ table: "mangle", chain: "PREROUTING", text: `-A PREROUTING -i vlan+ ${c("AWS, primary ENI")} -j CONNMARK --restore-mark --nfmask ${m} --ctmask ${m}` });
  return out;
}

function podRules(n: CniNode, toCidrs: string[] | null): string[] {
  const out = n.pods.map((p) => `512:\tfrom all to ${p.ip} lookup main`);
  for (const p of n.pods) {
    if (p.table === "main") continue;
    if (toCidrs === null) out.push(`1536:\tfrom ${p.ip} lookup ${p.table}`);
    else for (const cidr of toCidrs) out.push(`1536:\tfrom ${p.ip} to ${cidr} lookup ${p.table}`);
  }
  return out;
}

/** Current releases: one AWS-SNAT-CHAIN-0 whose RETURN rules were each inserted at the top. */
function singleChain(s: CniSettings, n: CniNode): CniRules {
  const m = hex(s.connmark);
  const rules: GeneratedRule[] = [];
  const all = [...n.vpcCidrs.map((x) => ({ cidr: x, excluded: false })), ...s.excludeSnatCidrs.map((x) => ({ cidr: x, excluded: true }))].reverse();
  if (!s.externalSnat) {
    rules.push({ table: "nat", chain: "PREROUTING", text: `-A PREROUTING -i ${s.vethPrefix}+ ${c("AWS, outbound connections")} -j AWS-CONNMARK-CHAIN-0` });
    rules.push({ table: "nat", chain: "PREROUTING", text: `-A PREROUTING ${c("AWS, CONNMARK")} -j CONNMARK --restore-mark --nfmask ${m} --ctmask ${m}` });
    rules.push({ table: "nat", chain: "POSTROUTING", text: `-A POSTROUTING ${c("AWS SNAT CHAIN")} -j AWS-SNAT-CHAIN-0` });
    for (const { cidr, excluded } of all) {
      rules.push({ table: "nat", chain: "AWS-CONNMARK-CHAIN-0", text: `-A AWS-CONNMARK-CHAIN-0 ${dest(cidr)}${c(excluded ? "AWS CONNMARK CHAIN, EXCLUDED CIDR" : "AWS CONNMARK CHAIN, VPC CIDR")} -j RETURN` });
    }
    rules.push({ table: "nat", chain: "AWS-CONNMARK-CHAIN-0", text: `-A AWS-CONNMARK-CHAIN-0 ${c("AWS, CONNMARK")} -j CONNMARK --set-xmark ${m}/${m}` });
    for (const { cidr, excluded } of all) {
      rules.push({ table: "nat", chain: "AWS-SNAT-CHAIN-0", text: `-A AWS-SNAT-CHAIN-0 ${dest(cidr)}${c(excluded ? "AWS SNAT CHAIN EXCLUSION" : "AWS SNAT CHAIN")} -j RETURN` });
    }
    rules.push({ table: "nat", chain: "AWS-SNAT-CHAIN-0", text: `-A AWS-SNAT-CHAIN-0 ! -o vlan+ ${c("AWS, SNAT")} -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${n.snatIp ?? "0.0.0.0"}${randomFlag(s)}` });
  }
  rules.unshift(...mangleRules(s, n, n.vlanRestore));
  const ipRules = podRules(n, null);
  if (s.nodePortSupport) ipRules.push(`1024:\tfrom all fwmark ${m}/${m} lookup main`);
  for (const x of s.externalServiceCidrs) ipRules.push(`1535:\tfrom all to ${x} lookup main`);
  return { chains: [{ table: "nat", name: "AWS-CONNMARK-CHAIN-0" }, { table: "nat", name: "AWS-SNAT-CHAIN-0" }], rules, ipRules };
}

/** v1.3–v1.16.0: AWS-SNAT-CHAIN-i skips CIDR i and jumps on; the last chain SNATs. */
function chained(s: CniSettings, n: CniNode): CniRules {
  const cidrs = [...n.vpcCidrs, ...s.excludeSnatCidrs];
  const comment = n.typoComment ? "AWS SNAT CHAN" : "AWS SNAT CHAIN";
  const rules: GeneratedRule[] = [...mangleRules(s, n, n.vlanRestore)];
  const chains = cidrs.map((_, i) => ({ table: "nat" as const, name: `AWS-SNAT-CHAIN-${i}` }));
  chains.push({ table: "nat", name: `AWS-SNAT-CHAIN-${cidrs.length}` });
  if (!s.externalSnat) {
    rules.push({ table: "nat", chain: "POSTROUTING", text: `-A POSTROUTING ${c(comment)} -j AWS-SNAT-CHAIN-0` });
    cidrs.forEach((cidr, i) => rules.push({ table: "nat", chain: `AWS-SNAT-CHAIN-${i}`, text: `-A AWS-SNAT-CHAIN-${i} ${dest(cidr, true)}${c(comment)} -j AWS-SNAT-CHAIN-${i + 1}` }));
    const last = `AWS-SNAT-CHAIN-${cidrs.length}`;
    rules.push({ table: "nat", chain: last, text: `-A ${last} ${c("AWS, SNAT")} -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${n.snatIp ?? "0.0.0.0"}${randomFlag(s)}` });
  }
  // Pods on secondary ENIs use their ENI only towards the VPC and excluded CIDRs (all of it with external SNAT).
  const ipRules = podRules(n, s.externalSnat ? null : cidrs);
  if (s.nodePortSupport) ipRules.push(`1024:\tfrom all fwmark ${hex(s.connmark)}/${hex(s.connmark)} lookup main`);
  return { chains, rules, ipRules };
}

/** v1.0–v1.2: one SNAT rule for everything outside the VPC, and a "not to VPC" host rule. */
function legacy(s: CniSettings, n: CniNode): CniRules {
  const vpc = n.vpcCidrs[0] ?? "0.0.0.0/0";
  const rules: GeneratedRule[] = s.externalSnat ? [] : [
    { table: "nat", chain: "POSTROUTING", text: `-A POSTROUTING ${dest(vpc, true)}${c("AWS, SNAT")} -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${n.snatIp ?? "0.0.0.0"}${randomFlag(s)}` },
  ];
  const ipRules = podRules(n, null);
  if (!s.externalSnat) ipRules.push(`1024:\tnot from all to ${vpc} lookup main`);
  return { chains: [], rules, ipRules };
}

export class UnsupportedSetting extends Error {}

export function generateCniRules(s: CniSettings, n: CniNode): CniRules {
  switch (n.layout) {
    case "single-chain":
    case "external-snat":
      return singleChain(s, n);
    case "chained":
      return chained(s, n);
    case "legacy":
      if (s.excludeSnatCidrs.length > 0) throw new UnsupportedSetting("AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS needs CNI v1.6 or later; this node runs the v1.0–v1.2 layout");
      return legacy(s, n);
    case "none":
      throw new UnsupportedSetting("no Amazon VPC CNI rules were found on this node, so there is no layout to rewrite");
  }
}
