/**
 * What-if: rewrite the node's CNI-owned iptables rules and ip rules as its layout would write them
 * for other settings, leaving every other rule where it was, and hand back a node to trace.
 */
import { formatAddress } from "../model/address.js";
import { parseBundle } from "../model/bundle.js";
import { BUILTIN_CHAINS, renumbered, ruleSpec, type Chain, type Rule, type Ruleset, type Table } from "../model/netfilter.js";
import type { NodeModel } from "../model/node.js";
import type { Diagnostic } from "../diagnostics.js";
import { printAppend } from "../parse/print-iptables.js";
import { generateCniRules, type CniRules } from "./generate.js";
import { inferCni, isCniChain, isCniRule, type CniSettings, type InferredCni } from "./settings.js";

export interface RuleChange {
  op: "remove" | "add";
  kind: "iptables" | "ip rule";
  /** iptables table, for iptables changes. */
  table: string | null;
  text: string;
}

export interface WhatIf {
  before: InferredCni;
  settings: CniSettings;
  node: NodeModel;
  ruleDiff: RuleChange[];
  /** Problems reading the generated rules back (none, unless podpath itself is wrong). */
  diagnostics: Diagnostic[];
}

/** ip rule priorities the CNI owns: 512 to-pod, 1024 host rule, 1535 external service CIDRs, 1536 from-pod. */
const CNI_RULE_PRIORITIES = new Set([512, 1024, 1535, 1536]);

function ipRuleText(raw: string): string {
  return raw.trim().replace(/^(\d+):\s*/, "$1:\t").replace(/[ \t]+$/, "");
}

/** The generated rules alone, as an iptables-save file: built-in chains, the CNI's chains, its rules. */
function generatedText(generated: CniRules): string {
  const out: string[] = [];
  for (const table of ["mangle", "nat"] as const) {
    const rules = generated.rules.filter((r) => r.table === table);
    const chains = generated.chains.filter((c) => c.table === table);
    if (rules.length === 0 && chains.length === 0) continue;
    out.push(`*${table}`, ...BUILTIN_CHAINS[table].map((c) => `:${c} ACCEPT [0:0]`), ...chains.map((c) => `:${c.name} - [0:0]`));
    out.push(...rules.map((r) => r.text), "COMMIT");
  }
  return out.join("\n");
}

/**
 * The table with its CNI rules replaced: the CNI's chains swapped whole, and in built-in chains its
 * rules put back where its first one stood (appended when it had none there), others untouched.
 */
function spliceTable(old: Table | undefined, fresh: Table | undefined): Table | undefined {
  if (!old && !fresh) return undefined;
  const base = old ?? (fresh as Table);
  const chains = new Map<string, Chain>();
  for (const [chainName, chain] of base.chains) {
    if (isCniChain(chainName)) continue;
    const own = old ? (fresh?.chains.get(chainName)?.rules ?? []) : chain.rules;
    // Chains the CNI does not touch stay as they are (the same objects: a what-if node is cheap).
    // It writes only into its own chains and the built-in ones.
    if (old && own.length === 0 && (!chain.builtin || !chain.rules.some(isCniRule))) {
      chains.set(chainName, chain);
      continue;
    }
    const rules: Rule[] = [];
    let inserted = false;
    for (const rule of old ? chain.rules : []) {
      if (isCniRule(rule)) {
        if (!inserted) rules.push(...own);
        inserted = true;
      } else rules.push(rule);
    }
    if (!inserted && old) rules.push(...own);
    if (!old) rules.push(...own);
    chains.set(chainName, { ...chain, rules: rules.map((r, i) => (r.position === i + 1 && r.chain === chainName ? r : renumbered(r, i + 1))) });
  }
  for (const [chainName, chain] of fresh?.chains ?? []) if (isCniChain(chainName)) chains.set(chainName, chain);
  return { name: base.name, chains, origin: base.origin };
}

function cniLines(rs: Ruleset | null): { table: string; text: string }[] {
  const out: { table: string; text: string }[] = [];
  for (const t of rs?.tables.values() ?? []) {
    for (const ch of t.chains.values()) {
      if (!ch.builtin && !isCniChain(ch.name)) continue;
      for (const r of ch.rules as Rule[]) if (isCniRule(r)) out.push({ table: t.name, text: printAppend(r.chain, ruleSpec(r)) });
    }
  }
  return out;
}

