// podpath benchmarks (`npm run bench`, after the build): generated kube-proxy + VPC CNI nodes at 1k,
// 10k and 30k services, measured side by side with the real iptables-restore --test (legacy and nft,
// each in a throwaway network namespace of our own) and `cat FILE > /dev/null` as the floor.
// Prints a table, writes bench/results.json and the table into bench/README.md and the README's
// Performance section. Never a test.
//
//   node bench/run.mjs [--sizes 1000,10000] [--quick]
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync, mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packets as makePackets, writeNode } from "./generate.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(here, "out");
const bin = join(root, "dist", "cli", "bin.js");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const sizesArg = args[args.indexOf("--sizes") + 1];
const SIZES = args.includes("--sizes") && sizesArg ? sizesArg.split(",").map(Number) : [1000, 10000, 30000];
// Repetitions and packet counts per size, to stay within ~10 minutes on a small machine.
const PLAN = {
  1000: { reps: 3, packets: 3000, full: 150 },
  10000: { reps: 5, packets: 3000, full: 60 },
  30000: { reps: 3, packets: 1500, full: 20 },
};
const plan = (n) => PLAN[n] ?? { reps: 1, packets: 1000, full: 20 };
/** Packets in the CLI batch run (`trace --packets --json`): enough that tracing, not loading, dominates. */
const BATCH = 100_000;

const log = (s) => process.stderr.write(`${s}\n`);
/** The middle value; for an even count, the mean of the two middle ones (of two runs, not the slower one). */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

/** Runs a command `reps` times; wall time (ms, median) and peak RSS (bytes, max) via /usr/bin/time. */
function measure(argv, { reps = 1, stdin = null, stdout = "ignore" } = {}) {
  const walls = [];
  let rss = null;
  let status = 0;
  for (let r = 0; r < reps; r++) {
    const dir = mkdtempSync(join(tmpdir(), "ppbench-"));
    const timeFile = join(dir, "time");
    const full = TIME ? [TIME, "-f", "%M", "-o", timeFile, ...argv] : argv;
    const t0 = performance.now();
    const res = spawnSync(full[0], full.slice(1), { stdio: [stdin === null ? "ignore" : "pipe", stdout, "pipe"], input: stdin === null ? undefined : readFileSync(stdin), maxBuffer: 1 << 30 });
    walls.push(performance.now() - t0);
    status = res.status ?? 1;
    if (status !== 0) log(`  ! ${argv.join(" ")} exited ${status}: ${String(res.stderr).slice(0, 300)}`);
    if (TIME && existsSync(timeFile)) {
      const kb = Number(readFileSync(timeFile, "utf8").trim().split("\n").pop());
      if (Number.isFinite(kb)) rss = Math.max(rss ?? 0, kb * 1024);
    }
  }
  return { ms: median(walls), rssBytes: rss, status };
}

/** Single runs of one command as one measurement: the median time, the largest peak RSS. */
function combine(list) {
  const rss = list.map((m) => m.rssBytes).filter((b) => b !== null);
  return { ms: median(list.map((m) => m.ms)), rssBytes: rss.length > 0 ? Math.max(...rss) : null, status: list.find((m) => m.status !== 0)?.status ?? 0 };
}

