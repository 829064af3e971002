// Checks the iptables fast path against the grammar, line by line: every line of the fixtures and
// of the generated benchmark dumps, plus mutations of them (spaces, quotes, bangs, odd tokens). The
// fast path must either decline (null) or build exactly the grammar's tree, and what lowering asks
// of a lazily read line's items must be what the grammar's items answer.
//
//   node bench/check-fast-path.mjs [FILES...]     (after npm run build)
//
// The unit tests run the same check on the sources (test/parse/iptables-fast.test.ts).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

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
  (l) => l.replace(" -m ", " -m tcp --jump X -m "), (l) => l.replace(" -j ", " -- -j "), (l) => l.replace(" -j ", " --x_y -j "),
  (l) => l.replace(" -j ", " --goto "), (l) => l.replace(" -p ", " ! --protocol "), (l) => l.replace(/ -j \S+/, " -j"),
];

/** The fixtures' iptables files, and the generated 1k-service dump when there is one. */
export function defaultFiles() {
  const files = [];
  for (const dir of readdirSync("fixtures", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    for (const f of readdirSync(`fixtures/${dir}`)) if (/iptables/.test(f)) files.push(`fixtures/${dir}/${f}`);
  }
  if (existsSync("bench/out/1000/iptables-save.txt")) files.push("bench/out/1000/iptables-save.txt");
  return files;
}

/** What lowering asks of each item (RuleItems), as one comparable list. */
function answers(items) {
  return Array.from({ length: items.count }, (_, k) =>
    [items.typeOf(k), items.name(k), items.isGoto(k), items.negated(k), items.text(k), items.textToOnlyValue(k), items.onlyValue(k), items.item(k)]);
}

/**
 * `parser`: parseCommonLine and readCommonAppend (fast path), parseIptablesLine and BuiltItems
 * (grammar). The mismatches of one line: none when the fast path declines it.
 */
export function checkLine(parser, line) {
  const { parseCommonLine, readCommonAppend, parseIptablesLine, BuiltItems } = parser;
  const quick = parseCommonLine(line);
  if (quick === null) return [];
  const slow = parseIptablesLine(line);
  if (!isDeepStrictEqual(quick, slow) || JSON.stringify(quick) !== JSON.stringify(slow)) {
    return [`${line}\n fast: ${JSON.stringify(quick)}\n peggy: ${JSON.stringify(slow)}`];
  }
  const lazy = readCommonAppend(line);
  if (lazy === null) return [];
  const got = answers(lazy.items);
  const want = answers(new BuiltItems(slow.spec.items, line));
  return isDeepStrictEqual(got, want) ? [] : [`(items) ${line}\n fast: ${JSON.stringify(got)}\n peggy: ${JSON.stringify(want)}`];
}

export function checkFastPath(parser, files) {
  let lines = 0;
  let fast = 0;
  const mismatches = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const line of text.split("\n")) {
      for (const variant of [line, ...MUTATIONS.map((m) => m(line))]) {
        lines++;
        if (parser.parseCommonLine(variant) !== null) fast++;
        for (const m of checkLine(parser, variant)) mismatches.push(`${file}: ${m}`);
      }
    }
  }
  return { lines, fast, mismatches };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const files = process.argv.slice(2);
  const parser = { ...(await import("../dist/parse/iptables.js")), ...(await import("../dist/parse/iptables-fast.js")) };
  const { lines, fast, mismatches } = checkFastPath(parser, files.length > 0 ? files : defaultFiles());
  for (const m of mismatches.slice(0, 10)) console.error(`MISMATCH ${m}`);
  console.log(`fast path: ${lines} lines checked, ${fast} taken by the fast path, ${mismatches.length} mismatches`);
  process.exitCode = mismatches.length === 0 ? 0 : 1;
}
