/**
 * The catalogue of bad inputs and the message each gets. Every one: exit 1 (the input has errors)
 * or 2 (unreadable input, bad options), a line that names the file and the problem, no stack trace.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import type { Io } from "../../src/cli/io.js";
import { fakeIo, runCli, type RunResult } from "../helpers.js";

const FILTER = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";

let dir = "";
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "podpath-bad-"))));
afterAll(() => {
  // The unreadable file must be readable again to be removed by a non-root user.
  if (existsSync(join(dir, "unreadable.txt"))) chmodSync(join(dir, "unreadable.txt"), 0o600);
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** No stack trace, no internal error, whatever the input. */
function noCrash(r: RunResult): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(all).not.toMatch(/internal error/);
  expect([0, 1, 2]).toContain(r.code);
}

/** The one line on stderr for an input podpath refuses. */
function refusal(r: RunResult, code: number, message: string): void {
  noCrash(r);
  expect(r.code).toBe(code);
  expect(r.stderr).toBe(`podpath: ${message}\n`);
  expect(r.stdout).toBe("");
}

/** The diagnostic line (`file:line:col: severity: message`) for a dump podpath reads but finds wrong. */
function diagnosed(r: RunResult, code: number, line: RegExp): void {
  noCrash(r);
  expect(r.code).toBe(code);
  expect(r.stdout.split("\n").some((l) => line.test(l)), `no line matching ${line} in:\n${r.stdout}`).toBe(true);
}

describe("inputs podpath cannot read (exit 2, or 1 for an empty input)", () => {
  it("empty file", async () => {
    const path = file("empty.txt", "");
    refusal(await runCli(["parse", path]), 1, `${path}: empty input, nothing to read`);
    refusal(await runCli(["trace", path, "--src", "10.0.0.1", "--dst", "10.0.0.2"]), 1, `${path}: empty input, nothing to read`);
  });

  it("empty standard input (blank lines only)", async () => {
    refusal(await runCli(["parse", "-"], "\n\n  \n"), 1, "<stdin>: empty input, nothing to read");
  });

  it("an empty file next to a real dump is fine (a log collector's empty ip6tables-save)", async () => {
    const empty = file("ip6tables-save.txt", "");
    const save = file("iptables-save.txt", `${FILTER}COMMIT\n`);
    const r = await runCli(["parse", empty, save]);
    expect(r.code).toBe(0);
  });

  it("a file with no dump in it", async () => {
    const path = file("chatter.txt", "hello, here is my node\nthanks!\n");
    const r = await runCli(["trace", path, "--src", "10.0.0.1", "--dst", "10.0.0.2"]);
    refusal(r, 1, `${path}: the input holds no dump podpath can read (iptables-save, iptables -S/-L, ip rule, ip route, ip addr, ipamd JSON)`);
  });

  it("binary file", async () => {
    const path = file("binary.txt", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x01]));
    refusal(await runCli(["parse", path]), 2, `${path}: binary file, not a text dump`);
  });

  it("a directory holding no dumps", async () => {
    const d = join(dir, "nodumps");
    mkdirSync(join(d, "sub"), { recursive: true });
    writeFileSync(join(d, "notes.txt"), "not a dump\n");
    writeFileSync(join(d, "photo.png"), "png");
    refusal(await runCli(["parse", d]), 2, `${d}: directory holds no dump files (*.txt, *.json)`);
  });

  it("missing file", async () => {
    const path = join(dir, "missing.txt");
    refusal(await runCli(["parse", path]), 2, `${path}: no such file or directory`);
    refusal(await runCli(["trace", path, "--src", "10.0.0.1", "--dst", "10.0.0.2"]), 2, `${path}: no such file or directory`);
  });

  it("unreadable file (permission denied)", async () => {
    // Through a fake file system, so that it holds when the tests run as root too.
    let stderr = "";
    const io: Io = {
      stdout: () => undefined,
      stderr: (t) => void (stderr += t),
      readStdin: () => "",
      stdoutIsTty: false,
      fs: {
        readFile: (p) => {
          throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: "EACCES" });
        },
        isDirectory: () => false,
        listDir: () => [],
        size: () => 10,
        exists: () => true,
        writeFile: () => undefined,
      },
    };
    expect(await run(["parse", "secret.txt"], io)).toBe(2);
    expect(stderr).toBe("podpath: secret.txt: cannot read it (permission denied, open 'secret.txt')\n");
  });

  it.skipIf(process.getuid?.() === 0)("unreadable file on disk (chmod 000)", async () => {
    const path = file("unreadable.txt", FILTER);
    chmodSync(path, 0);
    refusal(await runCli(["parse", path]), 2, `${path}: cannot read it (permission denied, open '${path}')`);
  });

  it("a 2 GB file is refused before it is read (sparse: no disk used)", async () => {
    const path = join(dir, "huge.txt");
    writeFileSync(path, "");
    truncateSync(path, 2 * 1024 ** 3);
    try {
      refusal(await runCli(["parse", path]), 2, `${path}: 2147483648 bytes is more than --max-bytes 268435456; refusing to read it`);
    } finally {
      rmSync(path);
    }
  });

  it("--max-bytes that is not a positive number", async () => {
    const path = file("small.txt", `${FILTER}COMMIT\n`);
    refusal(await runCli(["parse", path, "--max-bytes", "lots"]), 2, "--max-bytes: expected a positive number of bytes");
  });
});

