/** Text from a dump is data: before it reaches a terminal, control characters and bidi overrides become visible escapes. */
// C0 (but tab), DEL, C1, and the bidi embedding/override/isolate controls.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function sanitize(text: string): string {
  return text.replace(UNSAFE, (c) => `\\x{${c.codePointAt(0)?.toString(16) ?? "?"}}`);
}

// The same set, but newline and tab pass: whole outputs, already laid out in lines.
const UNSAFE_IN_OUTPUT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/**
 * The last guard before the terminal, for whole outputs (text or JSON): what `sanitize` missed
 * becomes a `\uXXXX` escape, which is still valid JSON (only ever inside a string there) and reads
 * as an escape in text.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_IN_OUTPUT, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}
