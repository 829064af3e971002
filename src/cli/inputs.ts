/**
 * Turns command-line paths into input groups: a directory (a fixture, an EKS log collector bundle)
 * is one node; plain files given together are one node; `-` is standard input.
 */
import { basename, dirname, join } from "node:path";
import type { InputFile, InputGroup } from "../model/bundle.js";
import { sanitize } from "../explain/sanitize.js";
import { CliError, type Io } from "./io.js";

/** Files in a node directory that podpath reads (others, like expect files and notes, are not dumps). */
const DUMP_FILE = /\.(txt|json|log|out)$/i;
const NOT_DUMPS = /^(notes|readme|expect|versions)/i;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

function readText(io: Io, path: string, maxBytes: number): string {
  // Paths can come from a directory listing: shown like any other text from outside.
  const shown = sanitize(path);
  let size: number;
  try {
    size = io.fs.size(path);
  } catch {
    throw new CliError(`${shown}: no such file or directory`);
  }
  // Checked before reading: a 2 GB file is refused without touching its contents.
  if (size > maxBytes) throw new CliError(`${shown}: ${size} bytes is more than --max-bytes ${maxBytes}; refusing to read it`);
  let buf: Buffer;
  try {
    buf = io.fs.readFile(path);
  } catch (e) {
    throw new CliError(`${shown}: cannot read it (${sanitize(e instanceof Error ? e.message.replace(/^[A-Z]+: /, "") : "error")})`);
  }
  if (buf.subarray(0, 8192).includes(0)) throw new CliError(`${shown}: binary file, not a text dump`);
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
  if (!(maxBytes > 0)) throw new CliError("--max-bytes: expected a positive number of bytes");
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
      throw new CliError(`${sanitize(path)}: no such file or directory`);
    }
    if (isDir) {
      // The same rules as iptables-save and as iptables -S: read the save file, which names its tables.
      const all = listDump(io, path);
      const hasSave = all.some((f) => /iptables-save/i.test(basename(f)));
      const files = all.filter((f) => !(hasSave && /iptables-S\b/.test(basename(f))));
      if (files.length === 0) throw new CliError(`${sanitize(path)}: directory holds no dump files (*.txt, *.json)`);
      groups.push({ node: basename(path.replace(/\/+$/, "")), files: files.map((f) => ({ name: f, text: readText(io, f, maxBytes) })) });
    } else {
      loose.push({ name: path, text: readText(io, path, maxBytes) });
    }
  }
  // An empty file among others is normal (a log collector's ip6tables-save on an IPv4 node); when
  // nothing at all was given, say so instead of printing an empty summary.
  if (groups.length === 0 && loose.length > 0 && loose.every((f) => f.text.trim() === "")) {
    throw new CliError(`${sanitize(loose.map((f) => f.name).join(", "))}: empty input, nothing to read`, 1);
  }
  if (loose.length > 0) {
    const first = loose[0] as InputFile;
    const node = loose.length === 1 ? basename(first.name) : basename(dirname(first.name)) || basename(first.name);
    groups.push({ node, files: loose });
  }
  return groups;
}
