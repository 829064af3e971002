/**
 * The TUI's one reducer. Every key arrives here as raw terminal input; the reducer parses pastes,
 * edits the packet form and re-traces synchronously by calling parse, evaluate and explain — it
 * decides nothing about packets itself.
 */
import { CliError } from "../cli/io.js";
import { packetFromFlags } from "../cli/packet-options.js";
import { UnsupportedSetting } from "../cni/generate.js";
import { inferCni, type CniSettings } from "../cni/settings.js";
import { suggestFixes } from "../cni/suggest.js";
import { applySettings, type RuleChange } from "../cni/whatif.js";
import { parseAssignment } from "../cni/assignments.js";
import { evaluate } from "../eval/evaluate.js";
import { DEFAULT_LIMITS } from "../eval/netfilter.js";
import { nodeFacts, type NodeFacts } from "../eval/node-facts.js";
import type { TraceResult } from "../eval/types.js";
import { traceJson, type TraceJson } from "../explain/json.js";
import { parseInputs, type InputGroup } from "../model/bundle.js";
import type { Bundle } from "../model/node.js";
import { EMPTY_FORM, FIELDS, fieldOfMessage, flagsOf, type Field, type FormValues } from "./form.js";
import { decodeKey, PASTE_END, type Key } from "./keys.js";
import { completions, nodeHints, type NodeHints } from "./node-hints.js";
import { ruleLineText, sourceLines, type RuleSource } from "./rule-view.js";
import { skippedGroupIds, type RowTarget } from "./trace-rows.js";
import { bodyHeight, currentOutcome, isScrollPane, paneTexts, ruleLinesOf, ruleSourcesOf, traceRowsOf } from "./view-model.js";

export type Screen = "paste" | "main";
export const PANES = ["form", "trace", "explain", "diagram", "rules"] as const;
export type Pane = (typeof PANES)[number];
export type BodyPane = Exclude<Pane, "form">;

/** The name pasted text gets in diagnostics. */
export const PASTE_NAME = "paste";

export interface Trace {
  result: TraceResult;
  json: TraceJson;
}

export interface PasteState {
  text: string;
  /** Inside a bracketed paste (between ESC[200~ and ESC[201~). */
  pasting: boolean;
  /** Where the bracketed paste goes: the paste buffer, or the focused form field. */
  target: "paste" | "field";
  /** Text changed since the last parse (the App re-parses after a short pause). */
  dirty: boolean;
  focus: "text" | "diagnostics";
  diagnostic: number;
}

/** What-if on the CNI's settings: the node is rewritten and every trace runs on the rewritten node. */
export interface WhatIfState {
  /** AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS to try; null = as the node has it. */
  exclusions: string[] | null;
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT to try; null = as the node has it. */
  externalSnat: boolean | null;
  /** Editing the exclusion list (`w`): the text typed so far. */
  draft: string | null;
  /** The rule changes the settings make. */
  diff: RuleChange[];
  /** The same packet on the node as captured, for comparison. */
  before: TraceJson | null;
}

export interface TuiState {
  screen: Screen;
  help: boolean;
  columns: number;
  rows: number;
  /** Dumps named on the command line; the paste (if any) is added to them. */
  fileInputs: InputGroup[];
  paste: PasteState;
  bundle: Bundle;
  nodeIndex: number;
  facts: NodeFacts | null;
  /** The node as captured, when what-if rewrote `facts`' node. */
  baseFacts: NodeFacts | null;
  whatif: WhatIfState;
  hints: NodeHints | null;
  form: FormValues;
  /** `--assume` answers from the command line, for every trace. */
  assume: string[];
  field: Field;
  /** How many characters of the focused field stand after the cursor (0: at its end). */
  caret: number;
  completion: number;
  /** The form's packet is invalid: packetFromFlags's message, and the field it is about. */
  formError: { field: Field | null; message: string } | null;
  trace: Trace | null;
  outcome: number;
  pane: Pane;
  /** The body pane on screen (the last one focused). */
  view: BodyPane;
  /** Trace and rules: selected row; explain and diagram: first visible line. */
  cursor: Record<BodyPane, number>;
  /** Groups of skipped rules that are expanded. */
  expanded: ReadonlySet<string>;
  ruleSource: number;
  search: { editing: boolean; query: string };
  message: string | null;
  quit: boolean;
}

