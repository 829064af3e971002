import { describe, it, expect } from "vitest";
import fc from "fast-check";
import type { Diagnostic } from "../../src/diagnostics.js";
import { lowerInterfaces } from "../../src/model/lower-ip-addr.js";
import { lowerIpRoutes } from "../../src/model/lower-ip-route.js";
import { lowerIpRules } from "../../src/model/lower-ip-rule.js";
import { parseIpAddrSection } from "../../src/parse/ip-addr.js";
import { parseIpRouteSection } from "../../src/parse/ip-route.js";
import { parseIpRuleSection } from "../../src/parse/ip-rule.js";
import * as recognise from "../../src/parse/recognise-ip.js";
import { splitLines, type SourceLine } from "../../src/parse/source.js";
import { SAMPLE_FILES, sampleText } from "./ip-samples.js";

/** Parses and lowers `text` as every iproute2 format; returns all diagnostics. */
function runAll(input: SourceLine[]): Diagnostic[] {
  const rules = parseIpRuleSection(input, null);
  const routes = parseIpRouteSection(input, null);
  const addrs = parseIpAddrSection(input);
  for (const line of input) for (const f of Object.values(recognise)) f(line.raw);
  return [
    ...rules.diagnostics, ...lowerIpRules(rules.rules).diagnostics,
    ...routes.diagnostics, ...lowerIpRoutes(routes.routes).diagnostics,
    ...addrs.diagnostics, ...lowerInterfaces(addrs.interfaces).diagnostics,
  ];
}

function expectInside(input: SourceLine[], diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const line = input.find((l) => l.line === d.line);
    expect(line, d.message).toBeDefined();
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeLessThanOrEqual((line?.raw.length ?? 0) + 1);
    expect(d.excerpt).toBe(line?.raw);
  }
}

const SAMPLES = SAMPLE_FILES.map(sampleText);
const TOKENS = [" ", "\t", "/", ":", "@", "<", ">", ",", "[", "]", "-", "0", "1", "33", "0x80", "::", "fe80::1", "10.0.0.0/33",
  "from", "all", "to", "lookup", "not", "via", "dev", "table", "inet", "inet6", "peer", "nexthop", "default", "UP", "link/ether", "\u001b[31m"];

/** A sample with random edits: deletions, duplications and inserted tokens at random places. */
const mutatedSample = fc
  .tuple(fc.constantFrom(...SAMPLES), fc.array(fc.tuple(fc.nat(), fc.nat(20), fc.constantFrom(...TOKENS)), { maxLength: 12 }))
  .map(([text, edits]) => {
    let out = text;
    for (const [at, cut, insert] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      out = out.slice(0, i) + insert + out.slice(i + (cut % 4 === 0 ? cut : 0));
    }
    return out;
  });

describe("iproute2 parsers on arbitrary input", () => {
  it("never throw on random strings, and every diagnostic points inside the input", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 200 }), (text) => {
      const input = splitLines(text, "random.txt");
      expectInside(input, runAll(input));
    }), { numRuns: 500 });
  });

  it("never throw on mutated samples, and every diagnostic points inside the input", () => {
    fc.assert(fc.property(mutatedSample, (text) => {
      const input = splitLines(text, "mutated.txt");
      expectInside(input, runAll(input));
    }), { numRuns: 300 });
  });

  it("give at most one diagnostic per line when parsing", () => {
    fc.assert(fc.property(mutatedSample, (text) => {
      const input = splitLines(text, "mutated.txt");
      for (const { diagnostics } of [parseIpRuleSection(input, null), parseIpRouteSection(input, null), parseIpAddrSection(input)]) {
        const lines = diagnostics.map((d) => d.line);
        expect(new Set(lines).size).toBe(lines.length);
      }
    }), { numRuns: 300 });
  });
});
