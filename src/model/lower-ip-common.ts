/** Small helpers shared by the iproute2 lowerings (lower-ip-rule, lower-ip-route, lower-ip-addr). */
import { diagnostic, type Diagnostic, type Severity } from "../diagnostics.js";
import { familyOf, type Family } from "./address.js";
import type { Origin } from "./origin.js";

/** A diagnostic at `column` of the line `origin` came from. */
export function report(origin: Origin, column: number, severity: Severity, message: string): Diagnostic {
  return diagnostic({ file: origin.file, line: origin.line, column }, severity, message, origin.raw);
}

/** Parses `0x1f` or `31`; null when it is neither or exceeds `max`. */
export function parseNumber(text: string, max = 0xffffffff): number | null {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(value) && value <= max ? value : null;
}

/** The family of an address or prefix as text, from the part before any `/`. */
export function familyOfText(text: string): Family | null {
  const slash = text.indexOf("/");
  return familyOf(slash < 0 ? text : text.slice(0, slash));
}

export function familyName(family: Family): string {
  return family === 4 ? "IPv4" : "IPv6";
}

/** DS field names from iproute2's /etc/iproute2/rt_dsfield, which `ip` prints instead of numbers. */
const DSFIELD_NAMES: ReadonlyMap<string, number> = new Map(Object.entries({
  default: 0x00, CS1: 0x20, CS2: 0x40, CS3: 0x60, CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
  AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58,
  AF31: 0x68, AF32: 0x70, AF33: 0x78, AF41: 0x88, AF42: 0x90, AF43: 0x98,
}));

/** A `tos`/`dsfield` value: a number (hex or decimal, ≤ 0xff) or an rt_dsfield name. */
export function parseDsfield(text: string): number | null {
  return parseNumber(text, 0xff) ?? DSFIELD_NAMES.get(text) ?? null;
}

/**
 * Reports each run of consecutive unknown words once, as a warning at the run's first word, so a
 * newer iproute2 selector with its argument (`dscp 10`) gives one diagnostic, not two.
 */
export function reportUnknownRuns<T extends { type: string; column: number }>(
  options: readonly T[],
  wordOf: (option: T) => string | null,
  origin: Origin,
  what: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  let run: { column: number; words: string[] } | null = null;
  const flush = (): void => {
    if (run === null) return;
    const quoted = run.words.join(" ");
    out.push(report(origin, run.column, "warning", `${what}: ignored "${quoted}", which podpath does not understand`));
    run = null;
  };
  for (const option of options) {
    const word = wordOf(option);
    if (word === null) {
      flush();
      continue;
    }
    if (run === null) run = { column: option.column, words: [] };
    run.words.push(word);
  }
  flush();
  return out;
}
