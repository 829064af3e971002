/**
 * Turns command-line paths into input groups: a directory (a fixture, an EKS log collector bundle)
 * is one node; plain files given together are one node; `-` is standard input.
 */
import { basename, dirname, join } from "node:path";
import type { InputFile, InputGroup } from "../model/bundle.js";
import { CliError, type Io } from "./io.js";

/** Files in a node directory that podpath reads (others, like expect files and notes, are not dumps). */
const DUMP_FILE = /\.(txt|json|log|out)$/i;
const NOT_DUMPS = /^(notes|readme|expect|versions)/i;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

function readText(io: Io, path: string, maxBytes: number): string {
  let size: number;
  try {
    size = io.fs.size(path);
  } catch {
    throw new CliError(`${path}: no such file or directory`);
  }
  if (size > maxBytes) throw new CliError(`${path}: ${size} bytes is more than --max-bytes ${maxBytes}; refusing to read it`);
  let buf: Buffer;
  try {
    buf = io.fs.readFile(path);
  } catch (e) {
    throw new CliError(`${path}: cannot read it (${e instanceof Error ? e.message.replace(/^[A-Z]+: /, "") : "error"})`);
  }
  if (buf.subarray(0, 8192).includes(0)) throw new CliError(`${path}: binary file, not a text dump`);
  return buf.toString("utf8");
}

function listDump(io: Io, dir: string, depth = 0): string[] {
  const out: string[] = [];
  for (const name of io.fs.listDir(dir).sort()) {
    const path = join(dir, name);
    if (io.fs.isDirectory(path)) {
      if (depth < 3) out.push(...listDump(io, path, depth + 1));
    } else if (DUMP_FILE.test(name) && !NOT_DUMPS.test(name)) {
      out.push(path);
    }
  }
  return out;
}

export function readInputs(io: Io, paths: readonly string[], maxBytes = DEFAULT_MAX_BYTES): InputGroup[] {
  if (paths.length === 0) throw new CliError("no input: give dump files, a node directory, or - for standard input");
  const groups: InputGroup[] = [];
  const loose: InputFile[] = [];
  for (const path of paths) {
    if (path === "-") {
      loose.push({ name: "<stdin>", text: io.readStdin() });
      continue;
    }
    let isDir = false;
    try {
      isDir = io.fs.isDirectory(path);
    } catch {
      throw new CliError(`${path}: no such file or directory`);
    }
    if (isDir) {
      // The same rules as iptables-save and as iptables -S: read the save file, which names its tables.
      const all = listDump(io, path);
      const hasSave = all.some((f) => /iptables-save/i.test(basename(f)));
      const files = all.filter((f) => !(hasSave && /iptables-S\b/.test(basename(f))));
      if (files.length === 0) throw new CliError(`${path}: directory holds no dump files (*.txt, *.json)`);
      groups.push({ node: basename(path.replace(/\/+$/, "")), files: files.map((f) => ({ name: f, text: readText(io, f, maxBytes) })) });
    } else {
      loose.push({ name: path, text: readText(io, path, maxBytes) });
    }
  }
  if (loose.length > 0) {
    const first = loose[0] as InputFile;
    const node = loose.length === 1 ? basename(first.name) : basename(dirname(first.name)) || basename(first.name);
    groups.push({ node, files: loose });
  }
  return groups;
}
