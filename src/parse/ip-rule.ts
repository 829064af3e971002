/** Parses an `ip rule` listing, line by line: a bad line gives one diagnostic and parsing goes on. */
import type { Diagnostic } from "../diagnostics.js";
import type { Family } from "../model/address.js";
import * as grammar from "../generated/ip-rule.js";
import { lineOrigin, type IpRuleSyntax, type RuleLineSyntax } from "./ip-syntax.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

const parser: PeggyParser<RuleLineSyntax> = grammar;

/** `family` is the listing's family (`ip -6 rule`), or null to infer it per rule from its addresses. */
export function parseIpRuleSection(
  lines: SourceLine[],
  family: Family | null,
): { rules: IpRuleSyntax[]; diagnostics: Diagnostic[] } {
  const rules: IpRuleSyntax[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const line of lines) {
    if (line.raw.trim() === "") continue;
    const result = parseLine(parser, line, "ip rule", { startRule: "RuleLine" });
    if (!result.ok) {
      diagnostics.push(result.diagnostic);
      continue;
    }
    rules.push({
      type: "ip-rule",
      family,
      ...result.value,
      origin: lineOrigin(line),
    });
  }
  return { rules, diagnostics };
}

