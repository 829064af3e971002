// Checks the iptables fast path against the grammar, line by line: every line of the fixtures and
// of the generated benchmark dumps, plus mutations of them (spaces, quotes, bangs, odd tokens). The
// fast path must either decline (null) or build exactly the grammar's tree.
//
//   node bench/check-fast-path.mjs [FILES...]     (after npm run build)
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { parseCommonLine, parseIptablesLine } from "../dist/parse/iptables.js";

const files = process.argv.slice(2);
if (files.length === 0) {
  for (const dir of readdirSync("fixtures", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    for (const f of readdirSync(`fixtures/${dir}`)) if (/iptables/.test(f)) files.push(`fixtures/${dir}/${f}`);
  }
  if (existsSync("bench/out/1000/iptables-save.txt")) files.push("bench/out/1000/iptables-save.txt");
}

const MUTATIONS = [
  (l) => l.replace(" ", "  "), (l) => `${l} `, (l) => ` ${l}`, (l) => l.replace(" -j ", " ! -j "),
  (l) => l.replace(" -d ", " ! -d "), (l) => l.replace(" -d ", " -d ! "), (l) => l.replace(/"([^"]*)"/, "$1"),
  (l) => l.replace(/ --comment "/, ' --comment "x'), (l) => l.replace(/"$/, ""), (l) => l.replace(" -m ", " --match "),
  (l) => l.replace(" -j ", " --jump "), (l) => l.replace(" -j ", " -g "), (l) => l.replace(/ -j \S+/, ""),
  (l) => l.replace(/ \S+$/, ""), (l) => l.replace(" --dport ", " --dport=") , (l) => l.replace(" -p ", " -p !"),
  (l) => l.replace(/^-A (\S+)/, "-A $1 ACCEPT"), (l) => l.replace(/^-A (\S+)/, "-A $1 3"), (l) => l.replace(" -s ", " --source "),
  (l) => l.replace(/ --comment "[^"]*"/, ' --comment "a b" c'), (l) => l.replace(" -m comment", " -m comment --source 1.2.3.4"),
  (l) => l.replace(" -j ", " -5 -j "), (l) => l.replace(" -j ", " !x -j "), (l) => l.replace(/\[0:0\]/, "[0:0]x"), (l) => l.replace(/ \[0:0\]/, ""),
  (l) => l.replace(" -m ", ' -m "'), (l) => l.replace(/"/, '"a"b'), (l) => l.replace(" --", " ! --"),
];

let lines = 0;
let fast = 0;
let bad = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const line of text.split("\n")) {
    for (const variant of [line, ...MUTATIONS.map((m) => m(line))]) {
      lines++;
      const quick = parseCommonLine(variant);
      if (quick === null) continue;
      fast++;
      const slow = parseIptablesLine(variant);
      if (!isDeepStrictEqual(quick, slow) || JSON.stringify(quick) !== JSON.stringify(slow)) {
        bad++;
        if (bad <= 10) console.error(`MISMATCH ${file}: ${variant}\n fast: ${JSON.stringify(quick)}\n peggy: ${JSON.stringify(slow)}`);
      }
    }
  }
}
console.log(`fast path: ${lines} lines checked, ${fast} taken by the fast path, ${bad} mismatches`);
process.exitCode = bad === 0 ? 0 : 1;
