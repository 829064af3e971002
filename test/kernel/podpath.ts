/**
 * podpath's side of the comparison: the `trace` CLI's answer for a probe, and the rules for deciding
 * whether the kernel's observation agrees with it.
 *
 * By default the built CLI (`dist/cli/run.js`, the function `dist/cli/bin.js` calls) is run in-process
 * with a capturing Io — the same code path as the binary without a node start-up per packet. Set
 * PODPATH_KERNEL_SPAWN=1 to spawn `node dist/cli/bin.js` for every packet instead.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Observation, Probe } from "./observe.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(REPO, "dist/cli/bin.js");
const RUN = join(REPO, "dist/cli/run.js");

// The contract the harness compares against is podpath's own.
export type { EgressJson, OutcomeJson, TraceJson } from "../../src/explain/json.js";
import type { OutcomeJson, TraceJson } from "../../src/explain/json.js";

export function cliBuilt(): boolean {
  return existsSync(BIN) && existsSync(RUN);
}

/** `--set NAME=VALUE` arguments: podpath answers with `whatif …`'s "after" trace instead of `trace`. */
export type WhatIfSets = readonly string[] | null;

export function traceArgs(inputs: readonly string[], p: Probe, json: boolean, whatif: WhatIfSets = null): string[] {
  const command = whatif ? ["whatif", ...inputs, ...whatif.flatMap((s) => ["--set", s])] : ["trace", ...inputs];
  const icmp = p.proto === 1 || p.proto === 58;
  const a = [...command, "--src", p.src, "--dst", p.dst, "--proto", icmp ? "icmp" : p.proto === 6 ? "tcp" : "udp",
    ...(icmp ? [] : ["--sport", String(p.sport), "--dport", String(p.dport)]), "--iif", p.iif ?? "none"];
  if (p.mark !== 0) a.push("--mark", `0x${p.mark.toString(16)}`);
  if (p.rpFilter !== undefined) a.push("--assume", `rp_filter=${p.rpFilter}`);
  if (json) a.push("--json");
  return a;
}

type RunFn = (argv: readonly string[], io: unknown) => Promise<number>;
let runFn: RunFn | null = null;

async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  if (runFn === null) runFn = ((await import(pathToFileURL(RUN).href)) as { run: RunFn }).run;
  let out = "";
  let err = "";
  const io = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    readStdin: () => "",
    stdoutIsTty: false,
    fs: {
      readFile: (p: string) => readFileSync(p),
      isDirectory: (p: string) => statSync(p).isDirectory(),
      listDir: (p: string) => readdirSync(p),
      size: (p: string) => statSync(p).size,
    },
  };
  const code = await runFn(argv, io);
  return { code, out, err };
}

function spawned(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...argv], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, cwd: REPO }, (e, out, err) => {
      res({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out, err });
    });
  });
}

export async function podpath(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return process.env.PODPATH_KERNEL_SPAWN === "1" ? spawned(argv) : inProcess(argv);
}

export async function podpathTrace(inputs: readonly string[], p: Probe, whatif: WhatIfSets = null): Promise<TraceJson> {
  const args = traceArgs(inputs, p, true, whatif);
  const r = await podpath(args);
  if (r.code !== 0) throw new Error(`podpath ${args.join(" ")} exited ${r.code}: ${r.err}`);
  const parsed = JSON.parse(r.out) as TraceJson | TraceJson[] | { after: TraceJson };
  const one = Array.isArray(parsed) ? (parsed[0] as TraceJson) : parsed;
  return "after" in one ? one.after : one;
}

export async function podpathText(inputs: readonly string[], p: Probe, whatif: WhatIfSets = null): Promise<string> {
  const r = await podpath(traceArgs(inputs, p, false, whatif));
  return r.out + r.err;
}

/** Why one podpath outcome does not describe what the kernel did, or null when it does. */
function mismatch(p: Probe, o: OutcomeJson, k: Observation): string | null {
  const v = o.verdict;
  if (v === "forwarded" || v === "sent") {
    if (k.kind !== "egress") return `podpath: ${v} via ${o.egress?.interface}; kernel: ${k.kind === "local" ? "delivered locally" : "not delivered to any peer"}`;
    if (o.egress?.interface !== k.iface) return `egress interface: podpath ${o.egress?.interface}, kernel ${k.iface}`;
  } else if (v === "delivered-locally") {
    if (k.kind !== "local") return `podpath: delivered locally; kernel: ${k.kind === "egress" ? `left by ${k.iface}` : "not delivered"}`;
  } else {
    if (k.kind !== "none") return `podpath: ${v}; kernel: ${k.kind === "egress" ? `left by ${k.iface}` : "delivered locally"}`;
    // A forwarded packet's sender learns of a REJECT (ICMP error or RST), never of a DROP. An
    // unroutable packet's ICMP error is rate-limited per sender outside the namespace's sysctls,
    // so its absence proves nothing.
    if (p.iif !== null && v === "dropped" && k.answer !== null) return `podpath: dropped silently; kernel: answered the sender (${k.answer})`;
    if (p.iif !== null && v === "rejected" && k.answer === null) return "podpath: rejected; kernel: sent nothing back to the sender";
    return null;
  }
  if (o.final.src !== k.src) return `final source: podpath ${o.final.src}, kernel ${k.src}`;
  if (o.final.dst !== k.dst) return `final destination: podpath ${o.final.dst}, kernel ${k.dst}`;
  if (o.final.dport !== null && o.final.dport !== k.dport) return `final dport: podpath ${o.final.dport}, kernel ${k.dport}`;
  // podpath gives no source port when SNAT picks one at random.
  if (o.final.sport !== null && o.final.sport !== k.sport) return `final sport: podpath ${o.final.sport}, kernel ${k.sport}`;
  const kernelSnat = k.src !== p.src;
  if (o.snat !== kernelSnat) return `snat: podpath ${o.snat}, kernel ${kernelSnat}`;
  return null;
}

export interface Verdicts {
  agree: boolean;
  /** Empty when agreeing; otherwise why each outcome failed. */
  reasons: string[];
}

/** The kernel agrees when its observation is one of podpath's outcomes (statistic branches give several). */
export function judge(p: Probe, t: TraceJson, k: Observation): Verdicts {
  const outcomes: OutcomeJson[] = t.outcomes;
  const reasons: string[] = [];
  for (const o of outcomes) {
    const why = mismatch(p, o, k);
    if (why === null) return { agree: true, reasons: [] };
    reasons.push(outcomes.length > 1 ? `[p=${o.probability}] ${why}` : why);
  }
  return { agree: false, reasons };
}

export function describeKernel(k: Observation): string {
  const where = k.kind === "egress" ? `left by ${k.iface}` : k.kind === "local" ? "delivered locally" : "reached no peer and was not delivered locally";
  const hdr = k.src ? ` as ${k.src}:${k.sport} → ${k.dst}:${k.dport}` : "";
  return `${where}${hdr} (${k.detail})`;
}

export function describePodpath(t: TraceJson): string {
  return t.outcomes.map((o) => `p=${o.probability} ${o.verdict} via ${o.egress?.interface ?? "-"} as ${o.final.src}:${o.final.sport} → ${o.final.dst}:${o.final.dport} snat=${o.snat}`).join(" | ");
}
