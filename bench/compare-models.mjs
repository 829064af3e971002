// Checks that two builds of podpath read dumps identically: same models, same diagnostics.
// Performance work changes how a dump is read, never what is read; run this before committing it.
//
//   git stash && npm run build && cp -r dist bench/out/dist-before && git stash pop && npm run build
//   node bench/compare-models.mjs bench/out/dist-before dist
//
// The corpus: every fixture file, the generated 1k-service dump, and 40 seeded mutations of each
// small file (a line dropped, swapped, repeated, cut short, a block moved, -A turned into -I).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [before, after] = process.argv.slice(2).map((d) => resolve(d));
if (!before || !after) {
  console.error("usage: node bench/compare-models.mjs DIST_BEFORE DIST_AFTER");
  process.exit(2);
}
const load = async (dist) => {
  const { parseBundle } = await import(pathToFileURL(join(dist, "model", "bundle.js")).href);
  const { ruleSpec } = await import(pathToFileURL(join(dist, "model", "netfilter.js")).href);
  // Everything the model holds, in a comparable form; a rule's syntax as ruleSpec gives it, however
  // the build keeps it.
  const isRule = (v) => typeof v === "object" && v !== null && "matches" in v && "origin" in v && "position" in v;
  const canon = (bundle) => JSON.stringify(bundle, (_k, v) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Map) return [...v];
    if (isRule(v) && !("syntax" in v)) return { ...v, spec: undefined, syntax: ruleSpec(v) };
    return v;
  });
  return (text) => canon(parseBundle(text, "dump.txt"));
};
const [a, b] = await Promise.all([load(before), load(after)]);

const root = resolve(import.meta.dirname, "..");

const files = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(txt|log)$/.test(f)) files.push(p);
  }
};
walk(join(root, "fixtures"));
const generated = join(root, "bench", "out", "1000", "iptables-save.txt");
try { statSync(generated); files.push(generated); } catch { /* not generated yet: npm run bench makes it */ }

let seed = 12345;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const corpus = [];
for (const f of files) {
  const text = readFileSync(f, "utf8");
  corpus.push([f, text]);
  if (text.length > 300_000) continue;
  const lines = text.split("\n");
  for (let k = 0; k < 40; k++) {
    const ls = [...lines];
    const i = rnd(ls.length);
    const j = rnd(ls.length);
    switch (rnd(6)) {
      case 0: ls.splice(i, 1); break;
      case 1: [ls[i], ls[j]] = [ls[j], ls[i]]; break;
      case 2: ls.splice(i, 0, ls[j]); break;
      case 3: ls.splice(i, 0, ...ls.slice(j, j + 5)); break;
      case 4: ls[i] = (ls[i] ?? "").replace(/-A/, "-I"); break;
      default: ls[i] = (ls[i] ?? "").slice(0, rnd((ls[i] ?? "").length + 1));
    }
    corpus.push([`${f} (mutation ${k})`, ls.join("\n")]);
  }
}

let differ = 0;
for (const [name, text] of corpus) {
  const x = a(text);
  const y = b(text);
  if (x === y) continue;
  differ++;
  if (differ <= 5) {
    let at = 0;
    while (x[at] === y[at]) at++;
    console.log(`differs: ${name}\n  before: …${x.slice(Math.max(0, at - 200), at + 200)}\n  after:  …${y.slice(Math.max(0, at - 200), at + 200)}`);
  }
}
console.log(`${corpus.length} dumps, ${differ} read differently`);
process.exit(differ === 0 ? 0 : 1);
