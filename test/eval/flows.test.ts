import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { processIo } from "../../src/cli/io.js";
import { loadBundle } from "../../src/cli/node-select.js";
import { checkFlow } from "../../src/eval/flows.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import { flowJson } from "../../src/explain/flows.js";
import { parseBundle } from "../../src/model/bundle.js";
import { FIXTURES, fixtureDirs, runCli } from "../helpers.js";

/** The conntrack entries the real kernel recorded when each fixture was captured (notes.txt). */
function recordedFlows(dir: string): string {
  const notes = `${FIXTURES}/${dir}/notes.txt`;
  if (!existsSync(notes)) return "";
  return readFileSync(notes, "utf8").split("\n").filter((l) => /conntrack: /.test(l)).map((l) => l.replace(/.*conntrack: /, "")).join("\n");
}

describe("explaining flows the kernel recorded", () => {
  for (const dir of fixtureDirs()) {
    const text = recordedFlows(dir);
    if (text === "") continue;
    it(`${dir}: every recorded flow's NAT is produced by the node's rules`, () => {
      const node = loadBundle(processIo(), [`${FIXTURES}/${dir}`]).nodes[0];
      if (!node) throw new Error(dir);
      const flows = parseBundle(`$ conntrack -L\n${text}\n`, "notes").nodes[0]?.flows ?? [];
      expect(flows.length).toBeGreaterThan(0);
      const facts = nodeFacts(node);
      for (const f of flows) {
        const j = flowJson(checkFlow(facts, f), facts);
        expect(j.explained, `${j.flow}\n${j.explanation}`).toBe(true);
      }
    });
  }

  it("says when no rule would produce the recorded NAT", () => {
    const node = loadBundle(processIo(), [`${FIXTURES}/eks-al2023-two-enis`]).nodes[0];
    if (!node) throw new Error("no node");
    const forged = "tcp      6 117 TIME_WAIT src=192.168.1.150 dst=203.0.113.9 sport=1 dport=443 src=203.0.113.9 dst=192.168.1.140 sport=443 dport=1 [ASSURED] mark=0 use=1";
    const flow = parseBundle(`$ conntrack -L\n${forged}\n`, "x").nodes[0]?.flows[0];
    if (!flow) throw new Error("flow not parsed");
    const facts = nodeFacts(node);
    const j = flowJson(checkFlow(facts, flow), facts);
    expect(j.explained).toBe(false);
    expect(j.observed).toEqual({ snat: "192.168.1.140", dnat: null, mark: "0x0" });
    expect(j.explanation).toMatch(/no rule here produces what was recorded/);
  });

  it("podpath explain reads the log collector's conntrack.txt from the bundle", async () => {
    const r = await runCli(["explain", `${FIXTURES}/eks-log-collector`, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({ explained: true, observed: { snat: "192.168.1.251", mark: "0x80" } });
    expect(j[0].explanation).toMatch(/SNAT by rule 4 of nat AWS-SNAT-CHAIN-0/);
  });
});
