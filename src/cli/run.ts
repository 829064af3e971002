/** The CLI as a function: argv in, exit code out; all output through `io`. Only bin.ts exits the process. */
import { Command, CommanderError } from "commander";
import { checkCommand } from "./commands/check.js";
import { diffCommand } from "./commands/diff.js";
import { enisCommand } from "./commands/enis.js";
import { explainCommand } from "./commands/explain.js";
import { parseCommand } from "./commands/parse.js";
import { traceCommand } from "./commands/trace.js";
import { tuiCommand } from "./commands/tui.js";
import { whatifCommand } from "./commands/whatif.js";
import { sanitize } from "../explain/sanitize.js";
import { CliError, type Io } from "./io.js";
import { SAMPLE_NODE, SAMPLE_PACKET } from "./sample.js";

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command("podpath")
    .description("why is my pod IP NATed, and which ENI does this packet leave by? — traced like the kernel would")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false);
  for (const make of [parseCommand, traceCommand, whatifCommand, explainCommand, diffCommand, enisCommand, checkCommand, tuiCommand]) {
    program.addCommand(make(io, setExit).exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }));
  }
  // No command: the interactive view on a terminal; elsewhere (a pipe, CI) the sample trace as text.
  const interactive = argv.length === 0 && io.stdoutIsTty && io.stdinIsTty === true;
  const args = argv.length > 0 ? [...argv] : interactive ? ["tui"] : ["trace", SAMPLE_NODE, ...SAMPLE_PACKET];
  try {
    await program.parseAsync(args, { from: "user" });
    if (argv.length === 0 && !interactive) {
      io.stderr("\n(podpath with no command traces the sample packet on the sample node; see podpath --help)\n");
      io.stderr(`(in a terminal, podpath tui opens the interactive view: podpath tui ${SAMPLE_NODE} ${SAMPLE_PACKET.join(" ")})\n`);
    }
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      // Messages can quote the input (interface and node names): neutralise them like any dump text.
      io.stderr(`podpath: ${sanitize(e.message)}\n`);
      return e.exitCode;
    }
    io.stderr(`podpath: internal error: ${sanitize(e instanceof Error ? e.message : String(e))} (please report it with the input that caused it)\n`);
    if (process.env.PODPATH_DEBUG && e instanceof Error) io.stderr(`${e.stack ?? ""}\n`);
    return 70;
  }
}
