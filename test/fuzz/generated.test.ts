/** Grammar-based generation: plausible dumps with random options, through parse and the evaluator. */
import { afterAll, describe, it } from "vitest";
import fc from "fast-check";
import { SEED, check, counter, exercise, generatedPaste, mutate, mutation, single } from "./harness.js";

const started = performance.now();
afterAll(() => console.log(`fuzz generated: ${counter.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (PODPATH_FUZZ_SEED=${SEED})`));

describe("fuzz: generated dumps", () => {
  it("parse", { timeout: 300_000 }, () => {
    check("generated-parse", fc.tuple(generatedPaste, fc.array(mutation, { maxLength: 2 })), ([lines, ms]) => {
      exercise(single("paste.txt", mutate(lines, ms).join("\n")), { evaluate: 0 });
    }, 6_000);
  });

  it("parse + evaluate", { timeout: 300_000 }, () => {
    check("generated-eval", generatedPaste, (lines) => {
      exercise(single("paste.txt", lines.join("\n")), { evaluate: 3 });
    }, 800);
  });
});
