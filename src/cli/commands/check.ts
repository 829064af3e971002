/** `podpath check FILE...`: evaluate expectation files against their captured nodes, for CI. */
import { dirname, isAbsolute, join } from "node:path";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { compareTrace, validateExpectations, type Expectation } from "../../check/expectations.js";
import { junitXml, type CaseResult, type SuiteResult } from "../../check/junit.js";
import { evaluate } from "../../eval/evaluate.js";
import { nodeFacts, type NodeFacts } from "../../eval/node-facts.js";
import { traceJson, type TraceJson } from "../../explain/json.js";
import { sanitize } from "../../explain/sanitize.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, selectNodes } from "../node-select.js";
import { packetFromFlags, parseAssume } from "../packet-options.js";

interface CaseReport extends CaseResult {
  trace: TraceJson | null;
}

const NAT_TARGETS = new Set(["snat", "masquerade", "dnat", "redirect", "netmap"]);

function decidingRule(t: TraceJson): string {
  const o = t.outcomes[0];
  if (!o) return "";
  const route = o.steps.findLast((s) => s.type === "route");
  const nat = o.steps.findLast((s) => s.type === "target" && NAT_TARGETS.has(String(s.target)));
  const parts: string[] = [];
  if (nat) parts.push(`nat: ${nat.effect} (rule ${nat.position} of ${nat.table} ${nat.chain})`);
  if (route) parts.push(`route: ${route.ipRule ?? "(no rule)"} → ${route.route ?? route.decision}`);
  return parts.join("; ");
}

function runCase(facts: NodeFacts, exp: Expectation): CaseReport {
  try {
    const trace = traceJson(evaluate(facts, packetFromFlags(exp.packet, facts)), facts);
    const failures = compareTrace(exp, trace).map((m) => `${m.field}: expected ${m.expected}, traced ${m.traced}`);
    return { name: exp.name, failures, error: null, trace };
  } catch (e) {
    return { name: exp.name, failures: [], error: e instanceof CliError ? e.message : String(e), trace: null };
  }
}

function readExpectationFile(io: Io, path: string): { node: string; expect: Expectation[] } {
  let doc: unknown;
  try {
    doc = parseYaml(io.fs.readFile(path).toString("utf8"));
  } catch (e) {
    throw new CliError(`${path}: ${e instanceof Error && !/ENOENT/.test(e.message) ? e.message.split("\n")[0] : "cannot read it"}`);
  }
  const v = validateExpectations(doc);
  if ("errors" in v) throw new CliError(`${path}: ${v.errors.join("; ")}`);
  for (const e of v.expect) {
    try {
      parseAssume(e.packet.assume ?? []);
    } catch (err) {
      throw err instanceof CliError ? new CliError(`${path}: ${e.name}: ${err.message.replace(/^--assume /, "assume ")}`) : err;
    }
  }
  // `node` is relative to the expectation file, or else to the working directory.
  const near = isAbsolute(v.node) ? v.node : join(dirname(path), v.node);
  return { node: io.fs.exists(near) ? near : v.node, expect: v.expect };
}

export function checkCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command("check")
    .description("check expectation files (YAML or JSON) against their captured nodes; exit 1 when any fails")
    .argument("<files...>", "expectation files")
    .option("--json", "print results as JSON")
    .option("--junit <path>", "also write JUnit XML to this file")
    .action((files: string[], opts: { json?: boolean; junit?: string }) => {
      const suites: (SuiteResult & { cases: CaseReport[] })[] = [];
      for (const file of files) {
        const spec = readExpectationFile(io, file);
        const bundle = loadBundle(io, [spec.node]);
        const [node] = selectNodes(bundle, undefined);
        const facts = nodeFacts(node as NonNullable<typeof node>);
        suites.push({ name: file, cases: spec.expect.map((e) => runCase(facts, e)) });
      }
      const all = suites.flatMap((s) => s.cases);
      const bad = all.filter((c) => c.failures.length > 0 || c.error !== null);
      if (opts.junit) io.fs.writeFile(opts.junit, junitXml(suites));
      if (opts.json) {
        io.stdout(`${JSON.stringify({
          passed: all.length - bad.length,
          failed: bad.length,
          files: suites.map((s) => ({ file: s.name, cases: s.cases.map((c) => ({ name: c.name, ok: c.failures.length === 0 && c.error === null, failures: c.failures, error: c.error })) })),
        }, null, 2)}\n`);
      } else {
        for (const s of suites) {
          io.stdout(`${sanitize(s.name)}\n`);
          for (const c of s.cases) {
            const ok = c.failures.length === 0 && c.error === null;
            io.stdout(`  ${ok ? "✓" : "✗"} ${sanitize(c.name)}\n`);
            if (c.error) io.stdout(`      error: ${sanitize(c.error)}\n`);
            for (const f of c.failures) io.stdout(`      ${sanitize(f)}\n`);
            if (!ok && c.trace) io.stdout(`      deciding: ${sanitize(decidingRule(c.trace))}\n`);
          }
        }
        io.stdout(`${all.length - bad.length} passed, ${bad.length} failed\n`);
      }
      setExit(bad.length > 0 ? 1 : 0);
    });
}
