/** The path hook by hook: matched rules highlighted, skipped rules grouped (Enter expands), the deciding rule marked ◆. */
import { Box, Text } from "ink";
import { Hit } from "./Hit.js";
import { scrollTop } from "./text.js";
import type { Theme } from "./theme.js";
import { traceRowText, type TraceRow } from "./trace-rows.js";

/** What every selectable list pane takes: the selected row, focus, size, the search, the theme. */
export interface ListPaneProps {
  cursor: number;
  focused: boolean;
  height: number;
  width: number;
  query: string;
  theme: Theme;
}

export interface TracePaneProps extends ListPaneProps {
  rows: TraceRow[];
}

function rowStyle(r: TraceRow, theme: Theme): { color: string | undefined; bold: boolean; dim: boolean; indent: number; mark: string } {
  switch (r.type) {
    case "hook":
      return { color: theme.accent, bold: r.present, dim: !r.present, indent: 0, mark: " " };
    case "rule":
      return r.deciding
        ? { color: theme.deciding, bold: true, dim: false, indent: 2 + r.depth * 2, mark: "◆" }
        : { color: r.matched ? theme.matched : theme.skipped, bold: false, dim: !r.matched && !theme.color, indent: 2 + r.depth * 2, mark: " " };
    case "skipped":
      return { color: theme.skipped, bold: false, dim: !theme.color, indent: 2 + r.depth * 2, mark: " " };
    case "effect":
      return { color: r.deciding ? theme.deciding : undefined, bold: r.deciding, dim: false, indent: 4 + r.depth * 2, mark: r.deciding ? "◆" : " " };
    case "note":
      return { color: undefined, bold: false, dim: true, indent: 2 + r.depth * 2, mark: " " };
    case "route":
      return { color: theme.deciding, bold: true, dim: false, indent: 1, mark: "◆" };
  }
}

export function TracePane({ rows, cursor, focused, height, width, query, theme }: TracePaneProps) {
  if (rows.length === 0) return <Box height={height}><Text dimColor>No trace: enter a packet in the form above.</Text></Box>;
  const top = scrollTop(cursor, rows.length, height);
  return (
    <Box flexDirection="column" height={height} width={width}>
      {rows.slice(top, top + height).map((r, k) => {
        const i = top + k;
        const st = rowStyle(r, theme);
        const selected = focused && i === cursor;
        return (
          <Box key={i} width={width}>
            <Hit text={`${st.mark}${" ".repeat(Math.min(st.indent, 12))}${traceRowText(r)}`} query={query} theme={theme} color={st.color} bold={st.bold} dim={st.dim} inverse={selected} />
          </Box>
        );
      })}
    </Box>
  );
}
