/**
 * EKS log collector tarballs (`eks_i-….tar.gz`), read in memory: no extraction to disk, no links
 * followed, and entry names checked so nothing can point outside the archive.
 */
import { gunzipSync } from "node:zlib";
import type { InputFile } from "../model/bundle.js";

export interface ArchiveEntries {
  files: InputFile[];
  /** Entries passed over, with why (unsafe names, links, devices). */
  skipped: string[];
  /** The archive's top directory, which names the node (`eks_i-0abc…_2025-…`). */
  top: string | null;
}

export class ArchiveError extends Error {}

function text(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString("utf8");
}

/** Octal size, or GNU base-256 for large files. */
function sizeOf(block: Buffer): number {
  const field = block.subarray(124, 136);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const t = text(block, 124, 12).trim();
  return t === "" ? 0 : parseInt(t, 8);
}

/** A name is safe when it stays inside the archive: relative, no `..`, no NUL or backslash tricks. */
export function safeEntryName(name: string): string | null {
  if (name.startsWith("/") || name.includes("\\") || /^[A-Za-z]:/.test(name)) return null;
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.some((p) => p === "..")) return null;
  return parts.join("/");
}

function paxPath(data: Buffer): string | null {
  for (const record of data.toString("utf8").split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(record);
    if (m) return m[1] ?? null;
  }
  return null;
}

export function isArchiveName(path: string): boolean {
  return /\.(tar\.gz|tgz|tar)$/i.test(path);
}

/** Reads a tar or tar.gz held in memory; `keep` chooses the entries worth returning, by name. */
export function readArchive(raw: Buffer, maxBytes: number, keep: (name: string) => boolean): ArchiveEntries {
  let tar: Buffer;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      tar = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new ArchiveError(e instanceof RangeError ? `unpacks to more than --max-bytes ${maxBytes}` : "not a valid gzip file");
    }
  } else tar = raw;
  const files: InputFile[] = [];
  const skipped: string[] = [];
  let longName: string | null = null;
  let top: string | null = null;
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    if (!/^ustar/.test(text(header, 257, 6)) && text(header, 257, 6) !== "") throw new ArchiveError("not a tar archive");
    const size = sizeOf(header);
    if (!Number.isFinite(size) || size < 0) throw new ArchiveError("damaged tar header");
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    const data = tar.subarray(dataStart, Math.min(tar.length, dataStart + size));
    offset = dataStart + Math.ceil(size / 512) * 512;
    const prefix = text(header, 345, 155);
    const rawName = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    if (type === "L") { longName = data.toString("utf8").replace(/\0.*$/s, ""); continue; }
    if (type === "x") { longName = paxPath(data); continue; }
    longName = null;
    if (type === "g" || type === "5") continue;
    const name = safeEntryName(rawName);
    if (name === null) { skipped.push(`${rawName}: unsafe entry name (absolute or ..), not read`); continue; }
    if (type !== "0" && type !== "\0" && type !== "7") { skipped.push(`${name}: not a regular file (links are not followed)`); continue; }
    top ??= name.includes("/") ? (name.split("/")[0] ?? null) : null;
    if (data.length < size) throw new ArchiveError(`${name}: the archive ends inside this entry (truncated)`);
    if (keep(name)) files.push({ name, text: data.toString("utf8") });
  }
  return { files, skipped, top };
}
