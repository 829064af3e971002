/** Paste screen: the dumps as they arrive, what was recognised per node, and diagnostics with the line each points at. */
import { Box, Text } from "ink";
import type { Diagnostic } from "../diagnostics.js";
import { sanitize } from "../explain/sanitize.js";
import { Header } from "./MainScreen.js";
import type { NodeSummary } from "./paste-summary.js";
import { diagnosticText } from "./paste-summary.js";
import type { TuiState } from "./state.js";
import { scrollTop, truncate } from "./text.js";
import type { Theme } from "./theme.js";

export interface PasteScreenProps {
  state: TuiState;
  theme: Theme;
  lineCount: number;
  tail: string[];
  summary: NodeSummary[];
  diagnostics: Diagnostic[];
  excerpt: { line: number; text: string; here: boolean }[];
}

export function PasteScreen({ state, theme, lineCount, tail, summary, diagnostics, excerpt }: PasteScreenProps) {
  const width = state.columns;
  const height = state.rows - 1;
  const p = state.paste;
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  const nodeLines = summary.slice(0, 3).flatMap((n) => [
    `node ${n.name}${n.skipped ? ` · ${n.skipped} lines skipped` : ""}`,
    `  iptables ${n.iptables.length ? n.iptables.join(", ") : "none"} (chains/rules)`,
    `  ip rules ${n.rulesGiven ? n.ipRules : "none (kernel defaults)"} · routes ${n.routeCount}${n.routes.length ? ` (${n.routes.join(", ")})` : ""}`,
    `  interfaces ${n.interfaces.length}${n.interfaces.length ? ` (${n.interfaces.join(", ")})` : ""}${n.ipamd ? ` · ipamd ${n.ipamd}` : ""}`,
  ]);
  if (summary.length > 3) nodeLines.push(`… and ${summary.length - 3} more nodes`);
  const focusDiag = p.focus === "diagnostics";
  // Rows: header, status, summary, diagnostics title, list, excerpt or tail, footer.
  const below = focusDiag ? excerpt.length + 1 : Math.min(tail.length, 4) + 1;
  const listHeight = Math.max(1, height - 4 - Math.max(1, nodeLines.length) - below);
  const top = scrollTop(p.diagnostic, diagnostics.length, listHeight);
  const sev = (d: Diagnostic) => (d.severity === "error" ? theme.error : d.severity === "warning" ? theme.warning : theme.info);
  const status = p.pasting ? "receiving paste…" : p.dirty ? "parsing…" : `${summary.length} node${summary.length === 1 ? "" : "s"} recognised`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header state={state} theme={theme} title="paste" />
      <Text wrap="truncate-end">
        <Text bold>{`${lineCount} lines pasted`}</Text>
        {` · ${status}`}
        {state.message ? <Text color={theme.warning}>{` · ${state.message}`}</Text> : null}
      </Text>
      {nodeLines.length === 0
        ? <Text dimColor wrap="truncate-end">Paste iptables-save, ip rule, ip route show table all, ip addr (any mix, several nodes).</Text>
        : nodeLines.map((l, i) => <Text key={i} wrap="truncate-end" color={i % 4 === 0 ? theme.accent : undefined} bold={i % 4 === 0}>{sanitize(l)}</Text>)}
      <Text wrap="truncate-end" bold={focusDiag}>
        {`Diagnostics ${diagnostics.length}: `}
        <Text color={theme.error}>{`${counts.error} errors`}</Text>{", "}
        <Text color={theme.warning}>{`${counts.warning} warnings`}</Text>{", "}
        <Text color={theme.info}>{`${counts.info} info`}</Text>
        <Text dimColor>{focusDiag ? "  (↑↓ select · Tab back)" : diagnostics.length ? "  (Tab to browse)" : ""}</Text>
      </Text>
      <Box flexDirection="column" height={listHeight}>
        {diagnostics.slice(top, top + listHeight).map((d, k) => {
          const i = top + k;
          return (
            <Text key={i} wrap="truncate-end" inverse={focusDiag && i === p.diagnostic}>
              <Text color={sev(d)}>{i === p.diagnostic ? "›" : " "}</Text>
              {truncate(diagnosticText(d), width - 2)}
            </Text>
          );
        })}
      </Box>
      {focusDiag ? (
        <Box flexDirection="column">
          <Text dimColor wrap="truncate-end">{diagnostics[p.diagnostic] ? `${sanitize(diagnostics[p.diagnostic]?.file ?? "")} around line ${diagnostics[p.diagnostic]?.line}:` : ""}</Text>
          {excerpt.map((l) => (
            <Text key={l.line} wrap="truncate-end" bold={l.here} color={l.here ? theme.deciding : undefined}>{`${l.here ? "›" : " "}${String(l.line).padStart(6)} │ ${l.text}`}</Text>
          ))}
        </Box>
      ) : (
        <Box flexDirection="column">
          <Text dimColor wrap="truncate-end">{lineCount ? "last lines pasted:" : "type or paste here"}</Text>
          {tail.slice(-4).map((l, i) => <Text key={i} dimColor wrap="truncate-end">{`  ${l}`}</Text>)}
        </Box>
      )}
      <Text dimColor wrap="truncate-end">{focusDiag ? "↑↓ jk diagnostics · Tab/Esc back to the paste · Ctrl-D done · q quit" : "paste or type · Tab diagnostics · Ctrl-D or Esc: done, to the packet · Ctrl-U clear · Ctrl-C quit"}</Text>
    </Box>
  );
}