export type Action =
  | { type: "input"; raw: string }
  /** The debounced re-parse of the paste. */
  | { type: "parse" }
  | { type: "resize"; columns: number; rows: number };

export interface InitialOptions {
  fileInputs?: InputGroup[];
  form?: Partial<FormValues>;
  /** The command line's `--assume` answers, for every trace. */
  assume?: string[];
  node?: string;
  columns?: number;
  rows?: number;
}

export function initialState(opts: InitialOptions = {}): TuiState {
  const fileInputs = opts.fileInputs ?? [];
  let state: TuiState = {
    screen: fileInputs.length > 0 ? "main" : "paste",
    help: false,
    columns: opts.columns ?? 80,
    rows: opts.rows ?? 24,
    fileInputs,
    paste: { text: "", pasting: false, target: "paste", dirty: false, focus: "text", diagnostic: 0 },
    bundle: { nodes: [], diagnostics: [] },
    nodeIndex: 0,
    facts: null,
    baseFacts: null,
    whatif: { exclusions: null, externalSnat: null, draft: null, diff: [], before: null },
    hints: null,
    form: { ...EMPTY_FORM, ...Object.fromEntries(Object.entries(opts.form ?? {}).filter(([, v]) => v !== undefined)) },
    assume: opts.assume ?? [],
    field: "src",
    caret: 0,
    completion: 0,
    formError: null,
    trace: null,
    outcome: 0,
    pane: "form",
    view: "trace",
    cursor: { trace: 0, explain: 0, diagram: 0, rules: 0 },
    expanded: new Set(),
    ruleSource: 0,
    search: { editing: false, query: "" },
    message: null,
    quit: false,
  };
  if (fileInputs.length > 0) {
    state = parseNow(state);
    const named = opts.node === undefined ? -1 : state.bundle.nodes.findIndex((n) => n.name === opts.node);
    if (named > 0) state = selectNode(state, named);
    if (state.trace) state = { ...state, pane: "trace", view: "trace" };
  }
  return state;
}

export function reducer(state: TuiState, action: Action): TuiState {
  switch (action.type) {
    case "input":
      return input(state, action.raw);
    case "parse":
      return state.paste.dirty ? parseNow(state) : state;
    case "resize":
      return { ...state, columns: action.columns, rows: action.rows };
  }
}

// ── parsing and tracing ─────────────────────────────────────────────────────────────────────────

export function inputsOf(state: TuiState): InputGroup[] {
  const paste = state.paste.text.trim() === "" ? [] : [{ node: PASTE_NAME, files: [{ name: PASTE_NAME, text: state.paste.text }] }];
  return [...state.fileInputs, ...paste];
}

function parseNow(state: TuiState): TuiState {
  const bundle = parseInputs(inputsOf(state));
  const diagnostic = Math.min(state.paste.diagnostic, Math.max(0, bundle.diagnostics.length - 1));
  return selectNode({ ...state, bundle, paste: { ...state.paste, dirty: false, diagnostic } }, state.nodeIndex);
}

function selectNode(state: TuiState, index: number): TuiState {
  const count = state.bundle.nodes.length;
  const nodeIndex = count === 0 ? 0 : ((index % count) + count) % count;
  const node = state.bundle.nodes[nodeIndex];
  const facts = node ? nodeFacts(node) : null;
  const ruleSource = facts && state.facts?.node.name === node?.name ? state.ruleSource : 0;
  return applyWhatIf({ ...state, nodeIndex, facts, baseFacts: facts, hints: node ? nodeHints(node) : null, ruleSource });
}

function whatIfChanges(w: WhatIfState): Partial<CniSettings> | null {
  const changes: Partial<CniSettings> = {};
  if (w.exclusions !== null) changes.excludeSnatCidrs = w.exclusions;
  if (w.externalSnat !== null) changes.externalSnat = w.externalSnat;
  return Object.keys(changes).length > 0 ? changes : null;
}

