/**
 * Text from a dump never drives the terminal: no ESC, CSI/OSC, other C0/C1 controls or bidi
 * overrides reach stdout or stderr in text output; JSON keeps the data, escaped.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { processIo } from "../../src/cli/io.js";
import { sanitize, terminalSafe } from "../../src/explain/sanitize.js";
import { cleanLine } from "../../src/parse/source.js";
import { runCli, type RunResult } from "../helpers.js";

const ESC = {
  title: "\x1b]0;pwned\x07",
  clipboard: "\x1b]52;c;cHduZWQ=\x07",
  hyperlink: "\x1b]8;;http://x\x1b\\",
  c1csi: "\x9b31m",
  rlo: "\u202e",
  bel: "\x07",
  cr: "\r",
  backspace: "\x08",
  csi: "\x1b[2J",
  nel: "\x85",
  isolate: "\u2066",
};
const ALL = Object.values(ESC).join("");
/** What must never reach a terminal (newline and tab are layout). */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

// Data that survives input cleaning (escape sequences are stripped on input as `ip -c` colours are).
const COMMENT_DATA = `x${ESC.c1csi}${ESC.rlo}${ESC.bel}\x01${ESC.nel}${ESC.isolate}y`;
const CHAIN = `EV${ESC.rlo}IL${ESC.c1csi}`;
const IFACE = `eth${ESC.rlo}0${ESC.c1csi}`;

const DUMP = [
  `>> node evil${ESC.rlo}${ESC.c1csi}${ESC.title}node <<`,
  "$ ip addr",
  "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
  "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
  "    inet 127.0.0.1/8 scope host lo",
  `2: ${IFACE}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000`,
  "    link/ether 02:aa:bb:cc:dd:ee brd ff:ff:ff:ff:ff:ff",
  `    inet 10.0.0.1/24 brd 10.0.0.255 scope global ${IFACE}`,
  "$ ip route",
  `default via 10.0.0.254 dev ${IFACE}`,
  `10.0.0.0/24 dev ${IFACE} proto kernel scope link src 10.0.0.1`,
  `junk line ${ALL} end`,
  "$ sudo iptables-save",
  "*filter",
  ":INPUT ACCEPT [0:0]",
  ":FORWARD ACCEPT [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  `:${CHAIN}${ESC.bel} - [0:0]`,
  `-A OUTPUT -m comment --comment "c ${ALL} d" -j ${CHAIN}${ESC.bel}`,
  `-A ${CHAIN}${ESC.bel} -o ${IFACE} -m comment --comment "${COMMENT_DATA}" -j ACCEPT`,
  `-A OUTPUT -m bogus${ESC.c1csi} --x${ESC.rlo} 1 -j ACCEPT`,
  `-A OUTPUT -s 10.0.0.${ESC.rlo}1 -j ACCEPT`,
  `-A OUTPUT -m comment --comment ${ESC.hyperlink}${ESC.clipboard}`,
  "COMMIT",
  "",
].join("\n");

let dir = "";
let path = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "podpath-tty-"));
  path = join(dir, "evil.txt");
  writeFileSync(path, DUMP);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clean(r: RunResult): void {
  for (const [stream, text] of [["stdout", r.stdout], ["stderr", r.stderr]] as const) {
    const m = UNSAFE.exec(text);
    if (m) throw new Error(`${stream} carries ${JSON.stringify(m[0])} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 80), m.index + 20))}`);
  }
}

const TRACE = ["--src", "10.0.0.1", "--dst", "8.8.8.8"];

