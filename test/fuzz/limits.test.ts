/**
 * Limits: huge lines, huge comments, pathological rulesets. Each is bounded in time and memory, and
 * evaluation says when it stopped (`truncated: true`). Problems the fuzzing once found are
 * pinned here.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAddress } from "../../src/model/address.js";
import { parseBundle } from "../../src/model/bundle.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { DEFAULT_LIMITS, type Limits } from "../../src/eval/netfilter.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import type { PacketInput } from "../../src/eval/types.js";
import { traceJson, type TraceJson } from "../../src/explain/json.js";
import { traceText } from "../../src/explain/text.js";
import { runCli } from "../helpers.js";

const ROUTES = "$ ip route\ndefault via 10.0.0.254 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1\n";
const FILTER_HEAD = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

function addr(s: string) {
  const a = parseAddress(s);
  if ("error" in a) throw new Error(s);
  return a;
}
/** A packet forwarded through the node (it reaches FORWARD). */
const PACKET: PacketInput = {
  src: addr("10.9.0.1"), dst: addr("10.0.0.2"), proto: 6, sport: 40000, dport: 80, iif: "eth1", mark: 0, ctstate: "NEW", ctmark: 0, assume: {},
};

function trace(save: string, limits: Limits = DEFAULT_LIMITS): { json: TraceJson; text: string; ms: number; diagnostics: string[] } {
  const t0 = performance.now();
  const bundle = parseBundle(`${ROUTES}$ sudo iptables-save\n${save}`, "node.txt");
  const node = bundle.nodes[0];
  if (!node) throw new Error("no node");
  const facts = nodeFacts(node);
  const json = traceJson(evaluate(facts, PACKET, limits), facts);
  const text = traceText(json);
  return { json, text, ms: performance.now() - t0, diagnostics: bundle.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity}: ${d.message}`) };
}

function deepChain(n: number): string {
  const out = [FILTER_HEAD.trimEnd()];
  for (let i = 0; i < n; i++) out.push(`:C${i} - [0:0]`);
  out.push("-A FORWARD -j C0");
  for (let i = 0; i < n - 1; i++) out.push(`-A C${i} -j C${i + 1}`);
  out.push(`-A C${n - 1} -j DROP`, "COMMIT", "");
  return out.join("\n");
}

const totalSteps = (j: TraceJson) => j.outcomes.reduce((n, o) => n + o.steps.length, 0);

describe("pathological rulesets", () => {
  it("a 1000-deep jump chain: parsed, evaluated to the depth limit, and says it stopped", () => {
    const r = trace(deepChain(1000));
    expect(r.diagnostics.filter((d) => /error/.test(d))).toEqual([]);
    expect(r.json.truncated).toBe(true);
    expect(r.json.outcomes[0]?.steps.some((s) => s.type === "limit")).toBe(true);
    expect(r.text).toMatch(/evaluation stopped/);
    expect(r.text).toMatch(/cut short/);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("a jump cycle A → B → A: reported as a loop, evaluation stops at the depth limit", () => {
    const r = trace(`${FILTER_HEAD}:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A A -j B\n-A B -j A\nCOMMIT\n`);
    expect(r.diagnostics.some((d) => /rule loop in table filter: A → B → A/.test(d))).toBe(true);
    expect(r.json.truncated).toBe(true);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("a goto cycle (no call depth grows): stopped by the step limit", () => {
    const r = trace(`${FILTER_HEAD}:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A A -g B\n-A B -g A\nCOMMIT\n`);
    expect(r.json.truncated).toBe(true);
    expect(r.json.outcomes).toHaveLength(1);
    expect(totalSteps(r.json)).toBeLessThanOrEqual(2 * DEFAULT_LIMITS.maxSteps + 20);
    // Generous: 400,000 steps through traceJson and traceText take about a second on a laptop.
    expect(r.ms).toBeLessThan(15_000);
  });

  it("300 statistic branches: at most 256 outcomes, truncated, and the trace says so", () => {
    const lines = ["*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"];
    for (let i = 0; i < 300; i++) lines.push(`-A PREROUTING -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${i}/0xffffffff`);
    const r = trace(`${lines.join("\n")}\nCOMMIT\n`);
    expect(r.json.outcomes.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxWorlds);
    expect(r.json.outcomes.length).toBeGreaterThan(1);
    expect(r.json.truncated).toBe(true);
    expect(r.json.outcomes.some((o) => o.steps.some((s) => s.type === "limit" && s.what === "outcomes"))).toBe(true);
    expect(r.text).toMatch(/too many outcomes/);
    expect(r.ms).toBeLessThan(20_000);
  });

  // The step budget is shared by every world and table of a trace (forks inside a goto loop once ran
  // 256 × 200,000 steps and out of memory on a 300-byte input).
  it("the step limit bounds the whole trace, even when forks happen inside a goto loop", () => {
    const limits: Limits = { maxSteps: 1_000, maxWorlds: 16, maxDepth: 128 };
    const r = trace(`${FILTER_HEAD}:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A A -m statistic --mode random --probability 0.5 -j MARK --set-xmark 0x1/0x1\n-A A -g B\n-A B -g A\nCOMMIT\n`, limits);
    expect(r.json.truncated).toBe(true);
    expect(totalSteps(r.json)).toBeLessThanOrEqual(4 * limits.maxSteps);
  });

  // The loop check walks chains with an explicit stack.
  it("a 6,000-deep jump chain does not overflow the stack", () => {
    expect(() => parseBundle(deepChain(6_000), "deep.txt")).not.toThrow();
  });
});

describe("pathological lines", () => {
  // Section recognition must stay linear on pathological lines.
  it("a 50 KB run of digits in an ip-route file is read within 1 s", () => {
    const t0 = performance.now();
    parseBundle(`${"9".repeat(50_000)}\ndefault via 10.0.0.1 dev eth0\n`, "ip-route.txt");
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  // An unclosed `{` must not swallow the rest of a dump.
  it("a line starting with { in an ip rule dump costs only itself", () => {
    const text = "0:\tfrom all lookup local\n{ all iif eth1 lookup 101\n512:\tfrom all to 10.0.0.1 lookup main\n32766:\tfrom all lookup main\n";
    const node = parseBundle(text, "ip-rule.txt").nodes[0];
    expect(node?.routing.rules.map((r) => r.origin.line)).toEqual([1, 3, 4]);
  });
});

describe("huge inputs through the CLI", () => {
  let dir = "";
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "podpath-limits-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("50 MB of one line without a newline: bounded time and memory, short output", { timeout: 60_000 }, async () => {
    const path = join(dir, "huge.txt");
    writeFileSync(path, "a".repeat(50_000_000));
    globalThis.gc?.();
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const r = await runCli(["parse", path]);
    const ms = performance.now() - t0;
    const grew = process.memoryUsage().rss - rss0;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped/);
    // The excerpt is cut: output stays small whatever the line.
    expect(r.stdout.length + r.stderr.length).toBeLessThan(5_000);
    expect(ms).toBeLessThan(20_000);
    expect(grew).toBeLessThan(1_500_000_000);
  });

  it("a 10 MB --comment: parsed and traced in bounded time and memory", { timeout: 60_000 }, async () => {
    const path = join(dir, "node.txt");
    const comment = "x".repeat(10_000_000);
    writeFileSync(path, `${ROUTES}$ sudo iptables-save\n${FILTER_HEAD}-A FORWARD -m comment --comment "${comment}" -j ACCEPT\nCOMMIT\n`);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const parsed = await runCli(["parse", path, "--json"]);
    expect(parsed.code).toBe(0);
    expect(JSON.parse(parsed.stdout).nodes[0].iptables.filter.rules).toBe(1);
    const traced = await runCli(["trace", path, "--src", "10.9.0.1", "--dst", "10.0.0.2", "--iif", "eth0", "--json"]);
    expect(traced.code).toBe(0);
    const j = JSON.parse(traced.stdout);
    expect(j.verdict).toBe("forwarded");
    // The comment is data: JSON keeps it whole.
    expect(j.outcomes[0].steps.some((s: { rule?: string }) => s.rule?.includes(comment))).toBe(true);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(1_500_000_000);
  });

  it("--max-bytes refuses a file over the limit before reading it", async () => {
    const path = join(dir, "big.txt");
    writeFileSync(path, "x".repeat(2_000));
    const r = await runCli(["parse", path, "--max-bytes", "1000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`podpath: ${path}: 2000 bytes is more than --max-bytes 1000; refusing to read it\n`);
  });
});
