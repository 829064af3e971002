/**
 * Randomised differential test: CNI-style + kube-proxy-style nodes, IPv4 and IPv6, generated as dump text (seeded by
 * PODPATH_SEED, printed), parsed by podpath, built in namespaces, probed with random packets.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseInputs } from "../../src/model/bundle.js";
import { generateNode } from "./gen-node.js";
import { generateNode6 } from "./gen-node6.js";
import { report, runNode } from "./harness.js";
import { kernelUnsupportedReason } from "./netns.js";
import { probesFor, rng, seedFromEnv } from "./packets.js";
import { cliBuilt } from "./podpath.js";

const NODES = Number(process.env.PODPATH_KERNEL_RANDOM_NODES ?? 16);
/** EKS IPv6 nodes (gen-node6.ts), after the IPv4 ones. */
const NODES6 = Number(process.env.PODPATH_KERNEL_RANDOM_NODES6 ?? 4);
const PER_NODE = Number(process.env.PODPATH_KERNEL_PER_NODE ?? 130);
const unsupported = kernelUnsupportedReason() ?? (cliBuilt() ? null : "kernel tests skipped: podpath is not built (npm run build)");
const seed = seedFromEnv();
/** IPv4 nodes take rp_filter in turn: podpath's default (2, not given), strict (1) and off (0), given to podpath with --assume. */
const RP_FILTERS = [undefined, 1, 0] as const;

describe.skipIf(unsupported !== null)("random nodes against the kernel", () => {
  console.log(`random: PODPATH_SEED=${seed} (${NODES} IPv4 and ${NODES6} IPv6 nodes × ~${PER_NODE} packets)`);
  test.each(Array.from({ length: NODES + NODES6 }, (_, i) => i))("random node %i", async (i) => {
    const r = rng((seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const family = i < NODES ? 4 : 6;
    const gen = family === 4 ? generateNode(r, i) : generateNode6(r, i);
    const dir = mkdtempSync(join(tmpdir(), `pp-kernel-${gen.label}-`));
    try {
      for (const [name, text] of Object.entries(gen.files)) writeFileSync(join(dir, name), text);
      const bundle = parseInputs([{ node: gen.label, files: Object.entries(gen.files).map(([name, text]) => ({ name: join(dir, name), text })) }]);
      const errors = bundle.diagnostics.filter((d) => d.severity === "error");
      expect(errors.map((d) => `${d.file}:${d.line}: ${d.message} | ${d.excerpt}`), `${gen.label}: podpath could not parse the generated dump`).toEqual([]);
      const node = bundle.nodes[0]!;
      const made = probesFor(node, r, gen.label, PER_NODE, family);
      const rpFilter = family === 4 ? RP_FILTERS[i % RP_FILTERS.length] : undefined;
      const probes = rpFilter === undefined ? made.probes : made.probes.map((p) => ({ ...p, rpFilter }));
      const run = await runNode("random", gen.label, node, [dir], probes, made.neighbours);
      for (const w of run.warnings) console.log(`${gen.label}: harness: ${w}`);
      const text = run.disagreements.map((d) => report(d, [dir])).join("\n\n");
      const rp = rpFilter === undefined ? "" : `, rp_filter ${rpFilter}`;
      console.log(`${gen.label} (seed ${seed}, node ${i}${rp}): ${run.agreed}/${run.compared} packets agree${text ? `\n${text}` : ""}`);
      if (run.disagreements.length > 0) {
        for (const [name, t] of Object.entries(gen.files)) console.log(`----- ${gen.label} ${name}\n${t}`);
      }
      expect(run.compared).toBeGreaterThan(0);
      expect(run.disagreements.length, `${gen.label}: ${run.disagreements.length} disagreements (PODPATH_SEED=${seed})\n${text}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
