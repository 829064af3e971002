/** One chain, the ip rules, or one routing table in full; the traced path marked (◆ decided, ✓ matched, ✗ tried). */
import { Box, Text } from "ink";
import { Hit } from "./Hit.js";
import { ruleLineText, type RuleLine } from "./rule-view.js";
import { scrollTop, truncate } from "./text.js";
import type { ListPaneProps } from "./TracePane.js";

export interface RulesPaneProps extends ListPaneProps {
  title: string;
  index: number;
  count: number;
  lines: RuleLine[];
}

const MARK = { deciding: "◆", matched: "✓", failed: "✗", none: " " } as const;

export function RulesPane({ title, index, count, lines, cursor, focused, height, width, query, theme }: RulesPaneProps) {
  const top = scrollTop(cursor, lines.length, height - 1);
  const color = (l: RuleLine) => (l.mark === "deciding" ? theme.deciding : l.mark === "matched" ? theme.matched : l.mark === "failed" ? theme.skipped : undefined);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate-end">
        <Text bold color={theme.accent}>{truncate(title, width - 30)}</Text>
        <Text dimColor>{`  (${index + 1}/${count}, ←→ h l: other chains and tables)`}</Text>
      </Text>
      {lines.length === 0 ? <Text dimColor>(empty)</Text> : null}
      {lines.slice(top, top + height - 1).map((l, k) => {
        const i = top + k;
        return (
          <Box key={i} width={width}>
            <Hit text={`${MARK[l.mark]} ${ruleLineText(l)}`} query={query} theme={theme} color={color(l)} bold={l.mark === "deciding"} inverse={focused && i === cursor} />
          </Box>
        );
      })}
    </Box>
  );
}
