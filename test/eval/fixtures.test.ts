import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { compareTrace, validateExpectations } from "../../src/check/expectations.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import { traceJson, traceSummaryJson } from "../../src/explain/json.js";
import { DEFAULT_LIMITS } from "../../src/eval/netfilter.js";
import { traceText } from "../../src/explain/text.js";
import { packetFromFlags } from "../../src/cli/packet-options.js";
import { FIXTURES, fixtureDirs, runCli } from "../helpers.js";
import { loadBundle } from "../../src/cli/node-select.js";
import { processIo } from "../../src/cli/io.js";

// Packet-flow tables: each fixture's expect.yaml holds packets and what the real kernel did with them
// (observed when the fixture was captured; see its notes.txt). A failure prints podpath's trace.
for (const dir of fixtureDirs()) {
  describe(`fixture ${dir}`, () => {
    const spec = validateExpectations(parseYaml(readFileSync(`${FIXTURES}/${dir}/expect.yaml`, "utf8")));
    if ("errors" in spec) throw new Error(spec.errors.join("; "));
    const bundle = loadBundle(processIo(), [`${FIXTURES}/${dir}`]);
    const node = bundle.nodes[0];
    if (!node) throw new Error("no node");
    const facts = nodeFacts(node);

    it("parses without errors", () => {
      expect(bundle.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    });

    for (const exp of spec.expect) {
      it(exp.name, () => {
        const trace = traceJson(evaluate(facts, packetFromFlags(exp.packet, facts)), facts);
        const mismatches = compareTrace(exp, trace);
        expect(mismatches, `${JSON.stringify(mismatches)}\n\n${traceText(trace)}`).toEqual([]);
      });
    }

    it("gives the same verdict lines when the path is not recorded (trace --packets --json)", () => {
      const lean = { ...DEFAULT_LIMITS, listSkipped: false, recordSteps: false };
      for (const exp of spec.expect) {
        const packet = packetFromFlags(exp.packet, facts);
        const full = traceSummaryJson(evaluate(facts, packet), facts);
        const verdictOnly = evaluate(facts, packet, lean);
        expect(verdictOnly.outcomes.every((o) => o.steps.length === 0 && (o.route?.checked.length ?? 0) === 0), exp.name).toBe(true);
        expect(traceSummaryJson(verdictOnly, facts), exp.name).toEqual(full);
      }
    });
  });
}

describe("podpath check over every fixture", () => {
  it("passes, and writes JUnit XML when asked", async () => {
    const files = fixtureDirs().map((d) => `${FIXTURES}/${d}/expect.yaml`);
    const r = await runCli(["check", ...files, "--junit", "out.xml"]);
    expect(r.stdout).toMatch(/(\d+) passed, 0 failed\n$/);
    expect(r.code).toBe(0);
    const xml = r.written.get("out.xml") ?? "";
    expect(xml).toMatch(/<testsuites name="podpath check" tests="\d+" failures="0" errors="0">/);
  });
});
