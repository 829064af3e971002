/** `podpath trace FILE... --src IP --dst IP [...]`: one packet through each selected node. */
import { Command, Option } from "commander";
import { evaluate } from "../../eval/evaluate.js";
import { nodeFacts } from "../../eval/node-facts.js";
import { traceJson } from "../../explain/json.js";
import { traceText } from "../../explain/text.js";
import type { Io } from "../io.js";
import { loadBundle, reportDiagnostics, selectNodes } from "../node-select.js";
import { packetFromFlags, type PacketFlags } from "../packet-options.js";

interface TraceOptions extends PacketFlags {
  node?: string;
  json?: boolean;
  brief?: boolean;
  maxBytes?: number;
}

export function addPacketOptions(cmd: Command): Command {
  return cmd
    .option("--src <ip>", "source address (a pod IP, a node address, or ns/name with ipamd's pods JSON)")
    .option("--dst <ip>", "destination address")
    .option("--proto <p>", "tcp, udp, icmp or a number", "tcp")
    .option("--sport <n>", "source port (default 40000)")
    .option("--dport <n>", "destination port (default 80)")
    .option("--iif <name>", "arrival interface; default: the pod's veth, or none for a node address")
    .option("--mark <v>", "packet mark on arrival", "0")
    .option("--ctstate <s>", "connection state: NEW (default), ESTABLISHED, RELATED, INVALID, UNTRACKED")
    .option("--ctmark <v>", "connection mark before the packet")
    .addOption(new Option("--assume <cond=bool>", "answer an unknowable condition (repeatable)").argParser((v: string, prev: string[] = []) => [...prev, v]));
}

export function traceCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command("trace")
    .description("trace one packet through the node's netfilter rules and policy routing")
    .argument("<files...>", "dump files, node directories, or - for standard input")
    .option("--node <name>", "which node of a multi-node paste (default: all)")
    .option("--json", "print the JSON result")
    .option("--brief", "in text output, show only the rules that matched")
    .option("--max-bytes <n>", "refuse inputs larger than this", (v) => Number(v));
  addPacketOptions(cmd);
  return cmd.action((files: string[], opts: TraceOptions) => {
    const bundle = loadBundle(io, files, opts.maxBytes);
    reportDiagnostics(io, bundle.diagnostics, false);
    const nodes = selectNodes(bundle, opts.node);
    const results = nodes.map((node) => {
      const facts = nodeFacts(node);
      return traceJson(evaluate(facts, packetFromFlags(opts, facts)), facts);
    });
    if (opts.json) io.stdout(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    else io.stdout(`${results.map((r) => traceText(r, { verbose: !opts.brief })).join("\n\n")}\n`);
    setExit(0);
  });
}
