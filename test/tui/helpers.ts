import { readFileSync } from "node:fs";
import { readInputs } from "../../src/cli/inputs.js";
import { processIo } from "../../src/cli/io.js";
import { initialState, reducer, type TuiState } from "../../src/tui/state.js";
import { PASTE_END, PASTE_START } from "../../src/tui/keys.js";

export const SAMPLE = "fixtures/eks-al2023-two-enis";

/** The sample node's dumps as one paste, each after a shell prompt, the way a user copies them. */
export function samplePaste(): string {
  const f = (name: string) => readFileSync(`${SAMPLE}/${name}`, "utf8");
  return [
    "$ sudo iptables-save", f("iptables-save.txt"),
    "$ ip rule", f("ip-rule.txt"),
    "$ ip route show table all", f("ip-route.txt"),
    "$ ip addr", f("ip-addr.txt"),
  ].join("\n");
}

export function sampleState(form: Partial<Record<string, string>> = {}, size = { columns: 80, rows: 24 }): TuiState {
  return initialState({ fileInputs: readInputs(processIo(), [SAMPLE]), form, ...size });
}

/** Feeds raw terminal input events, one by one, through the reducer. */
export function press(state: TuiState, ...raws: string[]): TuiState {
  return raws.reduce((s, raw) => reducer(s, { type: "input", raw }), state);
}

/** A bracketed paste as a terminal sends it: CR line ends, in chunks. */
export function bracketedPaste(text: string, chunk = 4096): string[] {
  const body = text.replace(/\n/g, "\r");
  const parts: string[] = [PASTE_START];
  for (let i = 0; i < body.length; i += chunk) parts.push(body.slice(i, i + chunk));
  parts.push(PASTE_END);
  return parts;
}

export const KEYS = { up: "\x1b[A", down: "\x1b[B", left: "\x1b[D", right: "\x1b[C", home: "\x1b[H", end: "\x1b[F", delete: "\x1b[3~", enter: "\r", tab: "\t", esc: "\x1b", ctrlD: "\x04", ctrlU: "\x15", ctrlC: "\x03", backspace: "\x7f" };
