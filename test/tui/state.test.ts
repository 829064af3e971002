import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/eval/evaluate.js";
import { traceJson } from "../../src/explain/json.js";
import { packetFromFlags } from "../../src/cli/packet-options.js";
import { decodeKey, KEY_HELP } from "../../src/tui/keys.js";
import { completions } from "../../src/tui/node-hints.js";
import { sourceExcerpt } from "../../src/tui/paste-summary.js";
import { initialState, inputsOf, reducer, retrace } from "../../src/tui/state.js";
import { makeTheme } from "../../src/tui/theme.js";
import { diagramLinesOf, explainLinesOf, ruleLinesOf, ruleSourcesOf, traceRowsOf } from "../../src/tui/view-model.js";
import { sourceTitle } from "../../src/tui/rule-view.js";
import { readInputs } from "../../src/cli/inputs.js";
import { processIo } from "../../src/cli/io.js";
import { bracketedPaste, KEYS, press, SAMPLE, samplePaste, sampleState } from "./helpers.js";

const SNAT_PACKET = { src: "192.168.1.150", dst: "203.0.113.9", dport: "443" };

describe("tui reducer", () => {
  it("traces the packet given on the command line with the library's own result", () => {
    const s = sampleState(SNAT_PACKET);
    expect(s.screen).toBe("main");
    expect(s.pane).toBe("trace");
    const facts = s.facts;
    if (!facts) throw new Error("no node");
    const packet = packetFromFlags({ ...SNAT_PACKET, proto: "tcp" }, facts);
    const result = evaluate(facts, packet);
    // On the trace pane the fixes (what-if traces) are not computed: they appear with the explain pane.
    const expected = traceJson(result, facts, []);
    expect(s.trace?.json).toEqual(expected);
    expect(s.trace?.json.snat).toBe(true);
    expect(s.trace?.json.egress?.interface).toBe("ens5");
  });

  it("applies the command line's --assume answers to every trace, and shows what they decided", () => {
    const form = { src: "203.0.113.9", dst: "192.168.1.150", iif: "ens5", dport: "443" };
    const loose = sampleState(form);
    expect(loose.trace?.json.verdict).toBe("forwarded");
    expect(loose.trace?.json.outcomes[0]?.assumptions.some((a) => a.startsWith("rp_filter is 2 (loose) on ens5"))).toBe(true);
    const strict = initialState({ fileInputs: readInputs(processIo(), [SAMPLE]), form, assume: ["rp_filter=1"] });
    expect(strict.trace?.json.verdict).toBe("dropped");
    expect(explainLinesOf({ ...strict, columns: 200 }).join("\n")).toMatch(/rp_filter 1 \(strict\) on ens5: the way back to the source leaves by ens6/);
    // Editing the packet keeps them.
    const edited = press(strict, KEYS.tab);
    expect(edited.trace?.json.verdict).toBe("dropped");
  });

  it("parses a bracketed paste as it arrives, summarises it, and moves on to the form", () => {
    let s = initialState();
    expect(s.screen).toBe("paste");
    s = press(s, ...bracketedPaste(samplePaste(), 1000));
    expect(s.paste.pasting).toBe(false);
    expect(s.paste.dirty).toBe(true);
    expect(s.paste.text).not.toContain("\r");
    s = reducer(s, { type: "parse" });
    expect(s.paste.dirty).toBe(false);
    expect(s.bundle.nodes).toHaveLength(1);
    const node = s.bundle.nodes[0];
    expect(node?.routing.rules).toHaveLength(7);
    expect(node?.routing.routes).toHaveLength(28);
    expect(s.bundle.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    s = press(s, KEYS.ctrlD);
    expect(s.screen).toBe("main");
    expect(s.pane).toBe("form");
  });

  it("refuses to leave the paste screen while nothing is recognised", () => {
    const s = press(initialState(), "hello", KEYS.ctrlD);
    expect(s.screen).toBe("paste");
    expect(s.message).toMatch(/Nothing recognised/);
  });

  it("re-traces on every edit and flags invalid values inline with the CLI's message", () => {
    let s = sampleState();
    expect(s.trace).toBeNull();
    s = press(s, "192.168.1.150", KEYS.down, "203.0.113.9");
    expect(s.formError).toBeNull();
    expect(s.trace?.json.verdict).toBe("forwarded");
    s = press(s, KEYS.down, KEYS.down, KEYS.down, "99999");
    expect(s.field).toBe("dport");
    expect(s.formError).toEqual({ field: "dport", message: "--dport 99999: expected a port from 0 to 65535" });
    // The last valid trace (dport 9999, typed on the way) stays on screen while the field is wrong.
    expect(s.trace?.json.packet.dport).toBe(9999);
    s = press(s, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, "443");
    expect(s.formError).toBeNull();
    expect(s.trace?.json.packet.dport).toBe(443);
    s = press(s, KEYS.down, "eth9");
    expect(s.formError?.field).toBe("iif");
    expect(s.formError?.message).toMatch(/^--iif eth9: no such interface/);
  });

  it("edits a field in the middle: the cursor moves with ← → Home End, and typing, Backspace, Delete and Ctrl-K act at it", () => {
    let s = press(sampleState(), "203.0.113.9");
    expect(s.form.src).toBe("203.0.113.9");
    // A typo in the middle: 203.0.113.9 → 203.0.114.9, without retyping the end.
    s = press(s, KEYS.left, KEYS.left, KEYS.backspace, "4");
    expect(s.form.src).toBe("203.0.114.9");
    s = press(s, KEYS.home, KEYS.delete, "1");
    expect(s.form.src).toBe("103.0.114.9");
    s = press(s, KEYS.right, KEYS.right, KEYS.right, "\x0b");
    expect(s.form.src).toBe("103.");
    s = press(s, KEYS.end, "1.1.1");
    expect(s.form.src).toBe("103.1.1.1");
    // The cursor stays inside the field, and a new field starts at the end of its value.
    s = press(s, ...Array(20).fill(KEYS.right), "9");
    expect(s.form.src).toBe("103.1.1.19");
    s = press(s, KEYS.down, "198.51.100.7", KEYS.up, KEYS.backspace);
    expect(s.form.src).toBe("103.1.1.1");
  });

  it("offers pod IPs, services, ports and interfaces from the node", () => {
    const s = sampleState();
    const hints = s.hints;
    if (!hints) throw new Error("no hints");
    const form = { ...s.form };
    expect(completions(hints, "src", form).map((c) => c.value)).toEqual(expect.arrayContaining(["192.168.1.150", "192.168.1.33", "192.168.1.251"]));
    expect(completions(hints, "dst", form).map((c) => c.value)).toEqual(expect.arrayContaining(["10.100.0.1", "10.100.0.10", "10.100.12.7"]));
    expect(completions(hints, "dport", { ...form, dst: "10.100.0.10", proto: "udp" }).map((c) => c.value)).toEqual(["53"]);
    expect(completions(hints, "iif", form).map((c) => c.value)).toEqual(expect.arrayContaining(["ens5", "ens6", "eni83e4ca63e3c"]));
    expect(completions(hints, "src", { ...form, src: "192.168.1.1" }).map((c) => c.value)).toContain("192.168.1.150");
    // ← → pick, Enter takes it and moves on.
    let t = press(s, "192.168.1.15");
    t = press(t, KEYS.enter);
    expect(t.form.src).toBe("192.168.1.150");
    expect(t.field).toBe("dst");
  });

  it("groups skipped rules (Enter or x expands them) and marks the rule and route that decided", () => {
    let s = sampleState(SNAT_PACKET);
    const rows = traceRowsOf(s);
    const deciding = rows.filter((r) => r.type === "rule" && r.deciding);
    expect(deciding.map((r) => r.type === "rule" && r.text)).toEqual([expect.stringMatching(/^-A AWS-SNAT-CHAIN-0 .*-j SNAT --to-source 192\.168\.1\.251/)]);
    expect(rows.some((r) => r.type === "route" && /ip rule 1024: from all fwmark 0x80\/0x80 lookup main/.test(r.text))).toBe(true);
    const group = rows.findIndex((r) => r.type === "skipped");
    const before = rows.length;
    s = { ...s, cursor: { ...s.cursor, trace: group } };
    s = press(s, KEYS.enter);
    expect(traceRowsOf(s).length).toBeGreaterThan(before);
    const failed = traceRowsOf(s)[group + 1];
    expect(failed?.type === "rule" && failed.failed).toBe("-i ens5");
    s = press(s, "x");
    const all = traceRowsOf(s);
    expect(all.filter((r) => r.type === "skipped").every((r) => r.type === "skipped" && r.expanded)).toBe(true);
    expect(press(s, "x").expanded.size).toBe(0);
  });

  it("switches between outcomes of a kube-proxy service with probabilities and assumptions", () => {
    let s = sampleState({ src: "192.168.1.150", dst: "10.100.0.10", proto: "udp", dport: "53" });
    const outcomes = s.trace?.json.outcomes ?? [];
    expect(outcomes.length).toBe(2);
    expect(explainLinesOf(s)[0]).toMatch(/^Outcome 1 of 2, probability 0\.5/);
    const first = s.trace?.json.outcomes[0]?.final.dst;
    s = press(s, "]");
    expect(s.outcome).toBe(1);
    expect(explainLinesOf(s).join("\n")).toContain(outcomes[1]?.assumptions[0]?.slice(0, 30) ?? "?");
    expect(s.trace?.json.outcomes[s.outcome]?.final.dst).not.toBe(first);
    expect(press(s, "]").outcome).toBe(0);
  });

  it("opens a chain from the trace in the rule view, with the path marked, and searches every chain with /", () => {
    let s = sampleState(SNAT_PACKET);
    const rows = traceRowsOf(s);
    const snat = rows.findIndex((r) => r.type === "rule" && r.deciding);
    s = press({ ...s, cursor: { ...s.cursor, trace: snat } }, KEYS.enter);
    expect(s.pane).toBe("rules");
    const source = ruleSourcesOf(s)[s.ruleSource];
    expect(source && sourceTitle(source)).toBe("nat AWS-SNAT-CHAIN-0");
    const lines = ruleLinesOf(s);
    expect(lines[s.cursor.rules]?.mark).toBe("deciding");
    expect(lines.map((l) => l.mark)).toContain("failed");
    s = press(s, "/", "KUBE-SVC-TCOU", KEYS.enter);
    expect(sourceTitle(ruleSourcesOf(s)[s.ruleSource] ?? { type: "ip-rules", family: 4 })).toBe("nat KUBE-SERVICES");
    s = press(s, "n");
    expect(sourceTitle(ruleSourcesOf(s)[s.ruleSource] ?? { type: "ip-rules", family: 4 })).toBe("nat KUBE-SVC-TCOU7JCQXEZGVUNU");
    // The routing decision: the ip rule and the route are marked in their own views.
    s = press(s, "5");
    const ipRules = ruleSourcesOf(s).findIndex((x) => x.type === "ip-rules");
    s = { ...s, ruleSource: ipRules };
    expect(ruleLinesOf(s).find((l) => l.mark === "deciding")?.text).toBe("1024: from all fwmark 0x80/0x80 lookup main");
    expect(ruleLinesOf(s).filter((l) => l.mark === "failed").map((l) => l.note)).toEqual(["did not apply (to)", "did not apply (to)"]);
  });

  it("draws the path picture and the explanation with the suggested fix", () => {
    const s = sampleState(SNAT_PACKET);
    const diagram = diagramLinesOf(s);
    expect(diagram[0]).toMatch(/^┌─+┐$/);
    expect(diagram.join("\n")).toContain("snat 192.168.1.150 → 192.168.1.251");
    expect(diagram.filter((l) => l.startsWith("╔")).length).toBeGreaterThanOrEqual(3);
    // The verified fixes come with the explain pane (they run what-if traces).
    expect(explainLinesOf(s).join(" ")).not.toMatch(/To keep the pod IP/);
    expect(explainLinesOf(press(s, "3")).join(" ")).toMatch(/To keep the pod IP: set AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS/);
  });

  it("jumps from a diagnostic to its line of the paste", () => {
    let s = initialState();
    const text = "hello from my shell\n$ iptables-save\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -d 10.0.0.0/33 -j ACCEPT\nCOMMIT\n";
    s = reducer(press(s, ...bracketedPaste(text)), { type: "parse" });
    const errors = s.bundle.diagnostics.filter((d) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    s = press(s, KEYS.tab);
    expect(s.paste.focus).toBe("diagnostics");
    const i = s.bundle.diagnostics.findIndex((d) => d.severity === "error");
    s = press(s, ...Array<string>(i).fill("j"));
    const d = s.bundle.diagnostics[s.paste.diagnostic];
    if (!d) throw new Error("no diagnostic");
    const excerpt = sourceExcerpt(inputsOf(s), d, 2);
    expect(excerpt.find((l) => l.here)).toEqual({ line: 5, text: "-A INPUT -d 10.0.0.0/33 -j ACCEPT", here: true });
    expect(excerpt.map((l) => l.line)).toEqual([3, 4, 5, 6]);
  });

  it("shows text from dumps sanitised", () => {
    const dump = "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -m comment --comment \"evil\u202eeulav\" -j MASQUERADE\nCOMMIT\n";
    let s = initialState();
    s = reducer(press(s, ...bracketedPaste(`$ iptables-save\n${dump}$ ip addr\n2: eth0: <UP> mtu 1500\n    inet 10.0.0.5/24 scope global eth0\n$ ip route\ndefault via 10.0.0.1 dev eth0\n`)), { type: "parse" });
    s = press(s, KEYS.ctrlD, "10.0.0.5", KEYS.down, "1.1.1.1");
    const text = traceRowsOf(s).map((r) => ("text" in r ? r.text : "")).join("\n");
    expect(text).toContain("evil\\x{202e}eulav");
    expect(text).not.toContain("\u202e");
  });

  it("keys: help lists every key, q and Ctrl-C quit, typed runs are split into keys", () => {
    expect(decodeKey("\x1b[A")).toEqual({ type: "up" });
    expect(decodeKey("\x04")).toEqual({ type: "ctrl", char: "d" });
    expect(decodeKey("\x1b[Z")).toEqual({ type: "backtab" });
    const s = sampleState(SNAT_PACKET);
    expect(press(s, "?").help).toBe(true);
    expect(press(s, "?", KEYS.esc).help).toBe(false);
    expect(press(s, "q").quit).toBe(true);
    expect(press(s, KEYS.ctrlC).quit).toBe(true);
    expect(press(s, "jjj").cursor.trace).toBe(3);
    // In the form, q is text.
    expect(press(s, "1", "q").quit).toBe(false);
    expect(KEY_HELP.length).toBeGreaterThan(10);
  });

  it("what-if: an added exclusion or external SNAT re-traces on the rewritten node, with the rule diff", () => {
    const s = sampleState(SNAT_PACKET);
    const editing = press(s, "w");
    expect(editing.whatif.draft).toBe("172.20.0.0/16");
    const applied = press(editing, ",203.0.113.0/24", KEYS.enter);
    expect(applied.whatif.exclusions).toEqual(["172.20.0.0/16", "203.0.113.0/24"]);
    // The same answer `podpath whatif` gives (kernel-checked in test/kernel/whatif.test.ts).
    expect(applied.trace?.json).toMatchObject({ snat: false, egress: { interface: "ens6" } });
    expect(applied.whatif.before).toMatchObject({ snat: true, egress: { interface: "ens5" } });
    const explain = explainLinesOf(applied).join("\n");
    expect(explain).toMatch(/WHAT-IF AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=172\.20\.0\.0\/16,203\.0\.113\.0\/24/);
    expect(explain).toMatch(/\+ \[nat\] -A AWS-SNAT-CHAIN-0 -d 203\.0\.113\.0\/24/);
    const ext = press(s, "e");
    expect(ext.whatif.externalSnat).toBe(true);
    expect(ext.trace?.json).toMatchObject({ snat: false, egress: { interface: "ens6" } });
    const cleared = press(applied, "W");
    expect(cleared.trace?.json).toMatchObject({ snat: true, egress: { interface: "ens5" } });
    expect(cleared.whatif.before).toBeNull();
    const bad = press(s, "w", KEYS.ctrlU, "10.0.0.0/33", KEYS.enter);
    expect(bad.message).toMatch(/prefix length 33/);
    expect(bad.whatif.exclusions).toBeNull();
  });

  it("honours NO_COLOR", () => {
    const t = makeTheme({ NO_COLOR: "1" });
    expect(t.color).toBe(false);
    expect([t.matched, t.skipped, t.deciding, t.accent, t.error, t.warning, t.info, t.hit]).toEqual(Array(8).fill(undefined));
    expect(makeTheme({}).matched).toBe("green");
  });

  it("retrace is pure: the same state gives the same trace, the input is not changed", () => {
    const s = sampleState(SNAT_PACKET);
    const before = JSON.stringify(s.trace?.json);
    const again = retrace(s);
    expect(JSON.stringify(again.trace?.json)).toBe(before);
    expect(again).not.toBe(s);
    expect(JSON.stringify(s.trace?.json)).toBe(before);
  });
});