/** Rewrites the selected node for the what-if settings (or restores it) and re-traces. */
function applyWhatIf(state: TuiState): TuiState {
  const base = state.baseFacts;
  const changes = whatIfChanges(state.whatif);
  if (!base || !changes) return retrace({ ...state, facts: base, whatif: { ...state.whatif, diff: [], before: null } });
  try {
    const w = applySettings(base.node, changes);
    return retrace({ ...state, facts: nodeFacts(w.node), whatif: { ...state.whatif, diff: w.ruleDiff } });
  } catch (e) {
    if (!(e instanceof UnsupportedSetting)) throw e;
    return retrace({ ...state, facts: base, whatif: { ...state.whatif, exclusions: null, externalSnat: null, diff: [], before: null }, message: `what-if: ${e.message}` });
  }
}

const TUI_LIMITS = { ...DEFAULT_LIMITS, listSkipped: false };

/**
 * Re-traces the form's packet on the selected node: packetFromFlags (validation, with the CLI's
 * messages), evaluate, traceJson (and the CNI fixes' what-if traces when the explain pane is on
 * screen). Pure and synchronous — the function to time for responsiveness.
 */
export function retrace(state: TuiState): TuiState {
  const facts = state.facts;
  if (!facts) return { ...state, trace: null, formError: null };
  const flags = { ...flagsOf(state.form), assume: state.assume };
  if (flags.src === undefined && flags.dst === undefined) return { ...state, trace: null, formError: null };
  try {
    const packet = packetFromFlags(flags, facts);
    // Rules a dispatch index jumps over (thousands on a big node) are not listed: the screen could
    // not show them anyway, and re-tracing must keep up with typing.
    const result = evaluate(facts, packet, TUI_LIMITS);
    // The verified fixes run what-if traces: computed when the explain pane is on screen, not per keystroke.
    const json = traceJson(result, facts, state.view === "explain" ? suggestFixes(facts.node, packet, result) : []);
    const outcome = Math.min(state.outcome, Math.max(0, json.outcomes.length - 1));
    const base = state.baseFacts;
    const before = base && base !== facts ? traceJson(evaluate(base, packetFromFlags(flags, base)), base) : null;
    return clampCursors({ ...state, trace: { result, json }, formError: null, outcome, whatif: { ...state.whatif, before } });
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    // The previous trace stays on screen (the banner says it is stale) while the field is fixed.
    return { ...state, formError: { field: fieldOfMessage(e.message), message: e.message } };
  }
}

// ── input ───────────────────────────────────────────────────────────────────────────────────────

function input(state: TuiState, raw: string): TuiState {
  if (state.paste.pasting) {
    if (raw === PASTE_END) return { ...state, paste: { ...state.paste, pasting: false } };
    // Terminals send a paste's line breaks as CR.
    const text = raw.replace(/\r\n?/g, "\n");
    if (state.paste.target === "field") return insertAtCaret(state, (text.split("\n").find((l) => l.trim() !== "") ?? "").trim());
    return appendPaste(state, text);
  }
  // Keys typed quickly (or sent by a script) arrive as one run of text: outside the paste buffer,
  // each character is a key of its own. On the paste screen, a run is an unbracketed paste.
  const pasteText = state.screen === "paste" && state.paste.focus === "text" && !state.help;
  if (raw.length > 1 && !raw.startsWith("\x1b") && !pasteText) {
    return [...raw].reduce((s, ch) => input(s, ch), state);
  }
  const key = decodeKey(raw);
  if (key.type === "ctrl" && key.char === "c") return { ...state, quit: true };
  if (key.type === "paste-start") {
    const target = state.screen === "main" && state.pane === "form" ? "field" : "paste";
    return { ...state, help: false, screen: target === "paste" ? "paste" : state.screen, paste: { ...state.paste, pasting: true, target, focus: target === "paste" ? "text" : state.paste.focus } };
  }
  if (key.type === "paste-end") return state;
  if (state.help) {
    const close = key.type === "escape" || key.type === "enter" || (key.type === "text" && (key.text === "?" || key.text === "q"));
    return close ? { ...state, help: false } : state;
  }
  return state.screen === "paste" ? pasteKey({ ...state, message: null }, key) : mainKey({ ...state, message: null }, key);
}