function worker(...a) {
  const res = spawnSync(process.execPath, [join(here, "worker.mjs"), ...a.map(String)], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`worker ${a.join(" ")} failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

// ---------------------------------------------------------------- the network namespace

const root_ = process.getuid?.() === 0;
const canNetns = root_ && has("ip");
const ns = `ppbench-${randomBytes(4).toString("hex")}`;
let nsMade = false;
function netnsUp() {
  if (!canNetns) return false;
  const r = spawnSync("ip", ["netns", "add", ns]);
  nsMade = r.status === 0;
  return nsMade;
}
function netnsDown() {
  if (nsMade) spawnSync("ip", ["netns", "del", ns]);
  nsMade = false;
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { netnsDown(); process.exit(130); });
process.on("exit", netnsDown);

// ---------------------------------------------------------------- run

const started = performance.now();
const machine = {
  nproc: cpus().length,
  cpu: (readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model ?? "unknown",
  node: process.version,
  loadAverage: null,
};
machine.loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
log(`machine: ${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverage}`);

const nodes = {};
for (const n of SIZES) {
  const dir = join(out, String(n));
  const file = join(dir, "iptables-save.txt");
  if (!existsSync(file) || statSync(file).mtimeMs < statSync(join(here, "generate.mjs")).mtimeMs) writeNode(n, dir);
  const pk = makePackets(n, plan(n).packets);
  const pfile = join(out, `packets-${n}.jsonl`);
  writeFileSync(pfile, `${pk.map((p) => JSON.stringify(p)).join("\n")}\n`);
  writeFileSync(join(out, `packets-${n}-one.jsonl`), `${JSON.stringify(pk[0])}\n`);
  writeFileSync(join(out, `packets-${n}-full.jsonl`), `${pk.slice(0, plan(n).full).map((p) => JSON.stringify(p)).join("\n")}\n`);
  // Batch mode prints verdict lines: enough packets that the run is not dominated by loading the dump.
  writeFileSync(join(out, `packets-${n}-batch.jsonl`), `${Array.from({ length: BATCH }, (_, i) => JSON.stringify({ ...pk[i % pk.length], id: i })).join("\n")}\n`);
  nodes[n] = { dir, file, bytes: statSync(file).size, packets: pfile };
}

// The fast path of the iptables parser must agree with the grammar on every line it takes.
const fastCheck = spawnSync(process.execPath, [join(here, "check-fast-path.mjs"), ...(nodes[1000] ? [nodes[1000].file] : [])], { encoding: "utf8", cwd: root });
log(`fast-path check: ${fastCheck.stdout.trim()}`);

const netns = netnsUp();
let validation = "skipped (needs root and iproute2)";
if (netns && nodes[SIZES[0]]) {
  const r = spawnSync("ip", ["netns", "exec", ns, "iptables-restore", "--test"], { input: readFileSync(nodes[SIZES[0]].file), stdio: ["pipe", "ignore", "pipe"] });
  validation = r.status === 0 ? `iptables-restore --test accepted the ${SIZES[0]}-service dump` : `iptables-restore --test REJECTED the ${SIZES[0]}-service dump: ${String(r.stderr).slice(0, 300)}`;
}
log(`validation: ${validation}`);

const results = {};
for (const n of SIZES) {
  const { file, dir, bytes } = nodes[n];
  const { reps } = plan(n);
  log(`\n${n} services: ${(bytes / 1e6).toFixed(1)} MB`);
  const r = { services: n, bytes };
  // The references and podpath take turns, round after round, so that a slow spell of a shared
  // machine falls on all of them alike rather than on whichever ran then (the ratios are the figures).
  const tools = ["iptables-legacy-restore", "iptables-nft-restore"].filter((tool) => netns && has(tool));
  const runs = { cat: [], cli: [], ...Object.fromEntries(tools.map((t) => [t, []])) };
  const inproc = [];
  for (let k = 0; k < reps; k++) {
    runs.cat.push(measure(["sh", "-c", `cat "${file}" > /dev/null`]));
    for (const tool of tools) runs[tool].push(measure(["ip", "netns", "exec", ns, tool, "--test"], { stdin: file }));
    runs.cli.push(measure([process.execPath, bin, "parse", file, "--json"]));
    inproc.push(worker("parse", file));
  }
  for (const [name, list] of Object.entries(runs)) r[name] = combine(list);
  for (const tool of ["iptables-legacy-restore", "iptables-nft-restore"]) log(`  ${tool}: ${r[tool] ? `${r[tool].ms.toFixed(0)} ms` : "not available"}`);
  log(`  podpath parse (process): ${r.cli.ms.toFixed(0)} ms, ${(r.cli.rssBytes / 1e6).toFixed(0)} MB`);
  r.inProcess = { parseMs: median(inproc.map((x) => x.parseMs)), maxRssBytes: Math.max(...inproc.map((x) => x.maxRssBytes)), rules: inproc[0].rules, errors: inproc[0].errors };
  log(`  parseBundle (in-process): ${r.inProcess.parseMs.toFixed(0)} ms, ${r.inProcess.rules} rules`);
  const t = worker("trace", dir, nodes[n].packets, plan(n).packets, plan(n).full);
  r.trace = t;
  log(`  trace: full median ${t.full.median.toFixed(2)} ms, brief median ${t.brief.median.toFixed(2)} ms, eval ${t.evalOnly.median.toFixed(3)} ms`);
  // The CLI's batch mode: steady-state packets/s from a one-packet and a many-packet run.
  const one = measure([process.execPath, bin, "trace", dir, "--packets", join(out, `packets-${n}-one.jsonl`), "--json"], { reps: 2 });
  const many = measure([process.execPath, bin, "trace", dir, "--packets", join(out, `packets-${n}-batch.jsonl`), "--json"], { reps: 2 });
  r.cliBatch = { packets: BATCH, oneMs: one.ms, manyMs: many.ms, packetsPerSecond: (BATCH - 1) / Math.max(1e-3, (many.ms - one.ms) / 1000) };
  log(`  trace --packets (process): ${r.cliBatch.packetsPerSecond.toFixed(0)} packets/s`);
  results[n] = r;
  if (quick) break;
}
netnsDown();

// ---------------------------------------------------------------- report

const mb = (b) => (b === null || b === undefined ? "–" : `${(b / 1e6).toFixed(0)} MB`);
const msf = (x) => (x === null || x === undefined ? "–" : x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(3)} ms`);
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : "–");
const rows = [];
const row = (label, f) => rows.push([label, ...SIZES.filter((n) => results[n]).map((n) => f(results[n]))]);
row("iptables-save size", (r) => `${(r.bytes / 1e6).toFixed(1)} MB, ${r.inProcess.rules} rules`);
row("cat > /dev/null (floor)", (r) => msf(r.cat.ms));
row("iptables-legacy-restore --test", (r) => (r["iptables-legacy-restore"] ? `${msf(r["iptables-legacy-restore"].ms)}, ${mb(r["iptables-legacy-restore"].rssBytes)}` : "–"));
row("iptables-nft-restore --test", (r) => (r["iptables-nft-restore"] ? `${msf(r["iptables-nft-restore"].ms)}, ${mb(r["iptables-nft-restore"].rssBytes)}` : "–"));
row("podpath parse --json (process)", (r) => `${msf(r.cli.ms)} = ${ratio(r.cli.ms, r["iptables-legacy-restore"]?.ms)} legacy, ${ratio(r.cli.ms, r["iptables-nft-restore"]?.ms)} nft, ${ratio(r.cli.ms, r.cat.ms)} cat`);
row("parseBundle (in-process)", (r) => `${msf(r.inProcess.parseMs)} = ${ratio(r.inProcess.parseMs, r["iptables-legacy-restore"]?.ms)} legacy`);
row("peak RSS, parse (process)", (r) => `${mb(r.cli.rssBytes)} = ${(r.cli.rssBytes / r.bytes).toFixed(1)}× input; legacy ${ratio(r.cli.rssBytes, r["iptables-legacy-restore"]?.rssBytes)}`);
row("trace, full JSON: median / p99", (r) => `${msf(r.trace.full.median)} / ${msf(r.trace.full.p99)}`);
row("trace, brief JSON: median / p99", (r) => `${msf(r.trace.brief.median)} / ${msf(r.trace.brief.p99)}`);
row("evaluate only: median / p99", (r) => `${msf(r.trace.evalOnly.median)} / ${msf(r.trace.evalOnly.p99)}`);
for (const kind of ["pod-clusterip", "pod-internet", "nodeport-in"]) row(`  brief, ${kind}: median / p99`, (r) => `${msf(r.trace.brief.byKind[kind]?.median)} / ${msf(r.trace.brief.byKind[kind]?.p99)}`);
row("TUI re-trace: median / p99", (r) => `${msf(r.trace.tui.median)} / ${msf(r.trace.tui.p99)}`);
row("batch, trace --packets --json (process)", (r) => `${r.cliBatch.packetsPerSecond.toFixed(0)} packets/s`);
row("batch in-process, --full lines", (r) => `${r.trace.batchFull.packetsPerSecond.toFixed(0)} packets/s`);
row("batch in-process, verdict lines (the CLI's loop)", (r) => `${r.trace.batchBrief.packetsPerSecond.toFixed(0)} packets/s`);
row("batch in-process, verdict only", (r) => `${r.trace.batchVerdict.packetsPerSecond.toFixed(0)} packets/s`);

