/** The TUI root: owns the reducer, feeds it raw input, debounces re-parsing, and hands each screen its props. */
import { useApp, useStdin, useStdout } from "ink";
import { useEffect, useMemo, useReducer } from "react";
import { sanitize } from "../explain/sanitize.js";
import { MainScreen } from "./MainScreen.js";
import { bundleSummary, sourceExcerpt } from "./paste-summary.js";
import { PasteScreen } from "./PasteScreen.js";
import { sourceTitle } from "./rule-view.js";
import { formCompletions, inputsOf, reducer, type TuiState } from "./state.js";
import type { Theme } from "./theme.js";
import { bodyHeight, currentOutcome, diagramLinesOf, explainLinesOf, ruleLinesOf, ruleSourcesOf, traceRowsOf } from "./view-model.js";

export interface AppProps {
  initial: TuiState;
  theme: Theme;
  /** Quiet period before re-parsing a paste, in ms. */
  parseDelay?: number;
}

function countLines(text: string): number {
  if (text === "") return 0;
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") ? n : n + 1;
}

export function App({ initial, theme, parseDelay = 150 }: AppProps) {
  const [state, dispatch] = useReducer(reducer, initial);
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const { stdout } = useStdout();
  const { exit } = useApp();

  useEffect(() => {
    setRawMode(true);
    const onInput = (raw: string) => dispatch({ type: "input", raw });
    events.on("input", onInput);
    return () => {
      events.removeListener("input", onInput);
      setRawMode(false);
    };
  }, [events, setRawMode]);

  useEffect(() => {
    const onResize = () => dispatch({ type: "resize", columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
    stdout.on("resize", onResize);
    return () => void stdout.off("resize", onResize);
  }, [stdout]);

  // Re-parse once the paste has been quiet for a moment, so a long paste parses as it arrives.
  useEffect(() => {
    if (!state.paste.dirty) return;
    const timer = setTimeout(() => dispatch({ type: "parse" }), parseDelay);
    return () => clearTimeout(timer);
  }, [state.paste.text, state.paste.dirty, parseDelay]);

  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);

  const text = state.paste.text;
  const lineCount = useMemo(() => countLines(text), [text]);
  const tail = useMemo(() => text.slice(-4000).split("\n").filter((l, i, a) => i < a.length - 1 || l !== "").slice(-4).map((l) => sanitize(l.replace(/\r$/, ""))), [text]);
  const summary = useMemo(() => bundleSummary(state.bundle), [state.bundle]);

  if (state.screen === "paste" && !state.help) {
    const d = state.bundle.diagnostics[state.paste.diagnostic];
    const excerpt = d && state.paste.focus === "diagnostics" ? sourceExcerpt(inputsOf(state), d, 2) : [];
    return <PasteScreen state={state} theme={theme} lineCount={lineCount} tail={tail} summary={summary} diagnostics={state.bundle.diagnostics} excerpt={excerpt} />;
  }
  const sources = ruleSourcesOf(state);
  const source = sources[state.ruleSource];
  const o = currentOutcome(state);
  const packet = state.trace?.json.packet;
  const placeholders = packet ? { iif: packet.iif ?? "none", sport: packet.sport === null ? "" : String(packet.sport), dport: packet.dport === null ? "" : String(packet.dport), mark: packet.mark } : {};
  return (
    <MainScreen
      state={state}
      theme={theme}
      outcome={o?.json ?? null}
      completions={state.pane === "form" ? formCompletions(state) : []}
      placeholders={placeholders}
      body={{
        height: bodyHeight(state),
        traceRows: state.view === "trace" ? traceRowsOf(state) : [],
        explain: state.view === "explain" ? explainLinesOf(state) : [],
        diagram: state.view === "diagram" ? diagramLinesOf(state) : [],
        rules: { title: source ? sourceTitle(source) : "(no rules)", index: state.ruleSource, count: sources.length, lines: state.view === "rules" ? ruleLinesOf(state) : [] },
      }}
    />
  );
}
