import { existsSync, readdirSync } from "node:fs";
import { run } from "../src/cli/run.js";
import { processIo, type Io } from "../src/cli/io.js";
import { parseBundle } from "../src/model/bundle.js";
import type { NodeModel } from "../src/model/node.js";
import { nodeFacts, type NodeFacts } from "../src/eval/node-facts.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  written: Map<string, string>;
}

/** The real filesystem for reading; output, standard input and file writes as the test wants them. */
export function fakeIo(o: { stdout?: (t: string) => void; stderr?: (t: string) => void; stdin?: string; writeFile: (path: string, text: string) => void }): Io {
  const real = processIo();
  return {
    stdout: o.stdout ?? (() => undefined),
    stderr: o.stderr ?? (() => undefined),
    readStdin: () => o.stdin ?? "",
    stdoutIsTty: false,
    fs: { ...real.fs, writeFile: o.writeFile },
  };
}

/** Runs the CLI in-process against the real files, capturing output and any file it writes. */
export async function runCli(argv: string[], stdin = ""): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const written = new Map<string, string>();
  const io = fakeIo({ stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdin, writeFile: (p, t) => void written.set(p, t) });
  const code = await run(argv, io);
  return { code, stdout, stderr, written };
}

export function nodeOf(text: string, name = "test"): NodeModel {
  const b = parseBundle(text, name);
  const node = b.nodes[0];
  if (!node) throw new Error(`no node parsed: ${JSON.stringify(b.diagnostics)}`);
  return node;
}

export function factsOf(text: string): NodeFacts {
  return nodeFacts(nodeOf(text));
}

export const FIXTURES = "fixtures";

export function fixtureDirs(): string[] {
  return readdirSync(FIXTURES).filter((d) => existsSync(`${FIXTURES}/${d}/expect.yaml`)).sort();
}
