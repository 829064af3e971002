import { describe, it, expect } from "vitest";
import { formatPrefix } from "../../src/model/address.js";
import { lowerIpRules } from "../../src/model/lower-ip-rule.js";
import type { IpRule } from "../../src/model/routing.js";
import { parseIpRuleSection } from "../../src/parse/ip-rule.js";
import type { Family } from "../../src/model/address.js";
import { lines, sample } from "../parse/ip-samples.js";

function lower(text: string, family: Family | null = null) {
  const parsed = parseIpRuleSection(lines(text), family);
  expect(parsed.diagnostics).toEqual([]);
  return lowerIpRules(parsed.rules);
}

function one(text: string, family: Family | null = null): IpRule {
  const { rules, diagnostics } = lower(text, family);
  expect(diagnostics).toEqual([]);
  expect(rules).toHaveLength(1);
  return rules[0] as IpRule;
}

describe("lowerIpRules", () => {
  it("lowers the captured listing without diagnostics, in order", () => {
    const { rules, diagnostics } = lowerIpRules(parseIpRuleSection(sample("ip-rule.txt"), 4).rules);
    expect(diagnostics).toEqual([]);
    expect(rules.map((r) => r.priority)).toEqual([0, 10, 20, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 512, 1024, 1536, 32000, 32766, 32767]);
  });

  it("lowers EKS rules: to, fwmark with mask, from, iif", () => {
    const { rules } = lowerIpRules(parseIpRuleSection(sample("handwritten-eks-rule.txt"), null).rules);
    const [local, to, mark, from, iif] = rules;
    expect(local).toMatchObject({ family: 4, priority: 0, from: null, to: null, action: { type: "lookup", table: "local" } });
    expect(to && to.to && formatPrefix(to.to)).toBe("192.168.1.150");
    expect(to?.action).toEqual({ type: "lookup", table: "main" });
    expect(mark?.fwmark).toEqual({ value: 0x80, mask: 0x80 });
    expect(from && from.from && formatPrefix(from.from, true)).toBe("192.168.1.150/32");
    expect(from?.action).toEqual({ type: "lookup", table: "2" });
    expect(iif).toMatchObject({ priority: 10, iif: "vlan5ff0a9b2c31", iifDetached: false, action: { type: "lookup", table: "101" } });
    expect(iif?.origin).toMatchObject({ file: "handwritten-eks-rule.txt", line: 5, column: 1 });
  });

  it.each([
    ["20:\tnot from all to 192.168.0.0/16 lookup main", { not: true, to: { family: 4, value: 0xc0a80000n, len: 16 } }],
    ["30:\tfrom all iif eth0 [detached] lookup 3", { iif: "eth0", iifDetached: true, action: { type: "lookup", table: "3" } }],
    ["31:\tfrom all oif eth1 [detached] lookup 3", { oif: "eth1", oifDetached: true }],
    ["32:\tfrom all fwmark 0x80 lookup 3", { fwmark: { value: 0x80, mask: 0xffffffff } }],
    ["33:\tfrom all tos 0x10 lookup 3", { tos: 0x10 }],
    ["33:\tfrom all dsfield AF11 lookup 3", { tos: 0x28 }],
    ["34:\tfrom all ipproto tcp sport 1000-2000 dport 53 lookup 3", { ipproto: 6, sport: { lo: 1000, hi: 2000 }, dport: { lo: 53, hi: 53 } }],
    ["35:\tfrom all ipproto 17 dport 53 lookup 3", { ipproto: 17 }],
    ["36:\tfrom all uidrange 1000-2000 lookup 3", { uidrange: { lo: 1000, hi: 2000 } }],
    ["37:\tfrom all lookup [l3mdev-table]", { l3mdev: true, action: { type: "lookup", table: "[l3mdev-table]" } }],
    ["37:\tfrom all l3mdev lookup 5", { l3mdev: true }],
    ["38:\tfrom 10.0.0.0/8 lookup main suppress_prefixlength 0", { suppressPrefixlength: 0, from: { family: 4, value: 0x0a000000n, len: 8 } }],
    ["39:\tfrom all lookup main suppress_ifgroup 5", { suppressIfgroup: "5" }],
    ["40:\tfrom all lookup 5 realms 3/4", { realms: "3/4" }],
    ["41:\tfrom all goto 32000", { action: { type: "goto", priority: 32000 } }],
    ["32000:\tfrom all nop", { action: { type: "nop" } }],
    ["42:\tfrom all blackhole", { action: { type: "blackhole" } }],
    ["43:\tfrom all unreachable", { action: { type: "unreachable" } }],
    ["44:\tfrom all prohibit", { action: { type: "prohibit" } }],
    ["45:\tfrom all lookup 6 proto static", { protocol: "static" }],
    ["45:\tfrom all lookup 254 protocol kernel", { protocol: "kernel", action: { type: "lookup", table: "main" } }],
    ["46:\tfrom all lookup mytable", { action: { type: "lookup", table: "mytable" } }],
  ] as const)("%s", (text, expected) => {
    expect(one(text)).toMatchObject(expected);
  });

  it("lowers IPv6 rules and takes the family from the listing or the addresses", () => {
    const { rules, diagnostics } = lowerIpRules(parseIpRuleSection(sample("ip-6-rule.txt"), 6).rules);
    expect(diagnostics).toEqual([]);
    expect(rules.map((r) => r.family)).toEqual([6, 6, 6, 6]);
    expect(rules[1]?.from && formatPrefix(rules[1].from)).toBe("2001:db8::/32");
    expect(rules[2]).toMatchObject({ not: true, action: { type: "lookup", table: "main" } });
    expect(one("0:\tfrom all lookup local").family).toBe(4);
    expect(one("0:\tfrom all lookup local", 6).family).toBe(6);
    expect(one("100:\tfrom 2001:db8::/32 lookup 100").family).toBe(6);
  });

  it("reports a bad prefix with its column and drops the rule", () => {
    const { rules, diagnostics } = lower("1:\tfrom 10.0.0.0/33 lookup main\n2:\tfrom all lookup main\n");
    expect(rules.map((r) => r.priority)).toEqual([2]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ line: 1, column: 9, severity: "error" });
    expect(diagnostics[0]?.message).toMatch(/prefix length 33/);
  });

  it("reports address family mismatches", () => {
    const inListing = lower("1:\tfrom 10.0.0.0/8 lookup main\n", 6);
    expect(inListing.rules).toEqual([]);
    expect(inListing.diagnostics.map((d) => [d.column, d.severity])).toEqual([[9, "error"]]);
    expect(inListing.diagnostics[0]?.message).toMatch(/family mismatch/);
    const inRule = lower("1:\tfrom 10.0.0.0/8 to 2001:db8::/32 lookup main\n");
    expect(inRule.rules).toEqual([]);
    expect(inRule.diagnostics.map((d) => d.column)).toEqual([23]);
  });

  it("keeps a rule with unknown words, with one warning for the run", () => {
    const { rules, diagnostics } = lower("100:\tfrom all lookup main dscp 10\n");
    expect(rules).toHaveLength(1);
    expect(diagnostics.map((d) => [d.column, d.severity])).toEqual([[27, "warning"]]);
    expect(diagnostics[0]?.message).toContain('"dscp 10"');
  });

  it("reports bad numbers, empty ranges and missing actions", () => {
    for (const [text, column] of [
      ["1:\tfrom all fwmark 0x1ffffffff lookup main", 20],
      ["1:\tfrom all dport 70000 lookup main", 19],
      ["1:\tfrom all sport 20-10 lookup main", 19],
      ["1:\tfrom all ipproto nosuch lookup main", 21],
      ["1:\tfrom all tos nosuch lookup main", 17],
      ["1:\tfrom all iif eth0", 21],
    ] as const) {
      const { rules, diagnostics } = lower(text);
      expect(rules, text).toEqual([]);
      expect(diagnostics.map((d) => [d.line, d.column, d.severity]), text).toEqual([[1, column, "error"]]);
    }
  });

  it("assumes the previous priority for a rule printed without one, and says so", () => {
    const { rules, diagnostics } = lower("100:\tfrom all lookup 1\nfrom all lookup 2\n");
    expect(rules.map((r) => r.priority)).toEqual([100, 100]);
    expect(diagnostics.map((d) => [d.line, d.severity])).toEqual([[2, "warning"]]);
  });
});
