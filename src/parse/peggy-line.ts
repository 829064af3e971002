/** Runs a generated peggy parser over one line and turns its SyntaxError into a diagnostic. */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { SourceLine } from "./source.js";

export interface PeggyParser<T> {
  parse(input: string, options?: { startRule?: string; grammarSource?: string }): T;
}

interface PeggyError {
  message: string;
  location?: { start: { column: number } };
}

function isPeggyError(e: unknown): e is PeggyError {
  return typeof e === "object" && e !== null && "location" in e && "message" in e;
}

export type LineResult<T> = { ok: true; value: T } | { ok: false; diagnostic: Diagnostic };

/**
 * Parses `line.text.slice(offset)` with `parser`. The diagnostic's column points into the original
 * line, and its message is peggy's own "Expected … but … found."
 */
export function parseLine<T>(
  parser: PeggyParser<T>,
  line: SourceLine,
  what: string,
  options: { startRule?: string; offset?: number } = {},
): LineResult<T> {
  const offset = options.offset ?? 0;
  const input = line.raw.slice(offset);
  try {
    const opts = options.startRule === undefined ? {} : { startRule: options.startRule };
    return { ok: true, value: parser.parse(input, opts) };
  } catch (e) {
    if (!isPeggyError(e)) throw e;
    const column = offset + (e.location?.start.column ?? 1);
    return {
      ok: false,
      diagnostic: diagnostic(
        { file: line.file, line: line.line, column },
        "error",
        `${what}: ${e.message}`,
        line.raw,
      ),
    };
  }
}
