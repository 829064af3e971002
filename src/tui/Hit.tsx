/** A line of text with the search query's occurrences emphasised. */
import { Text } from "ink";
import type { Theme } from "./theme.js";

export interface HitProps {
  text: string;
  query: string;
  theme: Theme;
  color?: string | undefined;
  bold?: boolean;
  inverse?: boolean;
  dim?: boolean;
}

export function Hit({ text, query, theme, color, bold = false, inverse = false, dim = false }: HitProps) {
  const parts: { text: string; hit: boolean }[] = [];
  if (query === "") parts.push({ text, hit: false });
  else {
    const lower = text.toLowerCase();
    const q = query.toLowerCase();
    let at = 0;
    for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, at)) {
      if (i > at) parts.push({ text: text.slice(at, i), hit: false });
      parts.push({ text: text.slice(i, i + q.length), hit: true });
      at = i + q.length;
    }
    if (at < text.length) parts.push({ text: text.slice(at), hit: false });
  }
  return (
    <Text wrap="truncate-end" color={color} bold={bold} inverse={inverse} dimColor={dim}>
      {parts.map((p, i) =>
        p.hit ? (
          <Text key={i} color={theme.hit} underline={!theme.color} bold>
            {p.text}
          </Text>
        ) : (
          p.text
        ),
      )}
    </Text>
  );
}