function appendPaste(state: TuiState, text: string): TuiState {
  return { ...state, paste: { ...state.paste, text: state.paste.text + text, dirty: true } };
}

const isChar = (key: Key, ...chars: string[]) => key.type === "text" && chars.includes(key.text);

function pasteKey(state: TuiState, key: Key): TuiState {
  const p = state.paste;
  const done = () => {
    const parsed = p.dirty ? parseNow(state) : state;
    if (parsed.bundle.nodes.length === 0) return { ...parsed, message: "Nothing recognised yet: paste iptables-save, ip rule, ip route show table all, ip addr." };
    return { ...parsed, screen: "main" as const, pane: parsed.trace ? parsed.view : ("form" as const) };
  };
  if (key.type === "escape" || (key.type === "ctrl" && key.char === "d")) {
    if (p.focus === "diagnostics" && key.type === "escape") return { ...state, paste: { ...p, focus: "text" } };
    return done();
  }
  if (key.type === "tab" || key.type === "backtab") {
    const focus = p.focus === "text" && state.bundle.diagnostics.length > 0 ? "diagnostics" : "text";
    return { ...state, paste: { ...p, focus } };
  }
  if (p.focus === "text") {
    if (isChar(key, "?")) return { ...state, help: true };
    if (key.type === "text") return appendPaste(state, key.text.replace(/\r\n?/g, "\n"));
    if (key.type === "enter") return appendPaste(state, "\n");
    if (key.type === "backspace") return { ...state, paste: { ...p, text: p.text.slice(0, -1), dirty: true } };
    if (key.type === "ctrl" && key.char === "u") return { ...state, paste: { ...p, text: "", dirty: true, diagnostic: 0 } };
    return state;
  }
  if (isChar(key, "q")) return { ...state, quit: true };
  if (isChar(key, "?")) return { ...state, help: true };
  const count = state.bundle.diagnostics.length;
  const move = (d: number) => ({ ...state, paste: { ...p, diagnostic: Math.max(0, Math.min(count - 1, p.diagnostic + d)) } });
  if (key.type === "up" || isChar(key, "k")) return move(-1);
  if (key.type === "down" || isChar(key, "j")) return move(1);
  if (key.type === "pageup") return move(-10);
  if (key.type === "pagedown") return move(10);
  if (key.type === "home" || isChar(key, "g")) return move(-count);
  if (key.type === "end" || isChar(key, "G")) return move(count);
  return state;
}

function mainKey(state: TuiState, key: Key): TuiState {
  if (state.search.editing) return searchKey(state, key);
  if (state.whatif.draft !== null) return whatIfKey(state, key);
  if (key.type === "tab" || key.type === "backtab") {
    const i = PANES.indexOf(state.pane);
    return focusPane(state, PANES[(i + (key.type === "tab" ? 1 : PANES.length - 1)) % PANES.length] as Pane);
  }
  if (key.type === "escape") {
    if (state.pane === "form") return focusPane(state, state.view);
    if (state.search.query !== "") return { ...state, search: { editing: false, query: "" } };
    return focusPane(state, "form");
  }
  return state.pane === "form" ? formKey(state, key) : bodyKey(state, key, state.pane);
}

function focusPane(state: TuiState, pane: Pane): TuiState {
  const next = { ...state, pane, view: pane === "form" ? state.view : pane, completion: 0 };
  return next.view === "explain" && state.view !== "explain" ? retrace(next) : next;
}

// ── the packet form ─────────────────────────────────────────────────────────────────────────────

/** Replaces the focused field's value; the cursor goes to its end. */
function editField(state: TuiState, edit: (value: string) => string): TuiState {
  return retrace({ ...state, form: { ...state.form, [state.field]: edit(state.form[state.field]) }, caret: 0, completion: 0 });
}

/** The focused field's text before and after the cursor. */
function aroundCaret(state: TuiState): [string, string] {
  const value = state.form[state.field];
  const at = value.length - Math.min(state.caret, value.length);
  return [value.slice(0, at), value.slice(at)];
}

