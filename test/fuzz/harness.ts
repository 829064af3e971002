/**
 * Shared pieces of the fuzz suite: the seed, the fixtures as mutation material, grammar-aware
 * mutations and generators, and the invariants every run must keep.
 *
 * Reproduce a failure with the seed it prints: `PODPATH_FUZZ_SEED=1234 npx vitest run test/fuzz`.
 * `PODPATH_FUZZ_SCALE=10` runs ten times as many cases (a slower, deeper search).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseAddress } from "../../src/model/address.js";
import { parseBundle, parseInputs, type InputGroup } from "../../src/model/bundle.js";
import type { Bundle } from "../../src/model/node.js";
import { cleanLine } from "../../src/parse/source.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import type { Limits } from "../../src/eval/netfilter.js";
import type { PacketInput } from "../../src/eval/types.js";
import { traceJson } from "../../src/explain/json.js";
import { traceText } from "../../src/explain/text.js";

const envSeed = Number.parseInt(process.env.PODPATH_FUZZ_SEED ?? "", 10);
/** One seed per run; each property derives its own from it, so one number reproduces the whole suite. */
export const SEED = Number.isFinite(envSeed) ? envSeed : Math.floor(Math.random() * 0x7fffffff);
const SCALE = Number(process.env.PODPATH_FUZZ_SCALE ?? "1") || 1;

export function runs(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** Cases run so far in this file (each test file is its own worker). */
export const counter = { cases: 0 };

/**
 * `fc.assert` with the suite's seed; a failure names the seed to re-run with and fast-check's own
 * counterexample and path.
 */
export function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number): void {
  const seed = (SEED + hash(name)) | 0;
  try {
    fc.assert(
      fc.property(arb, (v) => {
        counter.cases++;
        predicate(v);
      }),
      { seed, numRuns: runs(numRuns) },
    );
  } catch (e) {
    // Huge generated tokens would make the counterexample unreadable: keep each line short.
    const cause = e instanceof Error && e.cause instanceof Error ? `\ncause: ${e.cause.message}` : "";
    const msg = `${e instanceof Error ? e.message : String(e)}${cause}`.split("\n").map((l) => (l.length > 400 ? `${l.slice(0, 400)}… (${l.length} chars)` : l)).join("\n");
    throw new Error(`fuzz "${name}" failed; reproduce with PODPATH_FUZZ_SEED=${SEED} (property seed ${seed})\n${msg}`);
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

export interface FixtureFile {
  /** Path relative to the repository, used as the input's file name. */
  path: string;
  text: string;
  lines: string[];
}

const DUMP = /\.(txt|json)$/;
const NOT_DUMP = /^(notes|readme|expect|versions)/i;

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return walk(p);
    return DUMP.test(n) && !NOT_DUMP.test(n) ? [p] : [];
  });
}

/** Every dump in every fixture (including the messy paste and the log collector bundle). */
export const FIXTURE_FILES: FixtureFile[] = walk("fixtures")
  .filter((p) => !p.startsWith(join("fixtures", "lib")))
  .map((path) => {
    const text = readFileSync(path, "utf8");
    return { path, text, lines: text.split("\n") };
  });

/** The fixture directories that describe a whole node. */
export const NODE_DIRS: string[] = readdirSync("fixtures")
  .filter((d) => existsSync(join("fixtures", d, "expect.yaml")))
  .sort()
  .map((d) => join("fixtures", d));

export function nodeGroup(dir: string): InputGroup {
  const files = FIXTURE_FILES.filter((f) => f.path.startsWith(`${dir}/`));
  // As the CLI does: when there is an iptables-save, the -S copy of the same rules is not read.
  const hasSave = files.some((f) => /iptables-save/.test(f.path));
  return {
    node: dir.split("/").pop() ?? dir,
    files: files.filter((f) => !(hasSave && /iptables-S\b/.test(f.path))).map((f) => ({ name: f.path, text: f.text })),
  };
}

// ---------------------------------------------------------------------------------------------
// Grammar-aware vocabulary