describe("dumps with errors (exit 1, file:line:column)", () => {
  const cases: [name: string, fileName: string, content: string, line: RegExp][] = [
    ["missing COMMIT", "no-commit.txt", `${FILTER}-A INPUT -j ACCEPT\n`,
      /^\S*no-commit\.txt:1:1: error: missing COMMIT for table filter: iptables-restore would reject this table$/],
    ["-A to an undeclared chain", "undeclared.txt", `${FILTER}-A FOO -j ACCEPT\nCOMMIT\n`,
      /^\S*undeclared\.txt:5:1: error: -A to undeclared chain FOO: expected a :FOO - \[0:0\] line before it$/],
    ["jump cycle A → B → A", "cycle.txt", `${FILTER}:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT\n`,
      /^\S*cycle\.txt:9:1: error: rule loop in table filter: A → B → A \(iptables-restore rejects loops\)$/],
    ["prefix length over 32", "cidr.txt", `${FILTER}-A INPUT -s 10.0.0.0/33 -j ACCEPT\nCOMMIT\n`,
      /^\S*cidr\.txt:5:13: error: -s: prefix length 33 is larger than 32 in "10\.0\.0\.0\/33"$/],
    ["address out of range", "addr.txt", `${FILTER}-A INPUT -d 300.1.2.3 -j ACCEPT\nCOMMIT\n`,
      /^\S*addr\.txt:5:13: error: -d: "300\.1\.2\.3" is not an IPv4 or IPv6 address$/],
    ["prefix length that is neither a number nor a mask", "mask.txt", `${FILTER}-A INPUT -s 10.0.0.0/2x -j ACCEPT\nCOMMIT\n`,
      /^\S*mask\.txt:5:13: error: -s: "2x" is not a prefix length in "10\.0\.0\.0\/2x"$/],
    ["IPv6 address in an IPv4 dump", "v6.txt", `# Generated by iptables-save v1.8.9\n${FILTER}-A INPUT -s fe80::1/64 -j ACCEPT\nCOMMIT\n`,
      /^\S*v6\.txt:6:13: error: -s: IPv6 address "fe80::1\/64" in an IPv4 ruleset$/],
    ["port out of range", "port.txt", `${FILTER}-A INPUT -p tcp -m tcp --dport 70000 -j ACCEPT\nCOMMIT\n`,
      /^\S*port\.txt:5:32: error: --dport: port 70000 is out of range \(0-65535\)$/],
    ["port range out of range", "ports.txt", `${FILTER}-A INPUT -p udp -m multiport --dports 1:65536 -j ACCEPT\nCOMMIT\n`,
      /^\S*ports\.txt:5:39: error: --dports: port 65536 is out of range \(0-65535\)$/],
    ["unknown table", "table.txt", "*bogus\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n",
      /^\S*table\.txt:1:1: error: unknown table "bogus" \(expected one of raw, mangle, nat, filter, security\)$/],
    ["option without its module", "option.txt", `${FILTER}-A INPUT --frobnicate 1 -j ACCEPT\nCOMMIT\n`,
      /^\S*option\.txt:5:10: error: --frobnicate needs a match module: expected -m MODULE \(or -p tcp\/udp\) before it$/],
    ["unknown option of a known module", "tcpopt.txt", `${FILTER}-A INPUT -p tcp -m tcp --frobnicate -j ACCEPT\nCOMMIT\n`,
      /^\S*tcpopt\.txt:5:24: error: -m tcp has no option --frobnicate \(expected one of --sport, .*\)$/],
    ["ip route line cut in half (inside an address)", "ip-route.txt", "default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.\n",
      /^\S*ip-route\.txt:2:50: error: ip route: bad src: "10\.0\." is not an IPv4 or IPv6 address$/],
    ["ip route line cut in half (after a keyword)", "ip-route.txt", "default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev\n",
      /^\S*ip-route\.txt:2:16: error: ip route: Expected whitespace but end of input found\.$/],
  ];

  it.each(cases)("%s", async (_name, fileName, content, line) => {
    const path = file(fileName, content);
    const r = await runCli(["parse", path]);
    diagnosed(r, 1, line);
    expect(r.stdout.startsWith(`node ${fileName}`)).toBe(true);
    // trace shows the same diagnostics on stderr and still traces what it could read.
    const t = await runCli(["trace", path, "--src", "10.0.0.1", "--dst", "10.0.0.2", "--iif", "none"]);
    noCrash(t);
    expect(t.stderr.split("\n").some((l) => line.test(l))).toBe(true);
  });

  it("iptables -L where -S is better: read, with a diagnostic for each thing -L cannot say", async () => {
    const path = file("iptables-L.txt", [
      "Chain INPUT (policy ACCEPT)",
      "target     prot opt source               destination",
      "ACCEPT     all  --  anywhere             anywhere",
      "Chain FORWARD (policy DROP)",
      "target     prot opt source               destination",
      "ACCEPT     tcp  --  10.0.0.0/8           node.example.com     tcp dpt:http",
      "Chain OUTPUT (policy ACCEPT)",
      "target     prot opt source               destination",
      "",
    ].join("\n"));
    const r = await runCli(["parse", path]);
    noCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/iptables: filter 3 chains\/2 rules/);
    const lines = r.stdout.split("\n");
    expect(lines).toContain(`${path}:2:1: warning: iptables -L without -v does not show interfaces (in/out): rules that match an interface are read as if they matched every interface; paste iptables-save, iptables -t TABLE -S, or iptables -t TABLE -L -n -v`);
    expect(lines.some((l) => l.startsWith(`${path}:6:42: warning: iptables -L printed the name "node.example.com" instead of an address (run without -n)`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${path}:1:1: info: iptables -L cannot show the table name`))).toBe(true);
  });

  it("an ip route line cut after a keyword's first letters is kept, with a warning", async () => {
    const path = file("ip-route.txt", "default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 metr\n");
    const r = await runCli(["parse", path]);
    noCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${path}:2:59: warning: ip route: ignored "metr", which podpath does not understand`);
  });

  // iptables-restore refuses a jump to a chain the table does not declare.
  it("a jump to a missing chain is an error", async () => {
    const path = file("jump2.txt", `${FILTER}-A INPUT -j MISSING\nCOMMIT\n`);
    const r = await runCli(["parse", path]);
    noCrash(r);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path}:5:10: error: jump to undefined chain "MISSING" (no chain of that name in this table, and no iptables target)`);
  });

  // A rule before the first `*table` line must not start a listing of its own that hides the real table.
  it("a rule before any table is an error, and the table after it is kept", async () => {
    const path = file("before.txt", `-A INPUT -j ACCEPT\n${FILTER}-A INPUT -j DROP\n-A INPUT -s 10.0.0.1 -j DROP\nCOMMIT\n`);
    const r = await runCli(["parse", path, "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.nodes[0].iptables.filter.rules).toBe(2);
    expect(r.code).toBe(1);
    expect(j.diagnostics.some((d: { line: number; severity: string; message: string }) => d.line === 1 && d.severity === "error" && /before any table/.test(d.message))).toBe(true);
  });

  // A line cut right after its prefix ("10.0.0.0/2") still goes to the ip route parser, to be diagnosed.
  it("an ip route line cut inside its destination is an error", async () => {
    const path = file("ip-route.txt", "default via 10.0.0.1 dev eth0\n10.0.0.0/2\n");
    const r = await runCli(["parse", path]);
    expect(r.code).toBe(1);
  });
});

describe("no side effects", () => {
  const SAMPLE = "fixtures/eks-al2023-two-enis";

  /** An Io over the real files whose writeFile only records. */
  const recordingIo = (writes: string[]): Io => fakeIo({ writeFile: (p) => void writes.push(p) });

  it.each([
    ["parse", ["parse", SAMPLE]],
    ["parse --json", ["parse", SAMPLE, "--json"]],
    ["trace", ["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443"]],
    ["trace --json", ["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--json"]],
    ["check", ["check", `${SAMPLE}/expect.yaml`]],
    ["check --json", ["check", `${SAMPLE}/expect.yaml`, "--json"]],
    ["no arguments (the sample)", []],
    ["bad input", ["parse", "fixtures/does-not-exist"]],
  ])("%s writes nothing", async (_name, argv) => {
    const writes: string[] = [];
    await run(argv, recordingIo(writes));
    expect(writes).toEqual([]);
  });

  it("check --junit writes exactly the file asked for", async () => {
    const writes: string[] = [];
    expect(await run(["check", `${SAMPLE}/expect.yaml`, "--junit", "out/junit.xml"], recordingIo(writes))).toBe(0);
    expect(writes).toEqual(["out/junit.xml"]);
  });
});
