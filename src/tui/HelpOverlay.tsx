/** `?`: every key, one line each. */
import { Box, Text } from "ink";
import { KEY_HELP } from "./keys.js";
import type { Theme } from "./theme.js";
import { truncate } from "./text.js";

export interface HelpOverlayProps {
  width: number;
  height: number;
  theme: Theme;
}

export function HelpOverlay({ width, height, theme }: HelpOverlayProps) {
  const keyWidth = Math.max(...KEY_HELP.map((k) => k.keys.length)) + 2;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>Keys (? Esc or q closes this)</Text>
      {KEY_HELP.slice(0, Math.max(0, height - 2)).map((k) => (
        <Text key={k.keys} wrap="truncate-end">
          <Text bold>{k.keys.padEnd(keyWidth)}</Text>
          {truncate(k.what, width - keyWidth)}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">✓ matched  ✗ did not match  ◆ decided (NAT, ip rule, route)  ▸ collapsed</Text>
    </Box>
  );
}