/** Edits the focused field on each side of the cursor, which stays between the two. */
function editAtCaret(state: TuiState, edit: (before: string, after: string) => [string, string]): TuiState {
  const [before, after] = edit(...aroundCaret(state));
  return retrace({ ...state, form: { ...state.form, [state.field]: before + after }, caret: after.length, completion: 0 });
}

function insertAtCaret(state: TuiState, text: string): TuiState {
  return text === "" ? state : editAtCaret(state, (before, after) => [before + text, after]);
}

function moveCaret(state: TuiState, caret: number): TuiState {
  return { ...state, caret: Math.max(0, Math.min(caret, state.form[state.field].length)) };
}

export function formCompletions(state: TuiState) {
  return state.hints ? completions(state.hints, state.field, state.form) : [];
}

function formKey(state: TuiState, key: Key): TuiState {
  const i = FIELDS.indexOf(state.field);
  const toField = (j: number) => ({ ...state, field: FIELDS[(j + FIELDS.length) % FIELDS.length] as Field, caret: 0, completion: 0 });
  const options = formCompletions(state);
  const cycle = (d: number) => (options.length === 0 ? state : { ...state, completion: (state.completion + d + options.length) % options.length });
  const length = state.form[state.field].length;
  switch (key.type) {
    case "up":
      return toField(i - 1);
    case "down":
      return toField(i + 1);
    case "left":
      return moveCaret(state, state.caret + 1);
    case "right":
      return moveCaret(state, state.caret - 1);
    case "home":
      return moveCaret(state, length);
    case "end":
      return moveCaret(state, 0);
    case "enter": {
      const pick = options[state.completion];
      const filled = pick ? editField(state, () => pick.value) : state;
      if (i === FIELDS.length - 1 && !pick) return focusPane(filled, "trace");
      return { ...filled, field: FIELDS[(i + 1) % FIELDS.length] as Field, caret: 0, completion: 0 };
    }
    case "backspace":
      return aroundCaret(state)[0] === "" ? state : editAtCaret(state, (before, after) => [before.slice(0, -1), after]);
    case "delete":
      return aroundCaret(state)[1] === "" ? state : editAtCaret(state, (before, after) => [before, after.slice(1)]);
    case "ctrl":
      switch (key.char) {
        case "u": return editField(state, () => "");
        case "k": return editAtCaret(state, (before) => [before, ""]);
        case "a": return moveCaret(state, length);
        case "e": return moveCaret(state, 0);
        case "n": return cycle(1);
        case "p": return cycle(-1);
        default: return state;
      }
    case "text": {
      if (key.text === "?") return { ...state, help: true };
      return insertAtCaret(state, key.text.split(/[\r\n]/)[0]?.replace(/\s+/g, "") ?? "");
    }
    default:
      return state;
  }
}

// ── the body panes ──────────────────────────────────────────────────────────────────────────────

function paneCount(state: TuiState, pane: BodyPane): number {
  return paneTexts(state, pane).length;
}

function maxCursor(state: TuiState, pane: BodyPane): number {
  const n = paneCount(state, pane);
  return Math.max(0, isScrollPane(pane) ? n - bodyHeight(state) : n - 1);
}

function moveCursor(state: TuiState, pane: BodyPane, to: number): TuiState {
  return { ...state, cursor: { ...state.cursor, [pane]: Math.max(0, Math.min(maxCursor(state, pane), to)) } };
}

function clampCursors(state: TuiState): TuiState {
  const cursor = { ...state.cursor };
  for (const pane of ["trace", "explain", "diagram", "rules"] as const) cursor[pane] = Math.min(cursor[pane], maxCursor(state, pane));
  return { ...state, cursor };
}