const header = ["", ...SIZES.filter((n) => results[n]).map((n) => `${n / 1000}k services`)];
const table = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

// Growth: how each figure grows from 1k to 10k to 30k, against the input's growth.
const growth = [];
const pairs = [[1000, 10000], [10000, 30000]].filter(([a, b]) => results[a] && results[b]);
const metrics = {
  "input bytes": (r) => r.bytes,
  "parse (process)": (r) => r.cli.ms,
  "parseBundle": (r) => r.inProcess.parseMs,
  "peak RSS": (r) => r.cli.rssBytes,
  "trace full median": (r) => r.trace.full.median,
  "trace brief median": (r) => r.trace.brief.median,
  "evaluate median": (r) => r.trace.evalOnly.median,
  "TUI re-trace median": (r) => r.trace.tui.median,
  "legacy restore": (r) => r["iptables-legacy-restore"]?.ms,
};
for (const [name, f] of Object.entries(metrics)) {
  const cells = pairs.map(([a, b]) => {
    const g = f(results[b]) / f(results[a]);
    const size = results[b].bytes / results[a].bytes;
    return Number.isFinite(g) ? `${g.toFixed(2)}× (input ${size.toFixed(2)}×)${g <= size * 1.1 ? "" : " superlinear"}` : "–";
  });
  growth.push([name, ...cells]);
}
const growthTable = [["growth", ...pairs.map(([a, b]) => `${a / 1000}k → ${b / 1000}k`)], ["---", ...pairs.map(() => "---")], ...growth].map((c) => `| ${c.join(" | ")} |`).join("\n");

