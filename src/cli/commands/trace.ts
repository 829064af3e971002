/** `podpath trace FILE... --src IP --dst IP [...]`: one packet through each selected node. */
import { Command, Option } from "commander";
import { suggestFixes } from "../../cni/suggest.js";
import { evaluate } from "../../eval/evaluate.js";
import { DEFAULT_LIMITS } from "../../eval/netfilter.js";
import { nodeFacts, type NodeFacts } from "../../eval/node-facts.js";
import { traceDiagram } from "../../explain/diagram.js";
import { traceJson, traceSummaryJson, type TraceJson, type TraceSummaryJson } from "../../explain/json.js";
import { traceText, type TextOptions } from "../../explain/text.js";
import { CliError, type Io } from "../io.js";
import { loadBundle, reportDiagnostics, selectNodes } from "../node-select.js";
import { packetFromFlags, parseAssume, type PacketFlags } from "../packet-options.js";

interface TraceOptions extends PacketFlags {
  node?: string;
  json?: boolean;
  format?: string;
  packets?: string;
  full?: boolean;
  brief?: boolean;
  allRules?: boolean;
  maxBytes?: number;
}

const FORMATS = ["text", "json", "mermaid", "dot"] as const;
type Format = (typeof FORMATS)[number];

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
    .option("--json", "print the JSON result (same as --format json)")
    .option("--format <f>", "text (default), json, mermaid or dot (a path picture for tickets)")
    .option("--packets <file>", "trace every packet of a JSON-lines file ({id, src, dst, proto, sport, dport, iif} per line)")
    .option("--full", "with --packets --json: every line carries the whole trace (steps, explanation), not just the verdicts")
    .option("--brief", "in text output, show only the rules that matched")
    .option("--all-rules", "in text output, list every rule that did not match (long runs are otherwise cut to their ends and a count)")
    .option("--max-bytes <n>", "refuse inputs larger than this", (v) => Number(v));
  addPacketOptions(cmd);
  return cmd.action((files: string[], opts: TraceOptions) => {
    const format: Format = opts.json ? "json" : ((opts.format ?? "text") as Format);
    if (!FORMATS.includes(format)) throw new CliError(`--format ${opts.format}: expected ${FORMATS.join(", ")}`);
    const bundle = loadBundle(io, files, opts.maxBytes);
    reportDiagnostics(io, bundle.diagnostics, false);
    const nodes = selectNodes(bundle, opts.node);
    const facts = nodes.map(nodeFacts);
    if (opts.packets !== undefined) {
      tracePacketList(io, facts, opts.packets, format, opts.full === true, opts.assume ?? []);
      setExit(0);
      return;
    }
    if (opts.brief && opts.allRules) throw new CliError("--brief and --all-rules: choose one");
    io.stdout(render(traceNodes(facts, opts), format, opts.brief ? "matched" : opts.allRules ? "all" : "runs"));
    setExit(0);
  });
}

/** One packet on each node: the trace with its verified fixes (what `trace` prints, and `tui` without a terminal). */
export function traceNodes(facts: readonly NodeFacts[], flags: PacketFlags): TraceJson[] {
  return facts.map((f) => {
    const packet = packetFromFlags(flags, f);
    const result = evaluate(f, packet);
    return traceJson(result, f, suggestFixes(f.node, packet, result));
  });
}

function render(results: TraceJson[], format: Format, rules: TextOptions["rules"]): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`;
    case "mermaid":
    case "dot":
      return traceDiagram(results, format);
    case "text":
      return `${results.map((r) => traceText(r, { rules })).join("\n\n")}\n`;
  }
}

/** The fields of a `--packets` line that describe the packet (`id` names it). */
const PACKET_KEYS = ["src", "dst", "proto", "sport", "dport", "iif", "mark"] as const;

/**
 * Batch mode: one packet per input line, one result line per packet, in input order, each with its
 * id. The command line's `--assume` answers hold for every packet.
 */
function tracePacketList(io: Io, facts: NodeFacts[], path: string, format: Format, full: boolean, assume: string[]): void {
  parseAssume(assume); // a bad answer is the command line's error, not every line's
  // Verdict lines need no path: rules the dispatch index jumps over are not listed one by one.
  const lean = format === "json" && !full;
  const limits = lean ? { ...DEFAULT_LIMITS, listSkipped: false, recordSteps: false } : DEFAULT_LIMITS;
  let text: string;
  try {
    text = path === "-" ? io.readStdin() : io.fs.readFile(path).toString("utf8");
  } catch {
    throw new CliError(`--packets ${path}: cannot read it`);
  }
  // Lines go out in chunks: one write per packet costs more than tracing it.
  const out: string[] = [];
  const emit = (line: string) => {
    out.push(line);
    if (out.length >= 512) io.stdout(out.splice(0).join(""));
  };
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let id: unknown = i + 1;
    const results: (TraceJson | TraceSummaryJson)[] = [];
    try {
      const raw: unknown = JSON.parse(line);
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CliError("expected a JSON object");
      const p = raw as Record<string, unknown>;
      id = p.id ?? id;
      const flags: PacketFlags = { assume };
      for (const k of PACKET_KEYS) if (p[k] !== undefined && p[k] !== null) flags[k] = String(p[k]);
      for (const f of facts) {
        const result = evaluate(f, packetFromFlags(flags, f), limits);
        results.push(lean ? traceSummaryJson(result, f) : traceJson(result, f));
      }
    } catch (e) {
      const error = e instanceof CliError ? e.message : e instanceof SyntaxError ? `not JSON: ${e.message}` : String(e);
      if (format === "json") emit(`${JSON.stringify({ id, error })}\n`);
      else io.stderr(`${path}:${i + 1}: ${error}\n`);
      return;
    }
    // `{"id":…,` then the result's own fields: the same line as stringifying {id, ...r}, without copying r.
    if (format === "json") for (const r of results) emit(`{"id":${JSON.stringify(id) ?? "null"},${JSON.stringify(r).slice(1)}\n`);
    else emit(`# ${String(id)}\n${render(results as TraceJson[], format, "matched")}\n`);
  });
  if (out.length > 0) io.stdout(out.join(""));
}
