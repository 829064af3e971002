/** `podpath explain FILE... [--conntrack FILE]`: say which rule produced the NAT each recorded flow shows. */
import { Command } from "commander";
import { parseBundle } from "../../model/bundle.js";
import type { Flow } from "../../model/conntrack.js";
import { checkFlow } from "../../eval/flows.js";
import { nodeFacts } from "../../eval/node-facts.js";
import { flowJson } from "../../explain/flows.js";
import { sanitize } from "../../explain/sanitize.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, reportDiagnostics, selectNodes } from "../node-select.js";

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command("explain")
    .description("explain recorded conntrack flows (conntrack -L) against the node's rules")
    .argument("<files...>", "dump files, node directories, or - for standard input")
    .option("--conntrack <file>", "conntrack -L output (default: the flows in the input itself)")
    .option("--node <name>", "which node of a multi-node paste")
    .option("--json", "print one JSON object per flow, in a list")
    .action((files: string[], opts: { conntrack?: string; node?: string; json?: boolean }) => {
      const bundle = loadBundle(io, files);
      reportDiagnostics(io, bundle.diagnostics, false);
      let extra: Flow[] | null = null;
      if (opts.conntrack !== undefined) {
        let text: string;
        try {
          text = io.fs.readFile(opts.conntrack).toString("utf8");
        } catch {
          throw new CliError(`--conntrack ${opts.conntrack}: cannot read it`);
        }
        const ct = parseBundle(`$ conntrack -L\n${text}`, opts.conntrack);
        reportDiagnostics(io, ct.diagnostics, false);
        extra = ct.nodes.flatMap((n) => n.flows);
      }
      const results = selectNodes(bundle, opts.node).flatMap((node) => {
        const facts = nodeFacts(node);
        const flows = extra ?? node.flows;
        return flows.map((f) => ({ node: node.name, ...flowJson(checkFlow(facts, f), facts) }));
      });
      if (results.length === 0) throw new CliError("no conntrack flows: give --conntrack FILE (conntrack -L output), or include it in the input", 1);
      if (opts.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
      else {
        for (const r of results) io.stdout(`${sanitize(r.at)}  ${sanitize(r.flow)}\n${r.explanation.split("\n").map((l) => `  ${sanitize(l)}`).join("\n")}\n\n`);
        const unexplained = results.filter((r) => !r.explained).length;
        io.stdout(`${results.length - unexplained} of ${results.length} flows explained by the node's rules\n`);
      }
      setExit(0);
    });
}
