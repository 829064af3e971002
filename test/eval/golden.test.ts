import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { validateExpectations } from "../../src/check/expectations.js";
import { suggestFixes } from "../../src/cni/suggest.js";
import { processIo } from "../../src/cli/io.js";
import { loadBundle } from "../../src/cli/node-select.js";
import { packetFromFlags } from "../../src/cli/packet-options.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import { traceJson } from "../../src/explain/json.js";
import { traceText } from "../../src/explain/text.js";
import { FIXTURES, fixtureDirs } from "../helpers.js";

// Golden text traces: what `podpath trace` prints for each fixture packet, kept beside the fixture
// (fixtures/<node>/golden/). They change only on purpose: review the diff, then `npx vitest -u`.
for (const dir of fixtureDirs()) {
  describe(`golden traces of ${dir}`, () => {
    const spec = validateExpectations(parseYaml(readFileSync(`${FIXTURES}/${dir}/expect.yaml`, "utf8")));
    if ("errors" in spec) throw new Error(spec.errors.join("; "));
    const node = loadBundle(processIo(), [`${FIXTURES}/${dir}`]).nodes[0];
    if (!node) throw new Error(dir);
    const facts = nodeFacts(node);
    spec.expect.forEach((exp, i) => {
      it(exp.name, async () => {
        const packet = packetFromFlags(exp.packet, facts);
        const result = evaluate(facts, packet);
        const text = traceText(traceJson(result, facts, suggestFixes(node, packet, result)));
        const slug = `${exp.packet.src}-${exp.packet.dst}`.replace(/[^\w.-]+/g, "_");
        await expect(`${text}\n`).toMatchFileSnapshot(`../../${FIXTURES}/${dir}/golden/${String(i + 1).padStart(2, "0")}-${slug}.txt`);
      });
    });
  });
}