/** Tokens from the formats podpath reads, good and bad, for swaps and insertions. */
export const TOKENS = [
  "-A", "-I", "-N", "-P", "-D", "-R", "-X", "-Z", "-F", "-j", "-g", "-m", "-p", "-s", "-d", "-i", "-o", "!", "-f",
  "--comment", "--mark", "--set-xmark", "--ctstate", "--dport", "--sport", "--dports", "--to-source", "--to-destination",
  "--probability", "--mode", "--match-set", "--src-type", "--dst-type", "--random-fully", "--xyz-unknown", "--",
  "comment", "mark", "conntrack", "statistic", "multiport", "addrtype", "set", "tcp", "udp", "icmp", "bogusmod",
  "ACCEPT", "DROP", "RETURN", "SNAT", "DNAT", "MASQUERADE", "MARK", "CONNMARK", "LOG", "KUBE-SERVICES", "AWS-SNAT-CHAIN-0",
  "COMMIT", "*nat", "*filter", "*bogus", ":FOO", ":INPUT", "ACCEPT", "[0:0]", "[12:345]",
  "0x80/0x80", "0x4000", "0xffffffff", "0x1ffffffff", "random", "nth", "0.5", "1.5", "-0.1",
  "10.0.0.0/8", "192.168.1.150", "192.168.1.0/33", "300.1.1.1", "1.2.3", "10.0.0.1/255.255.0.0", "10.0.0.1/255.0.255.0",
  "fe80::1", "2001:db8::/129", "::", "::ffff:1.2.3.4", "0", "65535", "65536", "-1", "99999999999999999999", "1:65536", "80:22",
  // Names of Object.prototype members: a lookup table indexed by dump words must not find them.
  "constructor", "__proto__", "toString", "hasOwnProperty", "--constructor", "--toString", "*constructor",
  "\"quoted string\"", "\"unterminated", "\"esc\\\"aped\"", "''",
  "from", "to", "all", "lookup", "main", "local", "fwmark", "iif", "oif", "uidrange", "0-4294967295", "pref", "priority",
  "default", "via", "dev", "table", "proto", "kernel", "scope", "link", "host", "src", "metric", "nexthop", "weight", "onlink",
  "blackhole", "unreachable", "prohibit", "throw", "broadcast", "mtu", "lock", "inet", "inet6", "brd", "valid_lft", "forever",
  "ens5", "eni83e4ca63e3c", "lo", "eth0@if3", "<BROADCAST,MULTICAST,UP,LOWER_UP>", "state", "UP", "DOWN", "UNKNOWN",
  "512:", "32766:", "4294967296:", "{", "}", "[", "]", "\":", ",", "null", "true",
  "\x1b[31m", "\x1b]0;t\x07", "\x9b", "\u202e", "\t", "\r", "\0", "\ufeff", "\ud800",
];

/** Bytes a hostile or damaged file can hold, decoded the way podpath decodes files (UTF-8). */
export const randomBytesText = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString("utf8"));

const token = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 6, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 3, arbitrary: randomBytesText },
  // A huge token: a 20–60 KB word, the kind of thing a broken capture or an attacker produces.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("a", "-", "\"", ":", ".", "x9"), fc.integer({ min: 10_000, max: 30_000 })).map(([c, n]) => c.repeat(n)) },
  // Long digit runs: once quadratic in the ip-route line recogniser (limits.test.ts pins the fix).
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => "9".repeat(n)) },
);

export type Mutation =
  | { type: "drop"; line: number }
  | { type: "duplicate"; line: number }
  | { type: "swap-lines"; a: number; b: number }
  | { type: "swap-tokens"; line: number; a: number; b: number }
  | { type: "replace-token"; line: number; at: number; token: string }
  | { type: "insert-token"; line: number; at: number; token: string }
  | { type: "truncate-line"; line: number; at: number }
  | { type: "insert-line"; line: number; text: string }
  | { type: "crlf"; line: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant("drop" as const), line: fc.nat() }),
  fc.record({ type: fc.constant("duplicate" as const), line: fc.nat() }),
  fc.record({ type: fc.constant("swap-lines" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ type: fc.constant("swap-tokens" as const), line: fc.nat(), a: fc.nat(), b: fc.nat() }),
  fc.record({ type: fc.constant("replace-token" as const), line: fc.nat(), at: fc.nat(), token }),
  fc.record({ type: fc.constant("insert-token" as const), line: fc.nat(), at: fc.nat(), token }),
  fc.record({ type: fc.constant("truncate-line" as const), line: fc.nat(), at: fc.nat() }),
  fc.record({ type: fc.constant("insert-line" as const), line: fc.nat(), text: fc.array(token, { maxLength: 6 }).map((t) => t.join(" ")) }),
  fc.record({ type: fc.constant("crlf" as const), line: fc.nat() }),
);

