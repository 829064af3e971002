/** The packet form: seven fields on two lines, then the inline error or the completions for the focused field. */
import { Box, Text } from "ink";
import { sanitize } from "../explain/sanitize.js";
import type { Field, FormValues } from "./form.js";
import type { Candidate } from "./node-hints.js";
import type { Theme } from "./theme.js";
import { truncate } from "./text.js";

export interface PacketFormProps {
  form: FormValues;
  field: Field;
  /** Characters of the focused field after the cursor. */
  caret: number;
  focused: boolean;
  /** What the trace used where the field is empty (the inferred iif, default ports). */
  placeholders: Partial<Record<Field, string>>;
  error: { field: Field | null; message: string } | null;
  completions: Candidate[];
  completion: number;
  width: number;
  theme: Theme;
}

const LAYOUT: { field: Field; width: number }[][] = [
  [{ field: "src", width: 24 }, { field: "dst", width: 24 }, { field: "proto", width: 6 }],
  [{ field: "sport", width: 6 }, { field: "dport", width: 6 }, { field: "iif", width: 16 }, { field: "mark", width: 10 }],
];

/**
 * What a cell of `width` shows of `text`, with the cursor mark `after` characters before its end
 * (null: no cursor): a value too long to fit shows the part around the cursor, `…` where it is cut.
 */
export function fieldView(text: string, after: number | null, width: number): string {
  const chars = [...text];
  const at = after === null ? chars.length : chars.length - Math.min(after, chars.length);
  const marked = after === null ? chars : [...chars.slice(0, at), "▏", ...chars.slice(at)];
  const room = width - 1;
  if (marked.length <= room) return marked.join("");
  // Keep the cursor (and a character after it) in view; the cut sides are marked.
  const end = Math.min(marked.length, Math.max(room, at + 2));
  const start = end - room;
  const view = marked.slice(start, end);
  if (start > 0) view[0] = "…";
  if (end < marked.length) view[view.length - 1] = "…";
  return view.join("");
}

export function PacketForm({ form, field, caret, focused, placeholders, error, completions, completion, width, theme }: PacketFormProps) {
  const cell = (f: Field, w: number) => {
    const active = focused && f === field;
    const value = form[f];
    const shown = value === "" ? (placeholders[f] ?? "") : value;
    const bad = error?.field === f;
    return (
      <Text key={f}>
        <Text color={bad ? theme.error : active ? theme.accent : undefined} bold={active}>{`${bad ? "!" : " "}${f} `}</Text>
        <Text inverse={active} dimColor={value === ""} underline={!active}>{sanitize(fieldView(shown, active ? (value === "" ? 0 : caret) : null, w)).padEnd(w)}</Text>
      </Text>
    );
  };
  let status;
  const showError = error !== null && (!focused || error.field === field || error.field === null || completions.length === 0);
  if (error && showError) status = <Text color={theme.error} wrap="truncate-end">{truncate(`✗ ${sanitize(error.message)}`, width)}</Text>;
  else if (focused && completions.length > 0) {
    const items = completions.map((c, i) => ({ c, i }));
    const start = Math.max(0, Math.min(completion - 1, items.length - 1));
    status = (
      <Text wrap="truncate-end">
        <Text dimColor>{"complete ^N ^P ⏎: "}</Text>
        {items.slice(start).map(({ c, i }) => (
          <Text key={i}>
            <Text inverse={i === completion} color={i === completion ? theme.accent : undefined}>{c.value}</Text>
            <Text dimColor>{` ${c.note}  `}</Text>
          </Text>
        ))}
      </Text>
    );
  } else status = <Text dimColor wrap="truncate-end">{focused ? "type to edit · ←→ Home End move · ↑↓ field · Ctrl-U clear · Tab to the trace" : "Tab or 1: edit the packet"}</Text>;
  return (
    <Box flexDirection="column" width={width} height={3}>
      {LAYOUT.map((row, i) => (
        <Text key={i} wrap="truncate-end">{row.map((c) => cell(c.field, c.width))}</Text>
      ))}
      {status}
    </Box>
  );
}
