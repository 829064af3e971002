/** A scrolling block of text: the plain-words explanation, or the path picture. */
import { Box } from "ink";
import { Hit } from "./Hit.js";
import type { Theme } from "./theme.js";

export interface TextPaneProps {
  lines: string[];
  top: number;
  height: number;
  width: number;
  query: string;
  empty: string;
  theme: Theme;
  /** Lines drawn with double borders or starting with these words are emphasised. */
  emphasise?: (line: string) => boolean;
}

export function TextPane({ lines, top, height, width, query, empty, theme, emphasise }: TextPaneProps) {
  const shown = lines.length === 0 ? [empty] : lines.slice(top, top + height);
  return (
    <Box flexDirection="column" height={height} width={width}>
      {shown.map((l, i) => (
        <Hit key={i} text={l} query={query} theme={theme} color={emphasise?.(l) ? theme.deciding : undefined} bold={emphasise?.(l) ?? false} />
      ))}
    </Box>
  );
}
