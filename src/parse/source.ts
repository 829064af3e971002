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
  const raw = text.split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  return raw.map((r, i) => ({ file, line: i + 1, column: 1, raw: cleanLine(r) }));
}
