/** Input text as numbered lines, cleaned of what terminals add (colour escapes, CR) but otherwise untouched. */

/**
 * One input line. It is shaped like a model Origin at the line's first column, so that a model
 * element written from the start of a line (a rule, a chain) keeps the line itself as its origin.
 */
export interface SourceLine {
  file: string;
  /** 1-based line number in the file. */
  line: number;
  column: 1;
  /** The line without colour escapes and trailing CR; columns in diagnostics count in this text. */
  raw: string;
}

// CSI (colours from `ip -c`), OSC (titles, hyperlinks: only when terminated, so that a stray `ESC ]`
// does not take the rest of the line with it) and lone two-byte escapes. Other controls (C1, BEL,
// bidi) are data and stay; output sanitizes them (explain/sanitize.ts).
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)|\x1b[@-_]?/g;

export function cleanLine(raw: string): string {
  // Most lines have neither: skip the regexes (a big dump has 100k+ lines).
  if (!raw.includes("\x1b") && !raw.endsWith("\r")) return raw;
  return raw.replace(ESCAPES, "").replace(/\r$/, "");
}

export function splitLines(text: string, file: string): SourceLine[] {
  // One pass into an array of the final size: a big dump has 100k+ lines, and an array grown line
  // by line (or a split() array copied by map()) leaves megabytes of garbage the parse never frees.
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  if (text.length > 0 && !text.endsWith("\n")) count++;
  const lines = new Array<SourceLine>(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = text.indexOf("\n", start);
    const stop = end < 0 ? text.length : end;
    lines[i] = { file, line: i + 1, column: 1, raw: cleanLine(text.slice(start, stop)) };
    start = stop + 1;
  }
  return lines;
}
