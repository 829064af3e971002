/** The CLI as a function: argv in, exit code out; all output through `io`. Only bin.ts exits the process. */
import { Command, CommanderError } from "commander";
import { sanitize } from "../explain/sanitize.js";
import { CliError, type Io } from "./io.js";
import { SAMPLE_NODE, SAMPLE_PACKET } from "./sample.js";

type MakeCommand = (io: Io, setExit: (code: number) => void) => Command;

/**
 * The commands, in the order help lists them, each loaded when needed: a run loads only the one it
 * was asked for (the TUI's React, the what-if engine and the YAML reader cost a parse run ~70 ms).
 */
const COMMANDS: Record<string, () => Promise<MakeCommand>> = {
  parse: async () => (await import("./commands/parse.js")).parseCommand,
  trace: async () => (await import("./commands/trace.js")).traceCommand,
  whatif: async () => (await import("./commands/whatif.js")).whatifCommand,
  explain: async () => (await import("./commands/explain.js")).explainCommand,
  diff: async () => (await import("./commands/diff.js")).diffCommand,
  enis: async () => (await import("./commands/enis.js")).enisCommand,
  check: async () => (await import("./commands/check.js")).checkCommand,
  tui: async () => (await import("./commands/tui.js")).tuiCommand,
};

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => (exitCode = code);
  const program = new Command("podpath")
    .description("why is my pod IP NATed, and which ENI does this packet leave by? — traced like the kernel would")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false);
  // No command: the interactive view on a terminal; elsewhere (a pipe, CI) the sample trace as text.
  const interactive = argv.length === 0 && io.stdoutIsTty && io.stdinIsTty === true;
  const args = argv.length > 0 ? [...argv] : interactive ? ["tui"] : ["trace", SAMPLE_NODE, ...SAMPLE_PACKET];
  try {
    // Help, an unknown command or a misplaced option: all commands, so commander can list them.
    const named = Object.hasOwn(COMMANDS, args[0] ?? "") ? [args[0] as string] : Object.keys(COMMANDS);
    for (const name of named) {
      const make = await (COMMANDS[name] as () => Promise<MakeCommand>)();
      program.addCommand(make(io, setExit).exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }));
    }
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
