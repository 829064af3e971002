/** The CLI's window on the world, so tests can run it in-process with fake streams and files. */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { terminalSafe } from "../explain/sanitize.js";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whole standard input (for `-`). */
  readStdin(): string;
  stdoutIsTty: boolean;
  /** Keys come from a terminal (the TUI needs one). Unset means unknown: treated as a terminal when stdout is. */
  stdinIsTty?: boolean;
  fs: {
    readFile(path: string): Buffer;
    isDirectory(path: string): boolean;
    listDir(path: string): string[];
    size(path: string): number;
    exists(path: string): boolean;
    /** Only where the user asked for a file (`--junit PATH`). */
    writeFile(path: string, text: string): void;
  };
}

export function processIo(): Io {
  return {
    // Commands sanitize what they print; this catches anything that slipped through (an error message
    // quoting an interface or node name from a dump) before it can drive the terminal.
    stdout: (t) => process.stdout.write(terminalSafe(t)),
    stderr: (t) => process.stderr.write(terminalSafe(t)),
    readStdin: () => readFileSync(0, "utf8"),
    stdoutIsTty: process.stdout.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
    fs: {
      readFile: (p) => readFileSync(p),
      isDirectory: (p) => statSync(p).isDirectory(),
      listDir: (p) => readdirSync(p),
      size: (p) => statSync(p).size,
      exists: (p) => existsSync(p),
      writeFile: (p, t) => writeFileSync(p, t),
    },
  };
}

/** A user-facing failure: message and exit code, never a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = 2) {
    super(message);
  }
}
