/** `podpath enis FILE...`: each ENI's address pool from ipamd's records, and the node's pod limit. */
import { Command } from "commander";
import { capacityOf, type InstanceLimits } from "../../cni/capacity.js";
import { nodeFacts } from "../../eval/node-facts.js";
import { sanitize } from "../../explain/sanitize.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, reportDiagnostics, selectNodes } from "../node-select.js";

function positive(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`${flag} ${v}: expected a whole number from 1 to 1000`);
    return n;
  };
}

export function enisCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command("enis")
    .description("ENI address pools (assigned and free) from ipamd's /v1/enis, and the pod limit for the instance type")
    .argument("<files...>", "node directories or files that include ipamd's enis JSON")
    .option("--max-enis <n>", "the instance type's ENI limit", positive("--max-enis"))
    .option("--ips-per-eni <n>", "the instance type's IPv4 addresses per ENI", positive("--ips-per-eni"))
    .option("--prefix-delegation", "ENABLE_PREFIX_DELEGATION=true: each slot holds a /28")
    .option("--node <name>", "which node of a multi-node paste")
    .option("--json", "print the result as JSON")
    .action((files: string[], opts: { maxEnis?: number; ipsPerEni?: number; prefixDelegation?: boolean; node?: string; json?: boolean }) => {
      if ((opts.maxEnis === undefined) !== (opts.ipsPerEni === undefined)) throw new CliError("--max-enis and --ips-per-eni go together (both are the instance type's limits)");
      const limits: InstanceLimits | null = opts.maxEnis !== undefined && opts.ipsPerEni !== undefined
        ? { maxEnis: opts.maxEnis, ipsPerEni: opts.ipsPerEni, prefixDelegation: opts.prefixDelegation === true } : null;
      const bundle = loadBundle(io, files);
      reportDiagnostics(io, bundle.diagnostics, false);
      const results = selectNodes(bundle, opts.node).map((node) => {
        if (!node.ipamd || node.ipamd.enis.length === 0) throw new CliError(`${node.name}: no ipamd ENI records in the input (curl localhost:61679/v1/enis, or the log collector's ipamd/enis.json)`, 1);
        return { node: node.name, ...capacityOf(node, nodeFacts(node), limits) };
      });
      if (opts.json) io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
      else {
        for (const r of results) {
          io.stdout(`node ${sanitize(r.node)}\n  ${"ENI".padEnd(22)} dev  interface  ${"subnet".padEnd(18)} pool assigned free\n`);
          for (const e of r.enis) {
            io.stdout(`  ${sanitize(e.id).padEnd(22)} ${String(e.deviceNumber ?? "?").padStart(3)}  ${sanitize(e.interface ?? "-").padEnd(9)}  ${sanitize(e.subnet ?? "-").padEnd(18)} ${String(e.pool).padStart(4)} ${String(e.assigned).padStart(8)} ${String(e.free).padStart(4)}${e.primary ? "  (primary)" : ""}\n`);
          }
          io.stdout(`  total: ${r.pool} addresses in the pools, ${r.assigned} assigned, ${r.free} free\n`);
          io.stdout(r.maxPods !== null ? `  max pods: ${r.formula} = ${r.maxPods}\n` : "  max pods: give --max-enis and --ips-per-eni (the instance type's limits) to compute it\n");
        }
      }
      setExit(0);
    });
}
