/** The main screen: header, verdict banner, packet form, pane tabs, the focused body pane, key hints. */
import { Box, Text } from "ink";
import { sanitize } from "../explain/sanitize.js";
import type { Field } from "./form.js";
import { HelpOverlay } from "./HelpOverlay.js";
import type { Candidate } from "./node-hints.js";
import { PacketForm } from "./PacketForm.js";
import type { RuleLine } from "./rule-view.js";
import { RulesPane } from "./RulesPane.js";
import type { BodyPane, TuiState } from "./state.js";
import { TextPane } from "./TextPane.js";
import type { Theme } from "./theme.js";
import { TracePane } from "./TracePane.js";
import type { TraceRow } from "./trace-rows.js";
import { VerdictBanner } from "./VerdictBanner.js";
import type { OutcomeJson } from "../explain/json.js";

export interface MainScreenProps {
  state: TuiState;
  theme: Theme;
  outcome: OutcomeJson | null;
  completions: Candidate[];
  placeholders: Partial<Record<Field, string>>;
  body: {
    height: number;
    traceRows: TraceRow[];
    explain: string[];
    diagram: string[];
    rules: { title: string; index: number; count: number; lines: RuleLine[] };
  };
}

const TABS: { pane: BodyPane; label: string }[] = [
  { pane: "trace", label: "2 Trace" },
  { pane: "explain", label: "3 Explain" },
  { pane: "diagram", label: "4 Diagram" },
  { pane: "rules", label: "5 Rules" },
];

export function Header({ state, theme, title }: { state: TuiState; theme: Theme; title: string }) {
  const nodes = state.bundle.nodes;
  const node = nodes[state.nodeIndex];
  const where = node ? `node ${sanitize(node.name)}${nodes.length > 1 ? ` (${state.nodeIndex + 1}/${nodes.length}, < >)` : ""}` : "no node yet";
  return (
    <Text wrap="truncate-end">
      <Text bold color={theme.accent}>podpath</Text>
      {` ${title} · ${where} · `}
      <Text dimColor>? help · q quit</Text>
    </Text>
  );
}

export function MainScreen({ state, theme, outcome, completions, placeholders, body }: MainScreenProps) {
  const width = state.columns;
  const focusedBody = state.pane === "form" ? null : state.pane;
  if (state.help) {
    return (
      <Box flexDirection="column" width={width} height={state.rows - 1}>
        <Header state={state} theme={theme} title="help" />
        <HelpOverlay width={width} height={state.rows - 2} theme={theme} />
      </Box>
    );
  }
  const query = state.search.query;
  let pane;
  switch (state.view) {
    case "trace":
      pane = <TracePane rows={body.traceRows} cursor={state.cursor.trace} focused={focusedBody === "trace"} height={body.height} width={width} query={query} theme={theme} />;
      break;
    case "explain":
      pane = <TextPane lines={body.explain} top={state.cursor.explain} height={body.height} width={width} query={query} empty="No trace yet." theme={theme} emphasise={(l) => /^(SNAT|Egress|To keep|DNAT|WHAT-IF)/.test(l)} />;
      break;
    case "diagram":
      pane = <TextPane lines={body.diagram} top={state.cursor.diagram} height={body.height} width={width} query={query} empty="No trace yet." theme={theme} emphasise={(l) => /[╔║╚]/.test(l)} />;
      break;
    case "rules":
      pane = <RulesPane {...body.rules} cursor={state.cursor.rules} focused={focusedBody === "rules"} height={body.height} width={width} query={query} theme={theme} />;
      break;
  }
  const footer = state.whatif.draft !== null
    ? <Text wrap="truncate-end"><Text bold color={theme.accent}>what-if EXCLUDE_SNAT_CIDRS=</Text>{`${sanitize(state.whatif.draft)}▏`}<Text dimColor>  Enter apply · Esc cancel</Text></Text>
    : state.search.editing
    ? <Text wrap="truncate-end"><Text bold color={theme.accent}>/</Text>{`${state.search.query}▏`}<Text dimColor>  Enter find · Esc cancel</Text></Text>
    : state.message
      ? <Text wrap="truncate-end" color={theme.warning}>{state.message}</Text>
      : <Text dimColor wrap="truncate-end">{state.pane === "form"
        ? "Tab panes · ↑↓ fields · ←→ Enter complete · Esc leave form · ? help · Ctrl-C quit"
        : `Tab panes · ↑↓ jk move · Enter ${state.pane === "trace" ? "expand/open" : "—"} · / search${query ? ` "${query}" n N` : ""} · [ ] outcome · w e what-if · p paste · ? · q`}</Text>;
  const outcomes = state.trace?.json.outcomes.length ?? 0;
  return (
    <Box flexDirection="column" width={width} height={state.rows - 1}>
      <Header state={state} theme={theme} title={state.whatif.exclusions !== null || state.whatif.externalSnat !== null ? "trace · WHAT-IF (3 Explain shows it)" : "trace"} />
      <VerdictBanner outcome={outcome} index={state.outcome} count={outcomes} stale={state.formError !== null && outcome !== null} width={width} theme={theme} />
      <PacketForm form={state.form} field={state.field} caret={state.caret} focused={state.pane === "form"} placeholders={placeholders} error={state.formError} completions={completions} completion={state.completion} width={width} theme={theme} />
      <Text wrap="truncate-end">
        {TABS.map((t) => (
          <Text key={t.pane}>
            <Text inverse={state.view === t.pane} bold={state.view === t.pane} color={state.view === t.pane && focusedBody ? theme.accent : undefined}>{` ${t.label} `}</Text>
            {" "}
          </Text>
        ))}
        <Text dimColor>{state.pane === "form" ? " (1 form: focused)" : ""}</Text>
      </Text>
      {pane}
      {footer}
    </Box>
  );
}
