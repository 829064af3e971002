/**
 * One differential run: build a node in namespaces, send its probes through the real kernel in batches,
 * ask podpath about each, compare, and record every comparison in the results file that `run.mjs`
 * summarises (`kernel agreement: K/N packets`).
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeModel } from "../../src/model/node.js";
import { buildNode, type BuiltNode } from "./build-node.js";
import { Session } from "./netns.js";
import { Observer, type Observation, type Probe } from "./observe.js";
import { describeKernel, describePodpath, judge, podpathText, podpathTrace, traceArgs, type TraceJson, type WhatIfSets } from "./podpath.js";

export const RESULTS_FILE = process.env.PODPATH_KERNEL_RESULTS ?? join(tmpdir(), "podpath-kernel-results.jsonl");

export interface Disagreement {
  node: string;
  probe: Probe;
  kernel: Observation;
  podpath: TraceJson | null;
  reasons: string[];
  text: string;
  /** The what-if settings podpath was asked about, if any. */
  whatif: WhatIfSets;
}

export interface NodeRun {
  compared: number;
  agreed: number;
  disagreements: Disagreement[];
  warnings: string[];
}

const BATCH = 400;
/** Full text traces printed per node; every disagreement is still counted and recorded. */
const MAX_TEXT_TRACES = 8;

export function probeCommand(inputs: readonly string[], p: Probe, whatif: WhatIfSets = null): string {
  return `podpath ${traceArgs(inputs, p, false, whatif).join(" ")}`;
}

/**
 * The built node as the real tools print it, into a fresh directory: podpath must read their output
 * as it reads the dump the node was built from (the same answer for every probe). A dump the tools
 * did not print, however carefully written, could hide a format podpath reads wrongly.
 */
function redump(built: BuiltNode): string {
  const dir = mkdtempSync(join(tmpdir(), "pp-redump-"));
  const run = (cmd: readonly string[]) => built.session.exec(built.nodeNs, cmd);
  const files: Record<string, readonly string[]> = {
    "iptables-save.txt": ["iptables-save"],
    "ip-rule.txt": ["ip", "-4", "rule"],
    "ip-route.txt": ["ip", "-4", "route", "show", "table", "all"],
    "ip-addr.txt": ["ip", "addr"],
    ...(built.ipv6 ? { "ip6tables-save.txt": ["ip6tables-save"], "ip6-rule.txt": ["ip", "-6", "rule"], "ip6-route.txt": ["ip", "-6", "route", "show", "table", "all"] } : {}),
  };
  for (const [name, cmd] of Object.entries(files)) writeFileSync(join(dir, name), run(cmd));
  return dir;
}

/**
 * Builds `node`, sends `probes`, compares with podpath run on `inputs` (the dump files/dir) and on
 * the real tools' dump of the built node: a probe agrees when both answers agree with the kernel.
 */
export async function runNode(suite: string, label: string, node: NodeModel, inputs: readonly string[], probes: readonly Probe[], neighbours: readonly string[], whatif: WhatIfSets = null): Promise<NodeRun> {
  const session = new Session();
  const res: NodeRun = { compared: 0, agreed: 0, disagreements: [], warnings: [] };
  let observer: Observer | null = null;
  let redumped: string | null = null;
  try {
    // One node, one rp_filter: the probes' (podpath's default when they give none).
    const rpFilter = probes[0]?.rpFilter;
    if (probes.some((p) => p.rpFilter !== rpFilter)) throw new Error(`${label}: probes ask for different rp_filter values`);
    const built = buildNode(session, node, { neighbours, ...(rpFilter === undefined ? {} : { rpFilter }) });
    res.warnings.push(...built.warnings);
    redumped = redump(built);
    observer = new Observer(built);
    await observer.start();
    const usable = probes.filter((p) => p.iif === null || built.wires.has(p.iif));
    for (let i = 0; i < usable.length; i += BATCH) {
      const batch = usable.slice(i, i + BATCH);
      const seen = await observer.send(batch);
      for (let j = 0; j < batch.length; j++) {
        const p = batch[j]!;
        const k = seen[j]!;
        let t: TraceJson | null = null;
        let reasons: string[];
        try {
          t = await podpathTrace(inputs, p, whatif);
          reasons = judge(p, t, k).reasons;
          // The node as built (for a what-if run, the rewritten one), read from the real tools' dump.
          const again = await podpathTrace([redumped], p, null);
          reasons.push(...judge(p, again, k).reasons.map((r) => `read from the real tools' dump of the built node (${describePodpath(again)}): ${r}`));
        } catch (e) {
          reasons = [`podpath failed: ${(e as Error).message.split("\n")[0]}`];
        }
        res.compared++;
        const agree = reasons.length === 0;
        if (agree) res.agreed++;
        else {
          const text = res.disagreements.length < MAX_TEXT_TRACES ? await podpathText(inputs, p, whatif) : "";
          res.disagreements.push({ node: label, probe: p, kernel: k, podpath: t, reasons, text, whatif });
        }
        appendFileSync(RESULTS_FILE, `${JSON.stringify({ suite, node: label, agree, probe: p, kernel: k, podpath: t && describePodpath(t), reasons })}\n`);
      }
    }
  } finally {
    observer?.close();
    session.cleanup();
    if (redumped !== null) rmSync(redumped, { recursive: true, force: true });
  }
  return res;
}

export function report(d: Disagreement, inputs: readonly string[]): string {
  return [
    `✗ ${d.node}: ${probeCommand(inputs, d.probe, d.whatif)}`,
    `  kernel : ${describeKernel(d.kernel)}`,
    `  podpath: ${d.podpath ? describePodpath(d.podpath) : "(no answer)"}`,
    ...d.reasons.map((r) => `  why    : ${r}`),
    ...(d.text ? ["  podpath trace:", ...d.text.trimEnd().split("\n").map((l) => `    ${l}`)] : []),
  ].join("\n");
}
