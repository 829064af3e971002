/** `podpath whatif FILE... --set NAME=VALUE... --src IP --dst IP`: change the CNI's settings, diff its rules, re-trace. */
import { Command, Option } from "commander";
import { parseAssignment } from "../../cni/assignments.js";
import { UnsupportedSetting } from "../../cni/generate.js";
import { SETTING_NAMES, type CniSettings } from "../../cni/settings.js";
import { applySettings, type RuleChange } from "../../cni/whatif.js";
import { evaluate } from "../../eval/evaluate.js";
import { nodeFacts } from "../../eval/node-facts.js";
import { traceJson, type TraceJson } from "../../explain/json.js";
import { sanitize } from "../../explain/sanitize.js";
import { traceText } from "../../explain/text.js";
import { parsePrefix } from "../../model/address.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, reportDiagnostics, selectNodes } from "../node-select.js";
import { packetFromFlags, type PacketFlags } from "../packet-options.js";
import { addPacketOptions } from "./trace.js";

interface WhatIfOptions extends PacketFlags {
  set?: string[];
  vpcCidrs?: string;
  node?: string;
  json?: boolean;
}

export interface WhatIfJson {
  node: string;
  settings: { before: Record<string, string>; after: Record<string, string> };
  before: TraceJson;
  after: TraceJson;
  ruleDiff: RuleChange[];
}

function settingsText(s: CniSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(SETTING_NAMES) as [keyof CniSettings, string][]) {
    const v = s[key];
    out[name] = Array.isArray(v) ? v.join(",") : key === "connmark" ? `0x${(v as number).toString(16)}` : String(v);
  }
  return out;
}

function diffText(diff: readonly RuleChange[]): string[] {
  if (diff.length === 0) return ["  (no rule changes: the node already has these settings)"];
  return diff.map((c) => `  ${c.op === "add" ? "+" : "-"} ${c.kind === "iptables" ? `[${c.table}] ` : "[ip rule] "}${sanitize(c.text)}`);
}

export function whatifCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command("whatif")
    .description("rewrite the node's Amazon VPC CNI rules for other settings, show the rule diff, and trace the packet before and after")
    .argument("<files...>", "dump files, node directories, or - for standard input")
    .addOption(new Option("--set <NAME=VALUE>", `a CNI setting (repeatable): ${Object.values(SETTING_NAMES).join(", ")}`).argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option("--vpc-cidrs <list>", "the VPC's CIDRs, when the rules do not show them (external SNAT nodes)")
    .option("--node <name>", "which node of a multi-node paste")
    .option("--json", "print { before, after, ruleDiff, settings }");
  addPacketOptions(cmd);
  return cmd.action((files: string[], opts: WhatIfOptions) => {
    let changes: Partial<CniSettings> = {};
    for (const a of opts.set ?? []) {
      const parsed = parseAssignment(a);
      if ("error" in parsed) throw new CliError(parsed.error);
      changes = { ...changes, ...parsed };
    }
    if ((opts.set ?? []).length === 0) throw new CliError("--set NAME=VALUE is required (what should change?)");
    const vpc = opts.vpcCidrs?.split(",").map((s) => s.trim()).filter(Boolean);
    for (const c of vpc ?? []) if ("error" in parsePrefix(c)) throw new CliError(`--vpc-cidrs: "${c}" is not a CIDR`);
    const bundle = loadBundle(io, files);
    reportDiagnostics(io, bundle.diagnostics, false);
    const results: WhatIfJson[] = [];
    for (const node of selectNodes(bundle, opts.node)) {
      let w;
      try {
        w = applySettings(node, changes, vpc);
      } catch (e) {
        if (e instanceof UnsupportedSetting) throw new CliError(`${node.name}: ${e.message}`);
        throw e;
      }
      // Generated rules that do not read back cleanly would be podpath's own bug: say so loudly.
      if (w.diagnostics.length > 0) throw new CliError(`internal: the rewritten rules did not parse: ${w.diagnostics[0]?.message}`, 70);
      const beforeFacts = nodeFacts(node);
      const afterFacts = nodeFacts(w.node);
      results.push({
        node: node.name,
        settings: { before: settingsText(w.before.settings), after: settingsText(w.settings) },
        before: traceJson(evaluate(beforeFacts, packetFromFlags(opts, beforeFacts)), beforeFacts),
        after: traceJson(evaluate(afterFacts, packetFromFlags(opts, afterFacts)), afterFacts),
        ruleDiff: w.ruleDiff,
      });
    }
    if (opts.json) {
      io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    } else {
      for (const r of results) {
        const changed = Object.keys(r.settings.after).filter((k) => r.settings.after[k] !== r.settings.before[k]);
        io.stdout(`node ${sanitize(r.node)}: ${changed.map((k) => `${k}: ${r.settings.before[k] || "(empty)"} → ${r.settings.after[k] || "(empty)"}`).join("; ") || "no setting changed"}\n`);
        io.stdout(`\nrule changes:\n${diffText(r.ruleDiff).join("\n")}\n`);
        io.stdout(`\n── before ──\n${traceText(r.before, { rules: "matched" })}\n`);
        io.stdout(`\n── after ──\n${traceText(r.after, { rules: "matched" })}\n`);
      }
    }
    setExit(0);
  });
}