describe("text output neutralises everything that comes from a dump", () => {
  it("parse: node, interface and chain names, skipped lines, diagnostics excerpts", async () => {
    const r = await runCli(["parse", path]);
    clean(r);
    expect(r.code).toBe(1);
    // Visible, not lost: the reader sees that something odd was there.
    expect(r.stdout).toContain("node evil\\x{202e}\\x{9b}31mnode");
    expect(r.stdout).toContain("eth\\x{202e}0\\x{9b}31m");
    expect(r.stdout).toContain("junk line \\x{9b}31m\\x{202e}");
  });

  it("parse: the caret still points at the column, after controls are shown as escapes", async () => {
    const r = await runCli(["parse", path]);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => /:22:14: error: -s:/.test(l));
    expect(at).toBeGreaterThan(0);
    const excerpt = lines[at + 1] ?? "";
    const caret = (lines[at + 2] ?? "").indexOf("^");
    expect(excerpt.slice(caret)).toMatch(/^10\.0\.0\./);
  });

  it("trace (text, verbose and brief): rules, comments, chains, interfaces, diagnostics on stderr", async () => {
    for (const extra of [[], ["--brief"]]) {
      const r = await runCli(["trace", path, ...TRACE, ...extra]);
      clean(r);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`--comment "x\\x{9b}31m\\x{202e}\\x{7}\\x{1}\\x{85}\\x{2066}y"`);
      expect(r.stdout).toContain("-j EV\\x{202e}IL\\x{9b}31m\\x{7}");
      expect(r.stderr).toMatch(/evil\.txt:22:14: error/);
    }
  });

  it("check: expectation names and errors", async () => {
    const exp = join(dir, "expect.yaml");
    writeFileSync(exp, `node: evil.txt\nexpect:\n  - name: "bad ${ESC.rlo}${ESC.c1csi} name"\n    packet: { src: 10.0.0.1, dst: 8.8.8.8, iif: "x${ESC.rlo}" }\n    snat: true\n`);
    const r = await runCli(["check", exp]);
    clean(r);
    expect(r.code).toBe(1);
  });

  it("--node that does not exist: the node names listed are neutralised", async () => {
    const r = await runCli(["trace", path, ...TRACE, "--node", "nope"]);
    clean(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no node "nope" in the input (nodes: evil\\x{202e}\\x{9b}31mnode)');
  });

  it("file names from a directory listing are neutralised in messages", async () => {
    const d = join(dir, `node${ESC.rlo}${ESC.c1csi}`);
    const r = await runCli(["parse", d]);
    clean(r);
    expect(r.code).toBe(2);
  });

  // CLI errors can quote the dump (interface names): run.ts neutralises them like any dump text.
  it("--iif that does not exist: the interface names listed are neutralised", async () => {
    const r = await runCli(["trace", path, ...TRACE, "--iif", "nope"]);
    expect(r.code).toBe(2);
    clean(r);
  });
});

describe("JSON output keeps the data, escaped", () => {
  it("trace --json: the comment, chain and interface round-trip through JSON.parse", async () => {
    const r = await runCli(["trace", path, ...TRACE, "--json"]);
    expect(r.code).toBe(0);
    // JSON.stringify escapes C0 controls; nothing raw in C0 reaches the terminal.
    expect(r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const j = JSON.parse(r.stdout);
    const rules: string[] = j.outcomes[0].steps.filter((s: { type: string }) => s.type === "rule").map((s: { rule: string }) => s.rule);
    expect(rules.some((t) => t.includes(`--comment "${COMMENT_DATA}"`))).toBe(true);
    expect(rules.some((t) => t.includes(`-A ${CHAIN}${ESC.bel} -o ${IFACE}`))).toBe(true);
    expect(j.node).toBe(`evil${ESC.rlo}${ESC.c1csi}node`);
    expect(j.egress.interface).toBe(IFACE);
  });

  it("parse --json: diagnostics keep the raw message", async () => {
    const r = await runCli(["parse", path, "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.nodes[0].name).toBe(`evil${ESC.rlo}${ESC.c1csi}node`);
    expect(j.diagnostics.some((d: { message: string }) => d.message.includes(`"10.0.0.${ESC.rlo}1"`))).toBe(true);
  });

  it("escape sequences are cleaned from input lines by design (ip -c colours, prompt titles)", () => {
    expect(cleanLine(`a${ESC.title}b${ESC.clipboard}c${ESC.hyperlink}d${ESC.csi}e\x1b[35mf\x1b[0m`)).toBe("abcdef");
    // What is not an escape sequence is data, and stays (output sanitizes it).
    expect(cleanLine(`a${ESC.c1csi}${ESC.rlo}${ESC.bel}b`)).toBe(`a${ESC.c1csi}${ESC.rlo}${ESC.bel}b`);
    // An unterminated OSC does not swallow the rest of the line.
    expect(cleanLine("-A X \x1b]0;t -j DROP")).toBe("-A X 0;t -j DROP");
  });
});

describe("the last guard: processIo", () => {
  it("escapes whatever slipped through, keeping newlines, tabs and valid JSON", () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const io = processIo();
      io.stdout(`a\tb ${ALL}\n`);
      io.stderr(`podpath: --iif x: interfaces ${IFACE}\n`);
      const json = JSON.stringify({ comment: COMMENT_DATA });
      io.stdout(json);
      expect(out.join("")).not.toMatch(UNSAFE);
      expect(out[0]).toMatch(/^a\tb .*\n$/);
      expect(JSON.parse(out[2] ?? "")).toEqual({ comment: COMMENT_DATA });
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
  });

  it("sanitize and terminalSafe leave ordinary text alone", () => {
    const text = "✓ -A KUBE-SERVICES -m comment --comment \"default/kubernetes:https cluster IP\" -j KUBE-SVC-NPX46M4PTMTKRN6Y → snat 192.168.1.150 → 192.168.1.251 ü 中文";
    expect(sanitize(text)).toBe(text);
    expect(terminalSafe(`${text}\n\t`)).toBe(`${text}\n\t`);
  });
});