// Targets (issue: "Fast on the biggest nodes").
const r10 = results[10000];
const r30 = results[30000];
const targets = [];
const target = (text, ok, detail) => targets.push({ text, met: ok, detail });
if (r10?.["iptables-legacy-restore"]) {
  const legacy = r10["iptables-legacy-restore"].ms;
  target("parse + lower of 10k ≤ ½ × iptables-legacy-restore --test, in-process (parseBundle)", r10.inProcess.parseMs <= legacy / 2, `${msf(r10.inProcess.parseMs)} vs ${msf(legacy)} = ${ratio(r10.inProcess.parseMs, legacy)}`);
  target("the same as a whole process (podpath parse --json: Node start, module loading, reading, output)", r10.cli.ms <= legacy / 2, `${msf(r10.cli.ms)} vs ${msf(legacy)} = ${ratio(r10.cli.ms, legacy)}`);
}
if (r10 && r30) target("parse of 30k ≤ 3.3 × the 10k time", r30.cli.ms <= 3.3 * r10.cli.ms, `${(r30.cli.ms / r10.cli.ms).toFixed(2)}×`);
if (r30) target("trace latency ≤ 2 ms median on 30k (brief JSON)", r30.trace.brief.median <= 2, `${msf(r30.trace.brief.median)} (full JSON ${msf(r30.trace.full.median)})`);
if (r10) target("batch ≥ 20,000 packets/s on 10k", r10.cliBatch.packetsPerSecond >= 20000, `CLI ${r10.cliBatch.packetsPerSecond.toFixed(0)}/s; the same loop in-process ${r10.trace.batchBrief.packetsPerSecond.toFixed(0)}/s, evaluate alone ${r10.trace.batchVerdict.packetsPerSecond.toFixed(0)}/s`);
if (r30) target("peak RSS ≤ 8 × dump size on 30k", r30.cli.rssBytes <= 8 * r30.bytes, `${(r30.cli.rssBytes / r30.bytes).toFixed(1)}×`);
const targetText = targets.map((t) => `- ${t.met ? "met" : "NOT met"}: ${t.text} — ${t.detail}`).join("\n");

const totalS = (performance.now() - started) / 1000;
const machineLine = `${machine.nproc} × ${machine.cpu}, Node ${machine.node}, load average at start ${machine.loadAverage}; ${new Date().toISOString().slice(0, 10)}; bench took ${totalS.toFixed(0)} s`;
console.log(`\n${machineLine}\n${validation}\n${fastCheck.stdout.trim()}\n\n${table}\n\n${growthTable}\n\n${targetText}`);
writeFileSync(join(here, "results.json"), `${JSON.stringify({ machine, validation, fastPathCheck: fastCheck.stdout.trim(), totalSeconds: totalS, results, targets }, null, 2)}\n`);

// The table goes into bench/README.md and the project README (between their results markers).
const marker = "<!-- results -->";
const block = `${marker}\nMachine: ${machineLine}.\n\n${validation}. ${fastCheck.stdout.trim()}.\n\n${table}\n\n${growthTable}\n\nTargets:\n\n${targetText}\n${marker}`;
for (const readmePath of [join(here, "README.md"), join(root, "README.md")]) {
  const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "";
  if (!readme.includes(marker)) continue;
  writeFileSync(readmePath, readme.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), block));
}
