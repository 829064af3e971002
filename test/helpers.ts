import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { run } from "../src/cli/run.js";
import type { Io } from "../src/cli/io.js";
import { parseBundle } from "../src/model/bundle.js";
import type { NodeModel } from "../src/model/node.js";
import { nodeFacts, type NodeFacts } from "../src/eval/node-facts.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  written: Map<string, string>;
}

/** Runs the CLI in-process against the real files, capturing output and any file it writes. */
export async function runCli(argv: string[], stdin = ""): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const written = new Map<string, string>();
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => stdin,
    stdoutIsTty: false,
    fs: {
      readFile: (p) => readFileSync(p),
      isDirectory: (p) => statSync(p).isDirectory(),
      listDir: (p) => readdirSync(p),
      size: (p) => statSync(p).size,
      exists: (p) => existsSync(p),
      writeFile: (p, t) => void written.set(p, t),
    },
  };
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