function bodyKey(state: TuiState, key: Key, pane: BodyPane): TuiState {
  const at = state.cursor[pane];
  const page = Math.max(1, bodyHeight(state) - 1);
  if (key.type === "text" && key.text.length === 1) {
    const c = key.text;
    if (c >= "1" && c <= "5") return focusPane(state, PANES[Number(c) - 1] as Pane);
    switch (c) {
      case "q": return { ...state, quit: true };
      case "?": return { ...state, help: true };
      case "j": return moveCursor(state, pane, at + 1);
      case "k": return moveCursor(state, pane, at - 1);
      case " ": return moveCursor(state, pane, at + page);
      case "g": return moveCursor(state, pane, 0);
      case "G": return moveCursor(state, pane, Number.MAX_SAFE_INTEGER);
      case "h": return bodyKey(state, { type: "left" }, pane);
      case "l": return bodyKey(state, { type: "right" }, pane);
      case "/": return { ...state, search: { editing: true, query: "" } };
      case "n": return searchStep(state, pane, 1);
      case "N": return searchStep(state, pane, -1);
      case "[": return switchOutcome(state, -1);
      case "]": return switchOutcome(state, 1);
      case "<": return selectNode(state, state.nodeIndex - 1);
      case ">": return selectNode(state, state.nodeIndex + 1);
      case "p": return { ...state, screen: "paste", paste: { ...state.paste, focus: "text" } };
      case "x": return toggleAll(state);
      case "w": return startWhatIf(state);
      case "e": return toggleExternalSnat(state);
      case "W": return applyWhatIf({ ...state, whatif: { ...state.whatif, exclusions: null, externalSnat: null }, message: "what-if cleared: the node as captured" });
      default: return state;
    }
  }
  switch (key.type) {
    case "up": return moveCursor(state, pane, at - 1);
    case "down": return moveCursor(state, pane, at + 1);
    case "pageup": return moveCursor(state, pane, at - page);
    case "pagedown": return moveCursor(state, pane, at + page);
    case "home": return moveCursor(state, pane, 0);
    case "end": return moveCursor(state, pane, Number.MAX_SAFE_INTEGER);
    case "left":
    case "right": {
      if (pane !== "rules") return state;
      const n = ruleSourcesOf(state).length;
      if (n === 0) return state;
      const ruleSource = (state.ruleSource + (key.type === "left" ? n - 1 : 1)) % n;
      return { ...state, ruleSource, cursor: { ...state.cursor, rules: 0 } };
    }
    case "enter":
      return pane === "trace" ? traceEnter(state) : state;
    default:
      return state;
  }
}

function switchOutcome(state: TuiState, d: number): TuiState {
  const n = state.trace?.json.outcomes.length ?? 0;
  if (n <= 1) return state;
  return clampCursors({ ...state, outcome: (state.outcome + d + n) % n });
}

function toggleAll(state: TuiState): TuiState {
  const ids = skippedGroupIds(currentOutcome(state)?.json);
  const allOpen = ids.length > 0 && ids.every((id) => state.expanded.has(id));
  return clampCursors({ ...state, expanded: allOpen ? new Set() : new Set([...state.expanded, ...ids]) });
}

function traceEnter(state: TuiState): TuiState {
  const row = traceRowsOf(state)[state.cursor.trace];
  if (!row) return state;
  if (row.type === "skipped") {
    const expanded = new Set(state.expanded);
    if (expanded.has(row.id)) expanded.delete(row.id);
    else expanded.add(row.id);
    return { ...state, expanded };
  }
  if (row.type === "rule" || row.type === "route") return openRuleView(state, row.target);
  return state;
}

/** Opens the rule view on the chain or table a trace row points at, with that rule selected. */
export function openRuleView(state: TuiState, target: RowTarget): TuiState {
  const family = state.trace?.result.packet.dst.family ?? 4;
  const sources = ruleSourcesOf(state);
  const same = (s: RuleSource) =>
    s.family === family &&
    (target.type === "chain" ? s.type === "chain" && s.table === target.table && s.chain === target.chain
      : target.type === "ip-rules" ? s.type === "ip-rules" : s.type === "route-table" && s.table === target.table);
  const index = sources.findIndex(same);
  if (index < 0) return state;
  const next = focusPane({ ...state, ruleSource: index }, "rules");
  const lines = ruleLinesOf(next);
  const row = target.type === "chain" && target.position !== null
    ? lines.findIndex((l) => l.position === target.position)
    : lines.findIndex((l) => l.mark === "deciding");
  return { ...next, cursor: { ...next.cursor, rules: Math.max(0, row) } };
}

// ── what-if ─────────────────────────────────────────────────────────────────────────────────────

function currentSettings(state: TuiState): CniSettings | null {
  return state.baseFacts ? inferCni(state.baseFacts.node).settings : null;
}

