/** A small mixed paste cut at every byte offset (a paste cut short), through parse and the evaluator. */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { SEED, counter, exercise, single } from "./harness.js";

const started = performance.now();
afterAll(() => console.log(`fuzz truncation: ${counter.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (PODPATH_FUZZ_SEED=${SEED})`));

/** About 3 KB: the messy paste's opening (chatter, separator, `ip -c` colours) and an iptables-save table. */
function sample(): Buffer {
  const paste = readFileSync("fixtures/messy-paste/paste.txt", "utf8");
  const head = paste.slice(0, paste.lastIndexOf("\n", 2200) + 1);
  const save = readFileSync("fixtures/cni-v1.0-legacy/iptables-save.txt", "utf8").split("\n").slice(0, 17).join("\n");
  return Buffer.from(`${head}$ sudo iptables-save\n${save}\n`, "utf8");
}

describe("fuzz: truncation at every byte offset", () => {
  const bytes = sample();

  it("the sample mixes formats and has multi-byte characters to cut through", () => {
    expect(bytes.length).toBeGreaterThan(2500);
    expect(bytes.toString("utf8")).toMatch(/\x1b\[/);
  });

  it("never throws, stays in time, keeps diagnostics inside the input", { timeout: 300_000 }, () => {
    for (let n = 0; n <= bytes.length; n++) {
      counter.cases++;
      // Cutting inside a UTF-8 sequence leaves a replacement character, as reading such a file would.
      const text = bytes.subarray(0, n).toString("utf8");
      try {
        // Every 8th cut is also traced (tracing is the slower part).
        exercise(single("paste.txt", text), { evaluate: n % 8 === 0 ? 2 : 0 });
      } catch (e) {
        throw new Error(`cut at byte ${n} of ${bytes.length}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  });
});
