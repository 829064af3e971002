/** Mutated fixtures (windows of several, whole files, whole nodes) through parseBundle and the evaluator. */
import { afterAll, describe, it } from "vitest";
import fc from "fast-check";
import { FIXTURE_FILES, NODE_DIRS, SEED, check, counter, exercise, fixtureWindow, mutate, mutation, nodeGroup, single } from "./harness.js";

const started = performance.now();
afterAll(() => console.log(`fuzz mutations: ${counter.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (PODPATH_FUZZ_SEED=${SEED})`));

describe("fuzz: mutated fixture windows, traced", () => {
  it("parse + evaluate: a few packets through what is left", { timeout: 300_000 }, () => {
    check(
      "window-eval",
      fc.tuple(fc.array(fixtureWindow, { minLength: 1, maxLength: 4 }), fc.array(mutation, { maxLength: 3 })),
      ([ws, ms]) => {
        const text = mutate(ws.flatMap((w) => w.lines), ms).join("\n");
        exercise(single("paste.txt", text), { evaluate: 3 });
      },
      2_500,
    );
  });
});

describe("fuzz: mutated whole fixtures", () => {
  it.each(FIXTURE_FILES.map((f) => [f.path, f] as const))("%s", { timeout: 60_000 }, (_path, f) => {
    check(
      `file-${f.path}`,
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (ms) => void exercise(single(f.path, mutate(f.lines, ms).join("\n")), { evaluate: 0 }),
      25,
    );
  });

  it.each(NODE_DIRS)("node %s, mutated, traced", { timeout: 60_000 }, (dir) => {
    const group = nodeGroup(dir);
    check(
      `node-${dir}`,
      fc.array(fc.tuple(fc.nat(group.files.length - 1), mutation), { minLength: 1, maxLength: 6 }),
      (ms) => {
        const files = group.files.map((f, i) => ({ name: f.name, text: mutate(f.text.split("\n"), ms.filter(([j]) => j === i).map(([, m]) => m)).join("\n") }));
        exercise([{ node: group.node, files }], { evaluate: 3 });
      },
      30,
    );
  });
});