/** Lines of `a` not in `b`, as a multiset, in `a`'s order. */
function minus<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return a.filter((x) => {
    const n = counts.get(key(x)) ?? 0;
    if (n === 0) return true;
    counts.set(key(x), n - 1);
    return false;
  });
}

export function applySettings(node: NodeModel, changes: Partial<CniSettings>, vpcCidrs?: string[]): WhatIf {
  const before = inferCni(node);
  const settings: CniSettings = { ...before.settings, ...changes };
  const cniNode = { ...before.node, ...(vpcCidrs ? { vpcCidrs } : {}) };
  if (cniNode.snatIp === null && cniNode.primaryInterface) {
    const addr = node.routing.interfaces.find((i) => i.name === cniNode.primaryInterface)?.addresses.find((a) => a.address.family === 4 && !a.secondary);
    if (addr) cniNode.snatIp = formatAddress(addr.address);
  }
  const generated = generateCniRules(settings, cniNode);
  const v4 = node.rulesets.find((r) => r.family === 4) ?? null;
  const fresh = parseBundle(`$ iptables-save\n${generatedText(generated)}\n`, "what-if");
  const freshRules = fresh.nodes[0]?.rulesets.find((r) => r.family === 4) ?? null;
  const tables = new Map(v4?.tables ?? []);
  for (const t of ["nat", "mangle"] as const) {
    const spliced = spliceTable(v4?.tables.get(t), freshRules?.tables.get(t));
    if (spliced) tables.set(t, spliced);
  }
  const newV4: Ruleset = { family: 4, tables };

  const oldIpRules = node.routing.rules.filter((r) => r.family === 4);
  // Without an ip rule listing the node has the kernel's defaults; they stay beside the CNI's rules.
  const defaults = node.routing.rulesGiven.includes(4) ? [] : ["0:\tfrom all lookup local", "32766:\tfrom all lookup main", "32767:\tfrom all lookup default"];
  const reread = parseBundle(`$ ip rule\n${[...defaults, ...generated.ipRules].join("\n")}\n`, "what-if");
  const newRules = [...oldIpRules.filter((r) => !CNI_RULE_PRIORITIES.has(r.priority)), ...(reread.nodes[0]?.routing.rules ?? [])]
    .sort((a, b) => a.priority - b.priority);
  const newNode: NodeModel = {
    ...node,
    rulesets: [newV4, ...node.rulesets.filter((r) => r.family !== 4)],
    routing: {
      ...node.routing,
      rules: [...newRules, ...node.routing.rules.filter((r) => r.family !== 4)],
      rulesGiven: [...new Set([...node.routing.rulesGiven, 4 as const])],
    },
  };

  const oldIpt = cniLines(v4);
  const newIpt = cniLines(newV4);
  const key = (x: { table: string; text: string }) => `${x.table} ${x.text}`;
  const oldRuleTexts = oldIpRules.filter((r) => CNI_RULE_PRIORITIES.has(r.priority)).map((r) => ipRuleText(r.origin.raw));
  const ruleDiff: RuleChange[] = [
    ...minus(oldIpt, newIpt, key).map((x) => ({ op: "remove" as const, kind: "iptables" as const, table: x.table, text: x.text })),
    ...minus(newIpt, oldIpt, key).map((x) => ({ op: "add" as const, kind: "iptables" as const, table: x.table, text: x.text })),
    ...minus(oldRuleTexts, generated.ipRules, (x) => x).map((text) => ({ op: "remove" as const, kind: "ip rule" as const, table: null, text })),
    ...minus(generated.ipRules, oldRuleTexts, (x) => x).map((text) => ({ op: "add" as const, kind: "ip rule" as const, table: null, text })),
  ];
  const diagnostics = [...fresh.diagnostics, ...reread.diagnostics].filter((d) => d.severity !== "info");
  return { before, settings, node: newNode, ruleDiff, diagnostics };
}