/** Applies mutations to lines (indices wrap around, so any number is a valid position). */
export function mutate(lines: readonly string[], mutations: readonly Mutation[]): string[] {
  const out = [...lines];
  const at = (i: number) => (out.length === 0 ? 0 : i % out.length);
  for (const m of mutations) {
    if (out.length === 0) out.push("");
    switch (m.type) {
      case "drop":
        out.splice(at(m.line), 1);
        break;
      case "duplicate":
        out.splice(at(m.line), 0, out[at(m.line)] ?? "");
        break;
      case "swap-lines": {
        const a = at(m.a);
        const b = at(m.b);
        [out[a], out[b]] = [out[b] ?? "", out[a] ?? ""];
        break;
      }
      case "swap-tokens": {
        const words = (out[at(m.line)] ?? "").split(" ");
        const a = m.a % words.length;
        const b = m.b % words.length;
        [words[a], words[b]] = [words[b] ?? "", words[a] ?? ""];
        out[at(m.line)] = words.join(" ");
        break;
      }
      case "replace-token":
      case "insert-token": {
        const words = (out[at(m.line)] ?? "").split(" ");
        words.splice(m.at % (words.length + 1), m.type === "replace-token" ? 1 : 0, m.token);
        out[at(m.line)] = words.join(" ");
        break;
      }
      case "truncate-line": {
        const l = out[at(m.line)] ?? "";
        out[at(m.line)] = l.slice(0, m.at % (l.length + 1));
        break;
      }
      case "insert-line":
        out.splice(at(m.line), 0, m.text);
        break;
      case "crlf":
        out[at(m.line)] = `${out[at(m.line)] ?? ""}\r`;
        break;
    }
  }
  return out;
}

/** A window of a fixture (most fuzz cases are small, so that many of them fit in the time budget). */
export const fixtureWindow = fc
  .record({ file: fc.nat(FIXTURE_FILES.length - 1), start: fc.nat(), length: fc.integer({ min: 1, max: 40 }) })
  .map(({ file, start, length }) => {
    const f = FIXTURE_FILES[file] as FixtureFile;
    const s = start % f.lines.length;
    return { path: f.path, lines: f.lines.slice(s, s + length) };
  });

// ---------------------------------------------------------------------------------------------
// Grammar-based generation: syntactically plausible dumps, not mutations of fixtures

