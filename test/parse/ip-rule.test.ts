import { describe, it, expect } from "vitest";
import { parseIpRuleSection } from "../../src/parse/ip-rule.js";
import { lines, sample } from "./ip-samples.js";

describe("parseIpRuleSection", () => {
  it("parses every line of captured `ip rule`, `ip -6 rule`, `ip -d rule` and `ip -c rule` output", () => {
    for (const [file, family, count] of [["ip-rule.txt", 4, 25], ["ip-6-rule.txt", 6, 4], ["ip-d-rule.txt", null, 25], ["ip-c-rule.txt", null, 25]] as const) {
      const { rules, diagnostics } = parseIpRuleSection(sample(file), family);
      expect(diagnostics, file).toEqual([]);
      expect(rules, file).toHaveLength(count);
    }
  });

  it("keeps options in order with their columns, and the line's origin", () => {
    const { rules } = parseIpRuleSection(lines("10:\tfrom all iif vlan5ff0a9b2c31 [detached] lookup 101\n"), null);
    const rule = rules[0];
    expect(rule?.priority).toEqual({ text: "10", column: 1 });
    expect(rule?.options.map((o) => o.type)).toEqual(["from", "iif", "lookup"]);
    expect(rule?.options[1]).toEqual({ type: "iif", column: 14, name: { text: "vlan5ff0a9b2c31", column: 18 }, detached: true });
    expect(rule?.origin).toEqual({ file: "paste.txt", line: 1, column: 1, raw: "10:\tfrom all iif vlan5ff0a9b2c31 [detached] lookup 101" });
    expect(rule?.family).toBeNull();
  });

  it("accepts rules without a priority and with `not`", () => {
    const { rules, diagnostics } = parseIpRuleSection(lines("not from all to 192.168.0.0/16 lookup main\nfrom all iif eth0 [detached] lookup 3\n"), 4);
    expect(diagnostics).toEqual([]);
    expect(rules.map((r) => [r.priority, r.not])).toEqual([[null, true], [null, false]]);
  });

  it("gives one diagnostic per bad line, with its line and a column inside it, and goes on", () => {
    const text = "0:\tfrom all lookup local\n512:\tfrom all lookup\nhello world\n1024:\tfrom all fwmark lookup main\n32766:\tfrom all lookup main\n";
    const { rules, diagnostics } = parseIpRuleSection(lines(text), null);
    expect(rules.map((r) => r.priority?.text)).toEqual(["0", "32766"]);
    expect(diagnostics.map((d) => [d.line, d.column, d.severity])).toEqual([[2, 21, "error"], [3, 1, "error"], [4, 23, "error"]]);
    expect(diagnostics[0]?.message).toMatch(/^ip rule: Expected .* but end of input found/);
    expect(diagnostics[1]?.excerpt).toBe("hello world");
  });

  it("keeps a rule with unknown trailing words as `unknown` options", () => {
    const { rules, diagnostics } = parseIpRuleSection(lines("100:\tfrom all lookup main dscp 10\n"), null);
    expect(diagnostics).toEqual([]);
    expect(rules[0]?.options.slice(2)).toEqual([{ type: "unknown", column: 27, word: "dscp" }, { type: "unknown", column: 32, word: "10" }]);
  });
});