function startWhatIf(state: TuiState): TuiState {
  const now = state.whatif.exclusions ?? currentSettings(state)?.excludeSnatCidrs ?? [];
  return { ...state, whatif: { ...state.whatif, draft: now.join(",") } };
}

function toggleExternalSnat(state: TuiState): TuiState {
  const current = state.whatif.externalSnat ?? currentSettings(state)?.externalSnat ?? false;
  return applyWhatIf({ ...state, whatif: { ...state.whatif, externalSnat: !current } });
}

/** Editing AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: Enter applies (invalid CIDRs are refused with the reason). */
function whatIfKey(state: TuiState, key: Key): TuiState {
  const w = state.whatif;
  const draft = w.draft ?? "";
  if (key.type === "escape") return { ...state, whatif: { ...w, draft: null } };
  if (key.type === "backspace") return { ...state, whatif: { ...w, draft: draft.slice(0, -1) } };
  if (key.type === "ctrl" && key.char === "u") return { ...state, whatif: { ...w, draft: "" } };
  if (key.type === "text") return { ...state, whatif: { ...w, draft: draft + key.text.replace(/[\r\n\s]/g, "") } };
  if (key.type !== "enter") return state;
  const parsed = parseAssignment(`AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=${draft}`);
  if ("error" in parsed) return { ...state, message: parsed.error };
  return applyWhatIf({ ...state, whatif: { ...w, draft: null, exclusions: parsed.excludeSnatCidrs ?? [] } });
}

// ── search ──────────────────────────────────────────────────────────────────────────────────────

function searchKey(state: TuiState, key: Key): TuiState {
  const s = state.search;
  const pane = state.pane === "form" ? state.view : state.pane;
  if (key.type === "escape") return { ...state, search: { editing: false, query: "" } };
  if (key.type === "enter") return searchStep({ ...state, search: { editing: false, query: s.query } }, pane, 0);
  if (key.type === "backspace") return { ...state, search: { ...s, query: s.query.slice(0, -1) } };
  if (key.type === "ctrl" && key.char === "u") return { ...state, search: { ...s, query: "" } };
  if (key.type === "text") return { ...state, search: { ...s, query: s.query + key.text.replace(/[\r\n]/g, "") } };
  return state;
}

/** Next (d=1), previous (d=-1) or first from here (d=0) line of the pane containing the query. */
function searchStep(state: TuiState, pane: BodyPane, d: number): TuiState {
  const q = state.search.query.toLowerCase();
  if (q === "") return state;
  const hit = (t: string) => t.toLowerCase().includes(q);
  if (pane === "rules") return searchRules(state, d, hit);
  const texts = paneTexts(state, pane);
  const n = texts.length;
  const from = state.cursor[pane];
  for (let k = 0; k < n; k++) {
    const i = (((from + (d === -1 ? -(k + 1) : d === 0 ? k : k + 1)) % n) + n) % n;
    if (hit(texts[i] as string)) return moveCursor(state, pane, i);
  }
  return { ...state, message: `No match for "${state.search.query}"` };
}

/** Search in the rule view walks every chain and table, not only the one on screen. */
function searchRules(state: TuiState, d: number, hit: (t: string) => boolean): TuiState {
  const facts = state.facts;
  if (!facts) return state;
  const sources = ruleSourcesOf(state);
  const texts = sources.map((s) => sourceLines(facts, s, null).map(ruleLineText));
  const flat: [number, number][] = [];
  texts.forEach((lines, si) => lines.forEach((t, li) => hit(t) && flat.push([si, li])));
  if (flat.length === 0) return { ...state, message: `No match for "${state.search.query}"` };
  const here = (x: [number, number]) => x[0] * 1e7 + x[1];
  const now = state.ruleSource * 1e7 + state.cursor.rules;
  const pick = d === -1
    ? [...flat].reverse().find((x) => here(x) < now) ?? flat[flat.length - 1]
    : flat.find((x) => (d === 0 ? here(x) >= now : here(x) > now)) ?? flat[0];
  const [ruleSource, rules] = pick as [number, number];
  return { ...state, ruleSource, cursor: { ...state.cursor, rules } };
}
