/** Mutated windows of every fixture (most of the fuzz cases: small and cheap), through parseBundle. */
import { afterAll, describe, it } from "vitest";
import fc from "fast-check";
import { SEED, check, counter, exercise, fixtureWindow, mutate, mutation, single } from "./harness.js";

const started = performance.now();
afterAll(() => console.log(`fuzz windows: ${counter.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (PODPATH_FUZZ_SEED=${SEED})`));

describe("fuzz: mutated fixture windows", () => {
  it("parse: never throws, stays in time, diagnostics point inside the input", { timeout: 300_000 }, () => {
    check(
      "window-parse",
      fc.tuple(fixtureWindow, fc.array(mutation, { minLength: 1, maxLength: 4 })),
      ([w, ms]) => {
        const text = mutate(w.lines, ms).join("\n");
        exercise(single(w.path, text), { evaluate: 0 });
      },
      33_000,
    );
  });
});
