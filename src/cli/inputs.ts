/**
 * Turns command-line paths into input groups: a directory (a fixture, an EKS log collector bundle)
 * is one node; plain files given together are one node; `-` is standard input.
 */
import { basename, dirname, join } from "node:path";
import type { InputFile, InputGroup } from "../model/bundle.js";
import { sanitize } from "../explain/sanitize.js";
import { ArchiveError, isArchiveName, readArchive } from "./archive.js";
import { CliError, type Io } from "./io.js";

/** Files in a node directory that podpath reads (others, like expect files and notes, are not dumps). */
const DUMP_FILE = /\.(txt|json|log|out)$/i;
const NOT_DUMPS = /^(notes|readme|expect|versions)/i;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** The node's dump files among a directory's or archive's files: the save file wins over `-S` listings. */
function dumpFiles(names: readonly string[]): string[] {
  const all = names.filter((n) => DUMP_FILE.test(basename(n)) && !NOT_DUMPS.test(basename(n)));
  // The same rules as iptables-save and as iptables -S: read the save file, which names its tables.
  const hasSave = all.some((f) => /iptables-save/i.test(basename(f)));
  return all.filter((f) => !(hasSave && /iptables-S\b/.test(basename(f))));
}

function readBytes(io: Io, path: string, maxBytes: number): Buffer {
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
  try {
    return io.fs.readFile(path);
  } catch (e) {
    throw new CliError(`${shown}: cannot read it (${sanitize(e instanceof Error ? e.message.replace(/^[A-Z]+: /, "") : "error")})`);
  }
}

function readText(io: Io, path: string, maxBytes: number): string {
  const buf = readBytes(io, path, maxBytes);
  if (buf.subarray(0, 8192).includes(0)) throw new CliError(`${sanitize(path)}: binary file, not a text dump`);
  return buf.toString("utf8");
}

/** An EKS log collector tarball: one node, read in memory (see archive.ts for what is refused). */
function readTarball(io: Io, path: string, maxBytes: number): InputGroup {
  let entries;
  try {
    entries = readArchive(readBytes(io, path, maxBytes), maxBytes, () => true);
  } catch (e) {
    if (e instanceof ArchiveError) throw new CliError(`${sanitize(path)}: ${sanitize(e.message)}`);
    throw e;
  }
  for (const why of entries.skipped) io.stderr(`podpath: ${sanitize(path)}: ${sanitize(why)}\n`);
  const wanted = new Set(dumpFiles(entries.files.map((f) => f.name)));
  const files = entries.files.filter((f) => wanted.has(f.name) && !f.text.slice(0, 8192).includes("\0"))
    .map((f) => ({ name: `${path}:${f.name}`, text: f.text }));
  if (files.length === 0) throw new CliError(`${sanitize(path)}: the archive holds no dump files (*.txt, *.json)`);
  const node = entries.top ?? basename(path).replace(/\.(tar\.gz|tgz|tar)$/i, "");
  return { node, files };
}

function listDump(io: Io, dir: string, depth = 0): string[] {
  const out: string[] = [];
  for (const name of io.fs.listDir(dir).sort()) {
    const path = join(dir, name);
    if (io.fs.isDirectory(path)) {
      if (depth < 3) out.push(...listDump(io, path, depth + 1));
    } else {
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
      const files = dumpFiles(listDump(io, path));
      if (files.length === 0) throw new CliError(`${sanitize(path)}: directory holds no dump files (*.txt, *.json)`);
      groups.push({ node: basename(path.replace(/\/+$/, "")), files: files.map((f) => ({ name: f, text: readText(io, f, maxBytes) })) });
    } else if (isArchiveName(path)) {
      groups.push(readTarball(io, path, maxBytes));
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
