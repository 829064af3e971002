// One benchmark measurement in a fresh process, so peak RSS (maxRSS) belongs to it alone.
//
//   node bench/worker.mjs parse FILE            parseBundle on one dump: time and peak RSS
//   node bench/worker.mjs trace DIR PACKETS N M  load a node directory, then trace N packets
//                                               (M of them with full traces)
// Prints one JSON object on stdout.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { URL } from "node:url";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url);
const load = (p) => import(new URL(p, dist).href);

const [mode, target, packetsFile, countText, fullCountText] = process.argv.slice(2);
const ms = (t0) => performance.now() - t0;
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? null;
};
const stats = (xs) => ({ n: xs.length, median: quantile(xs, 0.5), p99: quantile(xs, 0.99) });

if (mode === "parse") {
  const t0 = performance.now();
  const { parseBundle } = await load("model/bundle.js");
  const importMs = ms(t0);
  const text = readFileSync(target, "utf8");
  const t1 = performance.now();
  const bundle = parseBundle(text, "iptables-save.txt");
  const parseMs = ms(t1);
  const rules = bundle.nodes.flatMap((n) => n.rulesets.flatMap((r) => [...r.tables.values()].flatMap((t) => [...t.chains.values()].map((c) => c.rules.length)))).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ importMs, parseMs, rules, errors: bundle.diagnostics.filter((d) => d.severity === "error").length, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
} else if (mode === "trace") {
  const { parseInputs } = await load("model/bundle.js");
  const { nodeFacts } = await load("eval/node-facts.js");
  const { evaluate } = await load("eval/evaluate.js");
  const { DEFAULT_LIMITS } = await load("eval/netfilter.js");
  const { traceJson, traceSummaryJson } = await load("explain/json.js");
  const { traceText } = await load("explain/text.js");
  const { packetFromFlags } = await load("cli/packet-options.js");
  const files = readdirSync(target).filter((f) => f.endsWith(".txt")).map((f) => ({ name: join(target, f), text: readFileSync(join(target, f), "utf8") }));
  const t0 = performance.now();
  const bundle = parseInputs([{ node: "bench", files }]);
  const facts = nodeFacts(bundle.nodes[0]);
  const loadMs = ms(t0);
  const all = readFileSync(packetsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const count = Math.min(all.length, Number(countText ?? 300));
  const packets = all.slice(0, count).map((p) => ({ kind: p.kind, raw: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])), input: packetFromFlags(Object.fromEntries(Object.entries(p).filter(([k]) => k !== "id" && k !== "kind").map(([k, v]) => [k, String(v)])), facts) }));
  const lean = { ...DEFAULT_LIMITS, listSkipped: false };

  // The TUI's re-trace after a keystroke (src/tui/state.ts `retrace`), when it exists; else
  // evaluate + traceJson + traceText as its stand-in.
  let tuiRetrace = null;
  let tuiNote = "stand-in: evaluate + traceJson + traceText (src/tui has no retrace yet)";
  if (existsSync(new URL("tui/state.js", dist))) {
    try {
      const tui = await load("tui/state.js");
      if (typeof tui.retrace === "function" && typeof tui.initialState === "function") {
        const base = { ...tui.initialState(), facts, baseFacts: null, screen: "main" };
        tuiRetrace = (p) => {
          const form = { src: p.src, dst: p.dst, proto: p.proto, sport: "", dport: p.dport ?? "", iif: p.iif ?? "", mark: "" };
          const next = tui.retrace({ ...base, form });
          if (!next.trace) throw new Error(next.formError?.message ?? "no trace");
        };
        tuiRetrace(packets[0].raw);
        tuiNote = "src/tui/state.ts retrace(state) (packetFromFlags + evaluate + what-if fixes + traceJson)";
      }
    } catch (e) {
      tuiRetrace = null;
      tuiNote += ` (src/tui/state.ts retrace failed here: ${e instanceof Error ? e.message : String(e)})`;
    }
  }

  const fullCount = Math.min(count, Number(fullCountText ?? count));
  const time = (fn, n = count, raw = false) => {
    const xs = [];
    const byKind = {};
    {
      for (const p of packets.slice(0, n)) {
        const t = performance.now();
        fn(raw ? p.raw : p.input);
        const d = ms(t);
        xs.push(d);
        (byKind[p.kind] ??= []).push(d);
      }
    }
    return { ...stats(xs), byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, stats(v)])) };
  };
  // Warm up the JIT on a few packets, as a long-lived TUI or batch run would be.
  for (const p of packets.slice(0, 30)) traceJson(evaluate(facts, p.input, lean), facts);

  const full = time((p) => traceJson(evaluate(facts, p, DEFAULT_LIMITS), facts), fullCount);
  const brief = time((p) => traceJson(evaluate(facts, p, lean), facts));
  const evalOnly = time((p) => evaluate(facts, p, lean));
  const tui = tuiRetrace
    ? time(tuiRetrace, fullCount, true)
    : time((p) => traceText(traceJson(evaluate(facts, p, DEFAULT_LIMITS), facts), { verbose: true }), fullCount);
  // Batch in-process, as `trace --packets` does it per line (packet from JSON, evaluate, JSON line
  // out): `--full` lines are the whole trace, default lines the verdict summary without a path.
  const batch = (limits, line, n) => {
    const t = performance.now();
    let bytes = 0;
    for (const p of all.slice(0, n)) {
      const flags = {};
      for (const k of ["src", "dst", "proto", "sport", "dport", "iif", "mark"]) if (p[k] !== undefined) flags[k] = String(p[k]);
      bytes += JSON.stringify({ id: p.id, ...line(evaluate(facts, packetFromFlags(flags, facts), limits), facts) }).length;
    }
    const s = ms(t) / 1000;
    return { packets: n, seconds: s, packetsPerSecond: n / s, bytesPerPacket: bytes / n };
  };
  const batchFull = batch(DEFAULT_LIMITS, traceJson, fullCount);
  const batchBrief = batch({ ...lean, recordSteps: false }, traceSummaryJson, count);
  // The verdict alone (what a lighter batch output would carry): packet from JSON + evaluate.
  const tv = performance.now();
  for (const p of all.slice(0, count)) {
    const flags = {};
    for (const k of ["src", "dst", "proto", "sport", "dport", "iif", "mark"]) if (p[k] !== undefined) flags[k] = String(p[k]);
    const r = evaluate(facts, packetFromFlags(flags, facts), lean);
    JSON.stringify({ id: p.id, verdicts: r.outcomes.map((o) => [o.verdict, o.probability]) });
  }
  const batchVerdict = { packets: count, packetsPerSecond: count / (ms(tv) / 1000) };
  console.log(JSON.stringify({ loadMs, packets: count, full, brief, evalOnly, tui, tuiNote, batchFull, batchBrief, batchVerdict, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}
