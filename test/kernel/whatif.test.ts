/**
 * What-if nodes against the kernel: a node rewritten for other CNI settings is just another node.
 * The rewritten model is built in namespaces; podpath answers with `podpath whatif … --set …`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAssignment } from "../../src/cni/assignments.js";
import type { CniSettings } from "../../src/cni/settings.js";
import { applySettings } from "../../src/cni/whatif.js";
import { parseInputs } from "../../src/model/bundle.js";
import { report, runNode } from "./harness.js";
import { kernelUnsupportedReason } from "./netns.js";
import { probesFor, rng, seedFromEnv } from "./packets.js";
import { cliBuilt, REPO } from "./podpath.js";

const FILES = ["iptables-save.txt", "ip-rule.txt", "ip-route.txt", "ip-addr.txt"];
const PER_CASE = Number(process.env.PODPATH_KERNEL_PER_WHATIF ?? 120);

const CASES: [string, string[]][] = [
  ["eks-al2023-two-enis", ["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=172.20.0.0/16,203.0.113.0/24,198.51.100.0/25"]],
  ["eks-al2023-two-enis", ["AWS_VPC_K8S_CNI_EXTERNALSNAT=true"]],
  ["eks-al2-current-exclusions", ["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=", "AWS_VPC_K8S_CNI_RANDOMIZESNAT=none"]],
  ["cni-v1.5-chained", ["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=10.0.0.0/8,203.0.113.0/24"]],
  ["sgp-branch-eni", ["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=203.0.113.0/24", "AWS_VPC_K8S_CNI_CONNMARK=0x100"]],
];

const unsupported = kernelUnsupportedReason() ?? (cliBuilt() ? null : "kernel tests skipped: podpath is not built (npm run build)");
if (unsupported) console.log(unsupported);
const seed = seedFromEnv();

describe.skipIf(unsupported !== null)("what-if nodes against the kernel", () => {
  test.each(CASES)("%s with %s", async (scenario, sets) => {
    const dir = join(REPO, "fixtures", scenario);
    const bundle = parseInputs([{ node: scenario, files: FILES.map((f) => ({ name: join(dir, f), text: readFileSync(join(dir, f), "utf8") })) }]);
    let changes: Partial<CniSettings> = {};
    for (const s of sets) {
      const c = parseAssignment(s);
      if ("error" in c) throw new Error(c.error);
      changes = { ...changes, ...c };
    }
    const w = applySettings(bundle.nodes[0]!, changes);
    expect(w.diagnostics).toEqual([]);
    const r = rng(seed ^ sets.join().length ^ scenario.length);
    const { probes, neighbours } = probesFor(w.node, r, `${scenario}-whatif`, PER_CASE);
    const inputs = [join("fixtures", scenario)];
    const run = await runNode("what-if", `${scenario} ${sets.join(" ")}`, w.node, inputs, probes, neighbours, sets);
    const text = run.disagreements.map((d) => report(d, inputs)).join("\n\n");
    console.log(`${scenario} what-if ${sets.join(" ")}: ${run.agreed}/${run.compared} packets agree${text ? `\n${text}` : ""}`);
    expect(run.compared).toBeGreaterThan(0);
    expect(run.disagreements.length, text).toBe(0);
  });
});
