/** Recognises which Amazon VPC CNI release layout programmed a node's nat rules (domain notes §3). */
import type { Prefix } from "../model/address.js";
import { ruleComment, type Rule, type Ruleset } from "../model/netfilter.js";

export type CniLayout =
  | "single-chain"   // v1.16.1 and later: AWS-SNAT-CHAIN-0 with RETURN rules, SNAT last
  | "chained"        // v1.3–v1.16.0: AWS-SNAT-CHAIN-0 → -1 → … ; "AWS SNAT CHAN" before v1.6
  | "legacy"         // v1.0–v1.2: one SNAT rule in POSTROUTING
  | "external-snat"  // AWS_VPC_K8S_CNI_EXTERNALSNAT=true: no SNAT jump
  | "none";          // no trace of the CNI's SNAT rules

export interface CniFacts {
  layout: CniLayout;
  /** "AWS SNAT CHAN" typo: chained layout before v1.6. */
  typoComment: boolean;
  /** Destinations the CNI does not SNAT, with the rule that says so and whether it is an exclusion. */
  noSnat: { prefix: Prefix; rule: Rule; exclusion: boolean }[];
  snatRule: Rule | null;
  /** Connmark rules present (nat PREROUTING / AWS-CONNMARK-CHAIN-0). v1.23+ on nf_tables keeps them in nft. */
  connmarkRules: boolean;
}

function destination(rule: Rule): { prefix: Prefix; negated: boolean } | null {
  for (const m of rule.matches) if (m.type === "destination") return { prefix: m.prefix, negated: m.negated };
  return null;
}

export function cniFacts(ruleset: Ruleset | null): CniFacts {
  const nat = ruleset?.tables.get("nat");
  const facts: CniFacts = { layout: "none", typoComment: false, noSnat: [], snatRule: null, connmarkRules: false };
  if (!nat) return facts;
  facts.connmarkRules = nat.chains.has("AWS-CONNMARK-CHAIN-0") ||
    (nat.chains.get("PREROUTING")?.rules ?? []).some((r) => r.target?.type === "connmark-restore");
  const post = nat.chains.get("POSTROUTING")?.rules ?? [];
  const legacy = post.find((r) => r.target?.type === "snat" && /AWS, SNAT/.test(ruleComment(r)));
  if (legacy) {
    const d = destination(legacy);
    facts.layout = "legacy";
    facts.snatRule = legacy;
    if (d?.negated) facts.noSnat.push({ prefix: d.prefix, rule: legacy, exclusion: false });
    return facts;
  }
  const jumps = post.some((r) => r.target?.type === "jump" && r.target.chain === "AWS-SNAT-CHAIN-0");
  const chain0 = nat.chains.get("AWS-SNAT-CHAIN-0");
  if (!jumps) {
    if (chain0 || nat.chains.has("AWS-CONNMARK-CHAIN-0")) facts.layout = "external-snat";
    return facts;
  }
  // Chained only when chain 0 actually jumps on; a declared but unused AWS-SNAT-CHAIN-1 is a leftover.
  const chainsOn = (chain0?.rules ?? []).some((r) => r.target?.type === "jump" && r.target.chain === "AWS-SNAT-CHAIN-1");
  facts.layout = chainsOn ? "chained" : "single-chain";
  for (let i = 0; ; i++) {
    const chain = nat.chains.get(`AWS-SNAT-CHAIN-${i}`);
    if (!chain) break;
    for (const r of chain.rules) {
      const c = ruleComment(r);
      if (c.includes("AWS SNAT CHAN") && !c.includes("CHAIN")) facts.typoComment = true;
      const d = destination(r);
      if (r.target?.type === "snat") facts.snatRule = r;
      else if (d && ((r.target?.type === "return" && !d.negated) || (r.target?.type === "jump" && d.negated))) {
        facts.noSnat.push({ prefix: d.prefix, rule: r, exclusion: /EXCLUSION/.test(c) });
      }
    }
  }
  return facts;
}
