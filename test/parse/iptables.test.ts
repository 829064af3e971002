import { readFileSync, readdirSync, existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIptablesLine, parseIptablesSection } from "../../src/parse/iptables.js";
import { printAppend } from "../../src/parse/print-iptables.js";
import { splitLines } from "../../src/parse/source.js";

/** Every `-A` line iptables itself printed for the fixtures (`iptables -S` and `iptables-save`). */
function capturedRules(): string[] {
  const lines: string[] = [];
  for (const dir of readdirSync("fixtures")) {
    for (const f of ["iptables-S.txt", "iptables-save.txt"]) {
      const p = `fixtures/${dir}/${f}`;
      if (existsSync(p)) lines.push(...readFileSync(p, "utf8").split("\n").filter((l) => l.startsWith("-A ")));
    }
  }
  return lines;
}

describe("iptables line grammar", () => {
  it("round-trips every rule iptables printed for the fixtures", () => {
    const rules = capturedRules();
    expect(rules.length).toBeGreaterThan(200);
    for (const line of rules) {
      const node = parseIptablesLine(line);
      expect(node?.type, line).toBe("command");
      if (node?.type !== "command" || node.chain === null) continue;
      expect(printAppend(node.chain, node.spec)).toBe(line);
    }
  });

  it("keeps negation where it stood, in both historical positions (or both at once)", () => {
    const modern = parseIptablesLine("-A X ! -s 10.0.0.0/8 -m addrtype ! --dst-type LOCAL -j RETURN");
    const old = parseIptablesLine("-A X -s ! 10.0.0.0/8 -m addrtype --dst-type ! LOCAL -j RETURN");
    if (modern?.type !== "command" || old?.type !== "command") throw new Error("not parsed");
    expect(modern.spec.items[0]).toMatchObject({ type: "base", flag: "-s", negation: "before" });
    expect(old.spec.items[0]).toMatchObject({ type: "base", flag: "-s", negation: "after" });
    expect(printAppend("X", old.spec)).toBe("-A X -s ! 10.0.0.0/8 -m addrtype --dst-type ! LOCAL -j RETURN");
    const both = parseIptablesLine("-A X ! -s ! 10.0.0.0/8 -j RETURN");
    if (both?.type !== "command") throw new Error("not parsed");
    expect(both.spec.items[0]).toMatchObject({ type: "base", flag: "-s", negation: "both" });
    expect(printAppend("X", both.spec)).toBe("-A X ! -s ! 10.0.0.0/8 -j RETURN");
  });

  it("reads quoted strings with escapes", () => {
    const n = parseIptablesLine('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT');
    if (n?.type !== "command") throw new Error("not parsed");
    expect(n.spec.items[0]).toMatchObject({ type: "match", module: "comment", options: [{ name: "comment", values: [{ text: 'a "b" c', quoted: true }] }] });
    expect(printAppend("X", n.spec)).toBe('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT');
  });

  it("reads a line cut short as iptables-restore does, and says so (kernel-checked: test/kernel/restore.test.ts)", () => {
    const text = [
      "*nat",
      ":PREROUTING ACCEPT [0",
      ":KUBE-SERVICES - 0:65535",
      '-A PREROUTING -m comment --comment "kube-sy',
      "-A PREROUTING -j KUBE-SERVICES --",
      ":INP",
      "-",
      "COMMIT",
    ].join("\n");
    const { lines, diagnostics } = parseIptablesSection(splitLines(text, "cut.txt"));
    expect(lines.map((l) => l.node.type)).toEqual(["table", "chain-decl", "chain-decl", "command", "command", "commit"]);
    expect(lines[2]?.node).toMatchObject({ type: "chain-decl", name: "KUBE-SERVICES", policy: "-", counters: null, ignored: { text: "0:65535", column: 18 } });
    expect(lines[3]?.node).toMatchObject({ spec: { items: [{ module: "comment", options: [{ values: [{ text: "kube-sy", unterminated: true }] }] }] } });
    expect(lines[4]?.node).toMatchObject({ spec: { items: [{ type: "target", name: "KUBE-SERVICES", options: [] }] } });
    expect(diagnostics.map((d) => [d.line, d.severity, d.message])).toEqual([
      [2, "warning", 'ignored: "[0" after the policy (iptables-restore reads only [packets:bytes] counters there)'],
      [3, "warning", 'ignored: "0:65535" after the policy (iptables-restore reads only [packets:bytes] counters there)'],
      [4, "warning", "quote never closed: iptables-restore reads the rest of the line as this value (was the line cut short?)"],
      [6, "error", expect.stringMatching(/^iptables: Expected/)],
      [7, "error", expect.stringMatching(/^iptables: Expected/)],
    ]);
  });

  it("reads save-format structure lines", () => {
    const { lines, diagnostics } = parseIptablesSection(splitLines("*nat\n:PREROUTING ACCEPT [12:720]\n:KUBE-SERVICES - [0:0]\n[3:180] -A PREROUTING -j KUBE-SERVICES\nCOMMIT\n", "f"));
    expect(diagnostics).toEqual([]);
    expect(lines.map((l) => l.node.type)).toEqual(["table", "chain-decl", "chain-decl", "command", "commit"]);
    expect(lines[3]?.node).toMatchObject({ counters: { packets: "3", bytes: "180" }, chain: "PREROUTING" });
  });

  it("reports a bad line with its line and column, and keeps the lines around it", () => {
    const text = "-A X -j ACCEPT\n-A X -s 1.2.3.4 -Q 5\n-A Y -j DROP\n";
    const { lines, diagnostics } = parseIptablesSection(splitLines(text, "dump.txt"));
    expect(lines).toHaveLength(2);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: "dump.txt", line: 2, column: 17, severity: "error" });
    expect(diagnostics[0]?.message).toMatch(/Expected .* but "-" found/);
  });

  it("never throws on random or mutated input, and every error points inside its line", () => {
    const rules = capturedRules();
    const mutated = fc.tuple(fc.constantFrom(...rules), fc.nat(), fc.string({ maxLength: 6 })).map(([r, at, s]) => {
      const i = at % (r.length + 1);
      return r.slice(0, i) + s + r.slice(i + 1);
    });
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), mutated), (text) => {
      const src = splitLines(text, "f");
      const { diagnostics } = parseIptablesSection(src);
      for (const d of diagnostics) {
        const line = src[d.line - 1];
        expect(line).toBeDefined();
        expect(d.column).toBeGreaterThanOrEqual(1);
        expect(d.column).toBeLessThanOrEqual((line?.raw.length ?? 0) + 1);
      }
    }), { numRuns: 2000 });
  });
});
