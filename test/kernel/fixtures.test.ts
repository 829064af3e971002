/**
 * The fixtures against the real kernel: every fixtures/<scenario>/ with iptables-save.txt, ip-rule.txt,
 * ip-route.txt and ip-addr.txt is rebuilt in network namespaces, and the packet classes derived from it
 * (pod → internet, VPC, excluded CIDRs, ClusterIPs, other pods; node → internet, marked; NodePort and
 * pod traffic arriving on ENIs; random pairs) are sent through the kernel and through podpath.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseInputs } from "../../src/model/bundle.js";
import { report, runNode } from "./harness.js";
import { kernelUnsupportedReason } from "./netns.js";
import { probesFor, rng, seedFromEnv } from "./packets.js";
import { cliBuilt, REPO } from "./podpath.js";

const FILES = ["iptables-save.txt", "ip-rule.txt", "ip-route.txt", "ip-addr.txt"];
const PER_FIXTURE = Number(process.env.PODPATH_KERNEL_PER_FIXTURE ?? 220);
const fixturesDir = join(REPO, "fixtures");
const scenarios = existsSync(fixturesDir)
  ? readdirSync(fixturesDir).filter((d) => FILES.every((f) => existsSync(join(fixturesDir, d, f)))).sort()
  : [];

const unsupported = kernelUnsupportedReason() ?? (cliBuilt() ? null : "kernel tests skipped: podpath is not built (npm run build)");
if (unsupported) console.log(unsupported);
const seed = seedFromEnv();

describe.skipIf(unsupported !== null)("fixtures against the kernel", () => {
  console.log(`fixtures: PODPATH_SEED=${seed}`);
  test.each(scenarios)("%s", async (scenario) => {
    const dir = join(fixturesDir, scenario);
    const bundle = parseInputs([{ node: scenario, files: FILES.map((f) => ({ name: join(dir, f), text: readFileSync(join(dir, f), "utf8") })) }]);
    const node = bundle.nodes[0];
    expect(node, `${scenario}: no node parsed`).toBeDefined();
    const r = rng(seed ^ [...scenario].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
    const { probes, neighbours } = probesFor(node!, r, scenario, PER_FIXTURE);
    const inputs = [join("fixtures", scenario)];
    const run = await runNode("fixtures", scenario, node!, inputs, probes, neighbours);
    for (const w of run.warnings) console.log(`${scenario}: harness: ${w}`);
    const text = run.disagreements.map((d) => report(d, inputs)).join("\n\n");
    console.log(`${scenario}: ${run.agreed}/${run.compared} packets agree${text ? `\n${text}` : ""}`);
    expect(run.compared).toBeGreaterThan(0);
    expect(run.disagreements.length, `${scenario}: ${run.disagreements.length} disagreements\n${text}`).toBe(0);
  });
});
