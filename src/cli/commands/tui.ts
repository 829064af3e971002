/** `podpath tui [FILE...] [packet options]`: the interactive view. Files load the node; packet options trace at once. */
import { Command } from "commander";
import type { FormValues } from "../../tui/form.js";
import { readInputs } from "../inputs.js";
import { CliError, type Io } from "../io.js";
import { parseAssume, type PacketFlags } from "../packet-options.js";
import { nodeFacts } from "../../eval/node-facts.js";
import { traceText } from "../../explain/text.js";
import { loadBundle, selectNodes } from "../node-select.js";
import { addPacketOptions, traceNodes } from "./trace.js";

interface TuiOptions extends PacketFlags {
  node?: string;
  maxBytes?: number;
}

export function tuiCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command("tui")
    .description("the interactive view: paste a node (or name its dumps), ask about a packet, see its path")
    .argument("[files...]", "dump files or node directories (none: paste them in)")
    .option("--node <name>", "which node of a multi-node paste to start on")
    .option("--max-bytes <n>", "refuse inputs larger than this", (v) => Number(v));
  addPacketOptions(cmd);
  return cmd.action(async (files: string[], opts: TuiOptions) => {
    if (!io.stdoutIsTty || io.stdinIsTty === false) {
      // No terminal (a pipe, a script): the packet's trace as text, as `trace` prints it.
      if (files.length === 0 || opts.src === undefined || opts.dst === undefined) {
        throw new CliError("tui needs a terminal (standard input and output must be a TTY); use podpath trace for text output");
      }
      const bundle = loadBundle(io, files, opts.maxBytes);
      const facts = selectNodes(bundle, opts.node).map(nodeFacts);
      io.stdout(`${traceNodes(facts, opts).map((t) => traceText(t)).join("\n\n")}\n`);
      io.stderr("\n(not a terminal: podpath tui printed the trace as text; run it in a terminal for the interactive view)\n");
      setExit(0);
      return;
    }
    if (files.includes("-")) throw new CliError("tui reads its keys from standard input: give files, or paste the dumps into it");
    const assume = opts.assume ?? [];
    parseAssume(assume); // refused here, not as every trace's error
    const fileInputs = files.length > 0 ? readInputs(io, files, opts.maxBytes) : [];
    const form: Partial<FormValues> = {};
    for (const k of ["src", "dst", "proto", "sport", "dport", "iif", "mark"] as const) {
      const v = opts[k];
      // commander's defaults (`--mark 0`) are not the user's words; leave those fields empty.
      if (v !== undefined && !(k === "mark" && v === "0")) form[k] = v;
    }
    // A person is at this terminal (both ends are TTYs), even where a CI variable is set: ink draws
    // only a final frame when it believes it runs in CI, and reads that when it is first loaded.
    process.env.CI = "false";
    // Loaded only here: ink and react are not needed by the other commands.
    const { startTui } = await import("../../tui/start.js");
    await startTui({ fileInputs, form, assume, node: opts.node });
    setExit(0);
  });
}
