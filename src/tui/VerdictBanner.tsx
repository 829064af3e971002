/** The answer first: verdict, SNAT (to what), DNAT, and where the packet leaves (interface, ENI, gateway, table). */
import { Box, Text } from "ink";
import type { OutcomeJson } from "../explain/json.js";
import { sanitize } from "../explain/sanitize.js";
import type { Theme } from "./theme.js";

export interface VerdictBannerProps {
  outcome: OutcomeJson | null;
  index: number;
  count: number;
  stale: boolean;
  width: number;
  theme: Theme;
}

export function verdictParts(o: OutcomeJson): { verdict: string; snat: string; dnat: string; egress: string } {
  const f = o.final;
  return {
    verdict: sanitize(o.verdict.toUpperCase()),
    snat: o.snat ? sanitize(`SNAT yes → ${f.src}`) : "SNAT no",
    dnat: o.dnat ? sanitize(`DNAT yes → ${f.dst}${f.dport !== null ? `:${f.dport}` : ""}`) : "DNAT no",
    egress: o.egress
      ? sanitize(`egress ${o.egress.interface}${o.egress.eni ? ` (${o.egress.eni})` : ""}${o.egress.gateway ? ` via ${o.egress.gateway}` : ""} · table ${o.egress.table}`)
      : "does not leave the node",
  };
}

export function VerdictBanner({ outcome, index, count, stale, width, theme }: VerdictBannerProps) {
  if (!outcome) {
    return (
      <Box flexDirection="column" width={width} height={2}>
        <Text bold color={theme.accent}>No trace yet.</Text>
        <Text wrap="truncate-end">Fill in src and dst below (↑↓ fields, ←→ + Enter to take a completion).</Text>
      </Box>
    );
  }
  const p = verdictParts(outcome);
  const bad = outcome.verdict === "dropped" || outcome.verdict === "rejected" || outcome.verdict === "unroutable";
  const which = count > 1 ? `outcome ${index + 1}/${count} p=${outcome.probability} ([ ])` : "";
  return (
    <Box flexDirection="column" width={width} height={2}>
      <Text wrap="truncate-end">
        <Text bold inverse={!stale} color={bad ? theme.error : theme.matched}>{` ${p.verdict} `}</Text>
        {"  "}
        <Text bold color={outcome.snat ? theme.deciding : undefined}>{p.snat}</Text>
        {"  ·  "}
        <Text bold color={outcome.dnat ? theme.deciding : undefined}>{p.dnat}</Text>
        {stale ? <Text color={theme.warning}>{"  (last valid packet)"}</Text> : null}
      </Text>
      <Text wrap="truncate-end">
        <Text bold color={theme.accent}>{p.egress}</Text>
        {which ? `   ${which}` : ""}
      </Text>
    </Box>
  );
}
