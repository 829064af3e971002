import { describe, expect, it } from "vitest";
import type { StepJson, TraceJson } from "../../src/explain/json.js";
import { traceText } from "../../src/explain/text.js";

const miss = (n: number): StepJson => ({
  type: "rule", table: "nat", chain: "KUBE-SERVICES", position: n, matched: false, depth: 1,
  failed: `-d 10.100.0.${n}/32`, rule: `-A KUBE-SERVICES -d 10.100.0.${n}/32 -j KUBE-SVC-${n}`, at: `dump:${n}`,
});

/** A trace whose path has a run of `count` rules that did not match, then the one that did. */
function trace(count: number): TraceJson {
  const steps: StepJson[] = [
    { type: "hook", hook: "PREROUTING", table: "nat", present: true },
    ...Array.from({ length: count }, (_, i) => miss(i + 1)),
    { type: "rule", table: "nat", chain: "KUBE-SERVICES", position: count + 1, matched: true, depth: 1, failed: null, rule: "-A KUBE-SERVICES -d 10.100.1.1/32 -j KUBE-SVC-X", at: "dump:99" },
  ];
  const outcome = { verdict: "forwarded", probability: 1, snat: false, dnat: false, final: { src: "10.0.0.5", dst: "10.100.1.1", dport: 80 }, egress: null, assumptions: [], explanation: "", steps };
  return { node: "n", packet: { proto: "tcp", src: "10.0.0.5", sport: 40000, dst: "10.100.1.1", dport: 80, iif: "eni1", mark: "0x0", pod: null }, outcomes: [outcome], fixes: [], truncated: false } as unknown as TraceJson;
}

const pathOf = (text: string) => text.slice(text.indexOf("path:") + "path:\n".length).split("\n");

describe("the text trace's path", () => {
  it("cuts a long run of rules that did not match to its ends and a count", () => {
    const lines = pathOf(traceText(trace(5000)));
    expect(lines).toEqual([
      "  PREROUTING nat",
      "      ✗ -A KUBE-SERVICES -d 10.100.0.1/32 -j KUBE-SVC-1   [no: -d 10.100.0.1/32]",
      "      ✗ -A KUBE-SERVICES -d 10.100.0.2/32 -j KUBE-SVC-2   [no: -d 10.100.0.2/32]",
      "      ✗ -A KUBE-SERVICES -d 10.100.0.3/32 -j KUBE-SVC-3   [no: -d 10.100.0.3/32]",
      "      … 4,995 more rules did not match (-d 10.100.0.4/32, -d 10.100.0.5/32, -d 10.100.0.6/32, …) (trace --all-rules lists them)",
      "      ✗ -A KUBE-SERVICES -d 10.100.0.4999/32 -j KUBE-SVC-4999   [no: -d 10.100.0.4999/32]",
      "      ✗ -A KUBE-SERVICES -d 10.100.0.5000/32 -j KUBE-SVC-5000   [no: -d 10.100.0.5000/32]",
      "      ✓ -A KUBE-SERVICES -d 10.100.1.1/32 -j KUBE-SVC-X",
    ]);
  });

  it("lists a short run whole, every rule with --all-rules, and none with --brief", () => {
    expect(pathOf(traceText(trace(8)))).toHaveLength(1 + 8 + 1);
    expect(pathOf(traceText(trace(9)))).toHaveLength(1 + 6 + 1);
    expect(pathOf(traceText(trace(5000), { rules: "all" }))).toHaveLength(1 + 5000 + 1);
    expect(pathOf(traceText(trace(5000), { rules: "matched" }))).toEqual(["  PREROUTING nat", "      ✓ -A KUBE-SERVICES -d 10.100.1.1/32 -j KUBE-SVC-X"]);
  });
});
