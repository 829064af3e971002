/**
 * Raw terminal input → typed keys. Ink hands us each escape sequence and each run of text as one
 * event; bracketed paste arrives as `ESC[200~`, the text (possibly many events), `ESC[201~`.
 */

export const PASTE_START = "\x1b[200~";
export const PASTE_END = "\x1b[201~";

/** One key press (or one run of typed text). */
export type Key =
  | { type: "text"; text: string }
  | { type: "ctrl"; char: string }
  | {
      type:
        | "up" | "down" | "left" | "right" | "pageup" | "pagedown" | "home" | "end"
        | "enter" | "tab" | "backtab" | "backspace" | "delete" | "escape";
    }
  | { type: "paste-start" }
  | { type: "paste-end" }
  | { type: "unknown"; raw: string };

const SEQUENCES: ReadonlyMap<string, Key> = new Map(Object.entries({
  "\x1b[A": { type: "up" }, "\x1bOA": { type: "up" },
  "\x1b[B": { type: "down" }, "\x1bOB": { type: "down" },
  "\x1b[C": { type: "right" }, "\x1bOC": { type: "right" },
  "\x1b[D": { type: "left" }, "\x1bOD": { type: "left" },
  "\x1b[5~": { type: "pageup" }, "\x1b[6~": { type: "pagedown" },
  "\x1b[H": { type: "home" }, "\x1b[1~": { type: "home" }, "\x1b[7~": { type: "home" }, "\x1bOH": { type: "home" },
  "\x1b[F": { type: "end" }, "\x1b[4~": { type: "end" }, "\x1b[8~": { type: "end" }, "\x1bOF": { type: "end" },
  "\x1b[3~": { type: "delete" },
  "\x1b[Z": { type: "backtab" },
  "\x1b": { type: "escape" },
  "\x1b\x1b": { type: "escape" },
  [PASTE_START]: { type: "paste-start" },
  [PASTE_END]: { type: "paste-end" },
}));

export function decodeKey(raw: string): Key {
  const known = SEQUENCES.get(raw);
  if (known) return known;
  if (raw === "\r" || raw === "\n" || raw === "\r\n") return { type: "enter" };
  if (raw === "\t") return { type: "tab" };
  if (raw === "\x7f" || raw === "\b") return { type: "backspace" };
  if (raw.length === 1) {
    const code = raw.charCodeAt(0);
    if (code >= 1 && code <= 26) return { type: "ctrl", char: String.fromCharCode(code + 96) };
    if (code < 32) return { type: "unknown", raw };
  }
  if (raw.startsWith("\x1b")) return { type: "unknown", raw };
  return { type: "text", text: raw };
}

/** Every key the TUI knows, for the `?` overlay (and the README). */
export const KEY_HELP: readonly { keys: string; what: string }[] = [
  { keys: "Tab / Shift-Tab", what: "next / previous pane (form, trace, explain, diagram, rules)" },
  { keys: "1 … 5", what: "go to pane: 1 form, 2 trace, 3 explain, 4 diagram, 5 rules" },
  { keys: "↑ ↓  j k", what: "move (form: previous / next field)" },
  { keys: "PgUp PgDn  g G", what: "page up / down, top / bottom" },
  { keys: "← →  h l", what: "rules: previous / next chain or table; form: move the cursor" },
  { keys: "Home End  ^N ^P", what: "form: cursor to start / end; next / previous completion" },
  { keys: "Enter", what: "form: take completion; trace: expand / open in rule view" },
  { keys: "x", what: "trace: expand or collapse every group of skipped rules" },
  { keys: "/  n  N", what: "search (rules: every chain and table); next / previous" },
  { keys: "[  ]", what: "previous / next outcome (endpoints, unknown matches)" },
  { keys: "<  >", what: "previous / next node of a multi-node paste" },
  { keys: "Bksp Del ^U ^K", what: "delete before / at the cursor; clear; delete to the end" },
  { keys: "Esc", what: "form: leave it; search: cancel; help: close" },
  { keys: "w", what: "what-if: edit the SNAT exclusion CIDRs (Enter applies)" },
  { keys: "e", what: "what-if: toggle AWS_VPC_K8S_CNI_EXTERNALSNAT" },
  { keys: "W", what: "what-if: back to the node as captured" },
  { keys: "p", what: "paste screen (add dumps; see what was recognised)" },
  { keys: "paste screen", what: "type or paste; Tab: diagnostics, ↑↓ shows the line" },
  { keys: "Ctrl-D / Esc", what: "paste screen: done, go to the packet form" },
  { keys: "?  q  Ctrl-C", what: "this help; quit (q outside text fields)" },
];
