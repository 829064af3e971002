/**
 * "A bad line costs only itself": damage one line of a real dump and every other rule, ip rule and
 * route of that dump must still be in the model, at its own line.
 */
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseBundle } from "../../src/model/bundle.js";
import type { NodeModel } from "../../src/model/node.js";
import { FIXTURE_FILES, SEED, TOKENS, check, counter, exercise, randomBytesText, single } from "./harness.js";

const started = performance.now();
afterAll(() => console.log(`fuzz bad-line: ${counter.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (PODPATH_FUZZ_SEED=${SEED})`));

/** `file:line` of every rule, ip rule and route the model kept. */
function kept(node: NodeModel | undefined): Set<number> {
  const lines = new Set<number>();
  if (!node) return lines;
  for (const rs of node.rulesets) for (const t of rs.tables.values()) for (const c of t.chains.values()) for (const r of c.rules) lines.add(r.origin.line);
  for (const r of node.routing.rules) lines.add(r.origin.line);
  for (const r of node.routing.routes) lines.add(r.origin.line);
  return lines;
}

// A damaged line stays one line: no newline may sneak in.
const oneLine = (s: string) => s.replace(/[\n\u2028\u2029]/g, " ");
const token = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOKENS) }, { weight: 1, arbitrary: randomBytesText }).map(oneLine);

type Damage =
  | { type: "truncate"; at: number }
  | { type: "replace"; at: number; token: string }
  | { type: "insert"; at: number; token: string }
  | { type: "swap"; a: number; b: number }
  | { type: "junk"; tokens: string[] };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ type: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ type: fc.constant("replace" as const), at: fc.nat(), token }),
  fc.record({ type: fc.constant("insert" as const), at: fc.nat(), token }),
  fc.record({ type: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ type: fc.constant("junk" as const), tokens: fc.array(token, { maxLength: 6 }) }),
);

/** Damages what follows `keep` words of the line (the `-A CHAIN` of a rule, nothing of a route). */
function damageLine(line: string, keep: number, d: Damage): string {
  const words = line.split(" ");
  const head = words.slice(0, keep);
  const tail = words.slice(keep);
  switch (d.type) {
    case "truncate": {
      const rest = tail.join(" ");
      return [...head, rest.slice(0, d.at % (rest.length + 1))].join(" ");
    }
    case "replace":
    case "insert":
      tail.splice(d.at % (tail.length + 1), d.type === "replace" ? 1 : 0, d.token);
      return [...head, ...tail].join(" ");
    case "swap": {
      if (tail.length === 0) return line;
      const a = d.a % tail.length;
      const b = d.b % tail.length;
      [tail[a], tail[b]] = [tail[b] ?? "", tail[a] ?? ""];
      return [...head, ...tail].join(" ");
    }
    case "junk":
      // Words, not a prompt, heading or separator (those rightly start a new section).
      return `junk ${d.tokens.join(" ")}`;
  }
}

interface Target {
  path: string;
  lines: string[];
  /** Indices of the lines that each make one rule or route. */
  items: number[];
  /** Words of a line that are kept when it is damaged. */
  keep: number;
}

const TARGETS: Target[] = FIXTURE_FILES.flatMap((f): Target[] => {
  const lines = f.text.split("\n");
  const idx = (re: RegExp) => lines.flatMap((l, i) => (re.test(l) ? [i] : []));
  const name = f.path.split("/").pop() ?? "";
  if (/^iptables-(save|S)\.txt$/.test(name)) return [{ path: f.path, lines, items: idx(/^-A /), keep: 2 }];
  if (/^ip-?rule\.txt$/.test(name)) return [{ path: f.path, lines, items: idx(/^\d+:/), keep: 0 }];
  if (/^ip-?route\.txt$/.test(name)) return [{ path: f.path, lines, items: idx(/^\S/), keep: 0 }];
  return [];
});

describe("fuzz: a bad line costs only itself", () => {
  it("covers every iptables, ip rule and ip route fixture", () => {
    expect(TARGETS.length).toBeGreaterThanOrEqual(20);
    for (const t of TARGETS) expect(t.items.length, t.path).toBeGreaterThan(0);
  });

  it.each(TARGETS.map((t) => [t.path, t] as const))("%s", { timeout: 120_000 }, (_p, t) => {
    const before = kept(parseBundle(t.lines.join("\n"), t.path).nodes[0]);
    // Every rule line of the fixture is in the model to start with.
    for (const i of t.items) expect(before.has(i + 1), `${t.path}:${i + 1}`).toBe(true);
    check(
      `bad-line-${t.path}`,
      fc.tuple(fc.nat(t.items.length - 1), damage),
      ([k, d]) => {
        const at = t.items[k] as number;
        const lines = [...t.lines];
        lines[at] = damageLine(lines[at] as string, t.keep, d);
        const bundle = exercise(single(t.path, lines.join("\n")), { evaluate: 0 });
        const after = kept(bundle.nodes[0]);
        const lost = t.items.filter((i) => i !== at && !after.has(i + 1)).map((i) => `${i + 1}: ${t.lines[i]}`);
        if (lost.length > 0) throw new Error(`damaging line ${at + 1} (${JSON.stringify(lines[at]?.slice(0, 200))}) lost ${lost.length} other lines:\n${lost.slice(0, 5).join("\n")}`);
      },
      // Whole fixtures are parsed each time (10 ms or so): fewer cases than the window fuzzing.
      t.lines.length > 60 ? 120 : 200,
    );
  });
});