const chainName = fc.constantFrom("FOO", "BAR", "KUBE-SERVICES", "AWS-SNAT-CHAIN-0", "KUBE-SEP-X", "C1", "C2", "UNDECLARED");
const cidr = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(34)).map(([a, b, c, d, m]) => `${a}.${b}.${c}.${d}/${m}`),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.0/24`),
  fc.constantFrom("0.0.0.0/0", "192.168.1.150/32", "fe80::/64", "10.0.0.1/255.255.255.0", "1.2.3.4/255.0.255.0"),
);
const port = fc.oneof(fc.nat(70_000).map(String), fc.tuple(fc.nat(66_000), fc.nat(66_000)).map(([a, b]) => `${a}:${b}`));
const option = fc.oneof(
  fc.tuple(fc.constantFrom("-s", "-d", "! -s", "! -d"), cidr).map(([f, c]) => `${f} ${c}`),
  fc.tuple(fc.constantFrom("-i", "-o", "! -i"), fc.constantFrom("eth0", "ens5", "eni+", "lo", "veth+", "x".repeat(20))).map(([f, c]) => `${f} ${c}`),
  fc.tuple(fc.constantFrom("tcp", "udp", "icmp", "all", "sctp", "99", "bogus"), port).map(([p, d]) => `-p ${p} -m ${p} --dport ${d}`),
  fc.constantFrom(
    "-m comment --comment \"a comment\"", "-m mark --mark 0x80/0x80", "! -m mark --mark 0x4000/0x4000", "-m conntrack --ctstate NEW,ESTABLISHED",
    "-m addrtype ! --dst-type LOCAL", "-m set --match-set KUBE-X src", "-m statistic --mode random --probability 0.50000000000",
    "-m statistic --mode nth --every 3 --packet 0", "-m physdev --physdev-is-bridged", "-m owner --uid-owner 0", "-m bogus --whatever 1",
    "-m multiport --dports 80,443,1000:2000", "-m connmark --mark 0x80/0x80", "-m tcp --tcp-flags SYN,RST SYN", "-m u32 --u32 \"0>>22&0x3C@4=0x1\"",
  ),
);
const target = fc.oneof(
  fc.tuple(fc.constantFrom("-j", "-g"), chainName).map(([f, c]) => `${f} ${c}`),
  fc.constantFrom(
    "-j ACCEPT", "-j DROP", "-j RETURN", "-j REJECT --reject-with icmp-port-unreachable", "-j MASQUERADE --random-fully",
    "-j SNAT --to-source 192.168.1.251 --random-fully", "-j DNAT --to-destination 10.0.0.5:8080", "-j MARK --set-xmark 0x80/0x80",
    "-j CONNMARK --save-mark --nfmask 0x80 --ctmask 0x80", "-j CONNMARK --restore-mark --mask 0x80", "-j LOG --log-prefix \"x \"",
    "-j NOTRACK", "-j CT --notrack", "-j BOGUSTARGET --x 1", "",
  ),
);
const ruleLine = fc
  .tuple(fc.constantFrom("INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"), chainName, fc.boolean(), fc.array(option, { maxLength: 4 }), target)
  .map(([builtin, user, useBuiltin, opts, t]) => `-A ${useBuiltin ? builtin : user} ${opts.join(" ")} ${t}`.replace(/\s+$/, ""));

const TABLE_CHAINS: Record<string, string[]> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

export const iptablesSave = fc
  .array(
    fc.record({
      table: fc.constantFrom("raw", "mangle", "nat", "filter", "bogus"),
      chains: fc.subarray(["FOO", "BAR", "KUBE-SERVICES", "AWS-SNAT-CHAIN-0", "KUBE-SEP-X", "C1", "C2"]),
      rules: fc.array(ruleLine, { maxLength: 25 }),
      commit: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((tables) =>
    tables.flatMap((t) => [
      `*${t.table}`,
      ...(TABLE_CHAINS[t.table] ?? []).map((c) => `:${c} ACCEPT [0:0]`),
      ...t.chains.map((c) => `:${c} - [0:0]`),
      ...t.rules,
      ...(t.commit ? ["COMMIT"] : []),
    ]),
  );

const ipRuleLine = fc
  .tuple(fc.nat(40_000), fc.constantFrom("from all", "from 192.168.1.150", "from all to 10.0.0.0/8", "from all fwmark 0x80/0x80", "not from all iif lo", "from all iif eni+ "), fc.constantFrom("lookup main", "lookup 2", "lookup local", "lookup 300", "goto 1000", "blackhole", "unreachable", "nop"))
  .map(([p, sel, act]) => `${p}:\t${sel} ${act}`);
const ipRouteLine = fc
  .tuple(fc.constantFrom("", "local ", "broadcast ", "blackhole ", "unreachable ", "throw "), fc.oneof(fc.constant("default"), cidr), fc.constantFrom("via 10.0.0.1 dev eth0", "dev ens5", "dev ens6 scope link", "via 192.168.1.1 dev ens5 proto dhcp src 192.168.1.251 metric 512", "dev lo", ""), fc.constantFrom("", " table 2", " table local", " table main", " table 99999999999"))
  .map(([type, dst, rest, table]) => `${type}${dst} ${rest}${table}`.trim());
const ipAddrBlock = fc
  .tuple(fc.nat(20), fc.constantFrom("eth0", "ens5", "ens6", "lo", "eni83e4ca63e3c@if3"), cidr)
  .map(([i, name, c]) => [`${i}: ${name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000`, `    link/ether 02:aa:bb:cc:dd:ee brd ff:ff:ff:ff:ff:ff`, `    inet ${c} brd 10.0.0.255 scope global dynamic ${name.split("@")[0]}`, "       valid_lft 3000sec preferred_lft 3000sec"]);

/** A generated paste: prompts, then each format. */
export const generatedPaste = fc
  .tuple(iptablesSave, fc.array(ipRuleLine, { maxLength: 10 }), fc.array(ipRouteLine, { maxLength: 15 }), fc.array(ipAddrBlock, { maxLength: 4 }))
  .map(([ipt, rules, routes, addrs]) => [
    "$ sudo iptables-save", ...ipt,
    "$ ip rule", ...rules,
    "$ ip route show table all", ...routes,
    "$ ip addr", ...addrs.flat(),
  ]);

// ---------------------------------------------------------------------------------------------
// Invariants

/** Milliseconds one case may take: 1 s per 100 KB, at least 1 s (a loaded 2-core CI machine). */
export function timeBound(bytes: number): number {
  return 1000 + (bytes / 100_000) * 1000;
}

function lineCount(text: string): number {
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

/** Every diagnostic names an input file, and a line and column inside that file's (cleaned) text. */
export function assertDiagnosticsInside(bundle: Bundle, files: readonly { name: string; text: string }[]): void {
  const lines = new Map(files.map((f) => [f.name, f.text.split("\n")]));
  for (const d of bundle.diagnostics) {
    const fileLines = lines.get(d.file);
    if (!fileLines) throw new Error(`diagnostic names a file that is not an input: ${JSON.stringify(d)}`);
    const count = lineCount(files.find((f) => f.name === d.file)?.text ?? "");
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > Math.max(1, count)) {
      throw new Error(`diagnostic line ${d.line} is outside ${d.file} (${count} lines): ${d.message}`);
    }
    const text = cleanLine(fileLines[d.line - 1] ?? "");
    if (!Number.isInteger(d.column) || d.column < 1 || d.column > text.length + 1) {
      throw new Error(`diagnostic column ${d.column} is outside line ${d.line} (${text.length} characters): ${d.message}\n  ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}

