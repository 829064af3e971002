/** JUnit XML for CI systems: one testsuite per expectation file, one testcase per packet. */

export interface CaseResult {
  name: string;
  /** Empty when the expectation held. */
  failures: string[];
  /** Why the case could not run (bad packet, unreadable node). */
  error: string | null;
}

export interface SuiteResult {
  name: string;
  cases: CaseResult[];
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] as string)
    // XML 1.0 forbids most control characters even escaped.
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");
}

export function junitXml(suites: readonly SuiteResult[]): string {
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const failed = suites.reduce((n, s) => n + s.cases.filter((c) => c.failures.length > 0).length, 0);
  const errored = suites.reduce((n, s) => n + s.cases.filter((c) => c.error !== null).length, 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="podpath check" tests="${total}" failures="${failed}" errors="${errored}">`];
  for (const s of suites) {
    const f = s.cases.filter((c) => c.failures.length > 0).length;
    const e = s.cases.filter((c) => c.error !== null).length;
    out.push(`  <testsuite name="${esc(s.name)}" tests="${s.cases.length}" failures="${f}" errors="${e}">`);
    for (const c of s.cases) {
      out.push(`    <testcase classname="${esc(s.name)}" name="${esc(c.name)}">`);
      if (c.error !== null) out.push(`      <error message="${esc(c.error)}"/>`);
      if (c.failures.length > 0) out.push(`      <failure message="${esc(c.failures[0] ?? "")}">${esc(c.failures.join("\n"))}</failure>`);
      out.push(`    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return `${out.join("\n")}\n`;
}
