// Types for check-fast-path.mjs, which the unit tests run on the sources.
import type { BuiltItems, parseIptablesLine } from "../src/parse/iptables.js";
import type { parseCommonLine, readCommonAppend } from "../src/parse/iptables-fast.js";

export interface FastPathParser {
  parseCommonLine: typeof parseCommonLine;
  readCommonAppend: typeof readCommonAppend;
  parseIptablesLine: typeof parseIptablesLine;
  BuiltItems: typeof BuiltItems;
}

export function defaultFiles(): string[];
export function checkFastPath(parser: FastPathParser, files: readonly string[]): { lines: number; fast: number; mismatches: string[] };
/** A line's checks (grammar tree, then lazily read items) for one line: its mismatches. */
export function checkLine(parser: FastPathParser, line: string): string[];