/** Packets to trace through whatever node came out: a pod, the node itself, a made-up arrival. */
export function packetsFor(bundle: Bundle): PacketInput[] {
  const a = (s: string) => {
    const r = parseAddress(s);
    if ("error" in r) throw new Error(s);
    return r;
  };
  const node = bundle.nodes[0];
  const iface = node?.routing.interfaces.find((i) => i.name !== "lo")?.name ?? "eth0";
  const base = { sport: 40000, dport: 443, mark: 0, ctstate: "NEW" as const, ctmark: 0, assume: {} };
  return [
    { ...base, src: a("192.168.1.150"), dst: a("203.0.113.9"), proto: 6, iif: iface },
    { ...base, src: a("192.168.1.251"), dst: a("10.100.0.10"), proto: 17, dport: 53, iif: null },
    { ...base, src: a("192.168.1.150"), dst: a("172.20.1.100"), proto: 1, sport: null, dport: null, iif: "eni83e4ca63e3c", mark: 0x80 },
  ];
}

/**
 * The evaluator's limits for fuzzing: the same kind of bound as the defaults, smaller, so that
 * thousands of generated loops fit in the time budget. limits.test.ts runs the default limits on
 * pathological rulesets (and pins the known problems there).
 */
export const FUZZ_LIMITS: Limits = { maxSteps: 5_000, maxWorlds: 64, maxDepth: 128 };

/** Parses, and (when asked) traces the packets, in `bound` milliseconds without throwing. */
export function exercise(groups: InputGroup[], options: { evaluate: number; bound?: number }): Bundle {
  const files = groups.flatMap((g) => g.files);
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  const bound = options.bound ?? timeBound(bytes);
  const t0 = performance.now();
  const bundle = groups.length === 1 && groups[0]?.files.length === 1 && groups[0].node === groups[0].files[0]?.name
    ? parseBundle(groups[0].files[0].text, groups[0].files[0].name)
    : parseInputs(groups);
  assertDiagnosticsInside(bundle, files);
  for (const node of bundle.nodes.slice(0, 2)) {
    const facts = nodeFacts(node);
    for (const p of packetsFor(bundle).slice(0, options.evaluate)) {
      const json = traceJson(evaluate(facts, p, FUZZ_LIMITS), facts);
      traceText(json, { rules: "all" });
      traceText(json, { rules: "runs" });
      JSON.stringify(json);
    }
  }
  const ms = performance.now() - t0;
  if (ms > bound) throw new Error(`took ${ms.toFixed(0)} ms for ${bytes} bytes (bound ${bound.toFixed(0)} ms)`);
  return bundle;
}

/** A single file as a group, as `parseBundle` would see it. */
export function single(name: string, text: string): InputGroup[] {
  return [{ node: name, files: [{ name, text }] }];
}
