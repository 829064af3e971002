/** `podpath diff FILE... [--nodes A,B|all]`: where nodes' CNI and kube-proxy rules differ in ways that change verdicts. */
import { Command } from "commander";
import { diffNodes, type NodeDifference } from "../../cni/diff.js";
import { sanitize } from "../../explain/sanitize.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, reportDiagnostics } from "../node-select.js";

export function diffCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command("diff")
    .description("compare nodes (a multi-node paste, several node directories or log collector bundles); exit 1 when they differ")
    .argument("<files...>", "node directories, files, or a paste with >> node X << separators")
    .option("--nodes <names>", "two node names, or all (each compared with the first)", "all")
    .option("--json", "print the differences as JSON")
    .action((files: string[], opts: { nodes: string; json?: boolean }) => {
      const bundle = loadBundle(io, files);
      reportDiagnostics(io, bundle.diagnostics, false);
      const names = opts.nodes === "all" ? bundle.nodes.map((n) => n.name) : opts.nodes.split(",").map((s) => s.trim());
      const nodes = names.map((name) => {
        const n = bundle.nodes.find((x) => x.name === name);
        if (!n) throw new CliError(`no node "${name}" in the input (nodes: ${bundle.nodes.map((x) => x.name).join(", ")})`);
        return n;
      });
      if (nodes.length < 2) throw new CliError(`diff needs at least two nodes; the input holds ${bundle.nodes.length} (${bundle.nodes.map((x) => x.name).join(", ")})`);
      const [first, ...rest] = nodes;
      const pairs: { a: string; b: string; differences: NodeDifference[] }[] = rest.map((b) => ({ a: first?.name ?? "", b: b.name, differences: first ? diffNodes(first, b) : [] }));
      if (opts.json) io.stdout(`${JSON.stringify(pairs, null, 2)}\n`);
      else {
        for (const p of pairs) {
          io.stdout(`${sanitize(p.a)} vs ${sanitize(p.b)}: ${p.differences.length === 0 ? "no differences that change verdicts" : `${p.differences.length} differences`}\n`);
          for (const d of p.differences) {
            io.stdout(`  - ${sanitize(d.message)}\n`);
            if (d.probe) io.stdout(`      a pod's packet to ${d.probe.dst}: ${sanitize(p.a)}: ${d.probe.a}; ${sanitize(p.b)}: ${d.probe.b}\n`);
          }
        }
      }
      setExit(pairs.some((p) => p.differences.length > 0) ? 1 : 0);
    });
}
