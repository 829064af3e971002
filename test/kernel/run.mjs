#!/usr/bin/env node
/**
 * Runs the kernel differential suite (vitest project `kernel`) and ends with exactly one summary line:
 *
 *   kernel agreement: K/N packets
 *
 * Usage: node test/kernel/run.mjs [vitest args…]   (build first: npm run build)
 * Env: PODPATH_SEED (one seed for the whole run; printed), PODPATH_KERNEL_RANDOM_NODES (IPv4), PODPATH_KERNEL_RANDOM_NODES6,
 *      PODPATH_KERNEL_PER_NODE, PODPATH_KERNEL_PER_FIXTURE, PODPATH_KERNEL_SPAWN=1 (spawn the CLI per packet).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const results = join(tmpdir(), `podpath-kernel-results-${process.pid}.jsonl`);
const seed = process.env.PODPATH_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const budgetMs = 20 * 60 * 1000;

/** Namespaces a crashed (SIGKILLed) earlier run of this harness left behind: `pp-<pid>-<6 hex>-…` with a dead pid. */
function sweepStale() {
  let names = [];
  try {
    names = execFileSync("ip", ["netns", "list"], { encoding: "utf8", timeout: 10_000 }).split("\n").map((l) => l.split(" ")[0]);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^pp-(\d+)-[0-9a-f]{6}-/.exec(name ?? "");
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      alive = false;
    }
    if (alive) continue;
    try {
      execFileSync("ip", ["netns", "del", name], { timeout: 10_000, stdio: "ignore" });
      console.log(`removed namespace ${name} left by an earlier run`);
    } catch {
      // not ours to worry about further
    }
  }
}

rmSync(results, { force: true });
sweepStale();
console.log(`kernel suite: PODPATH_SEED=${seed}`);
const vitest = join(repo, "node_modules/vitest/vitest.mjs");
const r = spawnSync(process.execPath, [vitest, "run", "--project", "kernel", ...process.argv.slice(2)], {
  cwd: repo,
  stdio: "inherit",
  env: { ...process.env, PODPATH_KERNEL_RESULTS: results, PODPATH_SEED: seed },
  timeout: budgetMs,
  killSignal: "SIGTERM",
});
sweepStale();

let agreed = 0;
let total = 0;
const bySuite = new Map();
if (existsSync(results)) {
  for (const line of readFileSync(results, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line);
    total++;
    if (rec.agree) agreed++;
    const s = bySuite.get(rec.suite) ?? { agreed: 0, total: 0 };
    s.total++;
    if (rec.agree) s.agreed++;
    bySuite.set(rec.suite, s);
  }
  rmSync(results, { force: true });
}
if (r.error) console.log(`kernel suite: vitest did not finish: ${r.error.message}`);
for (const [suite, s] of bySuite) console.log(`  ${suite}: ${s.agreed}/${s.total} packets agree`);
console.log(`kernel agreement: ${agreed}/${total} packets`);
// CI (root) sets PODPATH_REQUIRE_KERNEL: there, comparing no packet is a failure, not a skip.
const required = process.env.PODPATH_REQUIRE_KERNEL === "1" && total === 0;
if (required) console.error("kernel suite: PODPATH_REQUIRE_KERNEL is set but no packet was compared (see the skip reason above)");
process.exitCode = (r.status ?? 1) !== 0 || agreed < total || required ? 1 : 0;
