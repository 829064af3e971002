/**
 * The real binary in a real terminal: tmux runs `podpath tui`, a fixture is pasted (bracketed), a
 * packet typed; the screen must show the verdict and egress `podpath trace --json` gives.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = "dist/cli/bin.js";
const SAMPLE = "fixtures/eks-al2023-two-enis";
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) console.warn("test/e2e/tui.test.ts: skipped — tmux is not installed (apt-get install tmux)");
if (hasTmux && !existsSync(BIN)) console.warn(`test/e2e/tui.test.ts: skipped — ${BIN} is missing; run npm run build first`);

function paste(): string {
  const f = (name: string) => readFileSync(`${SAMPLE}/${name}`, "utf8");
  return ["$ sudo iptables-save", f("iptables-save.txt"), "$ ip rule", f("ip-rule.txt"), "$ ip route show table all", f("ip-route.txt"), "$ ip addr", f("ip-addr.txt")].join("\n");
}

function traceJson(args: string[]): { verdict: string; snat: boolean; final: { src: string }; egress: { interface: string; eni: string | null; gateway: string | null; table: string } | null } {
  return JSON.parse(execFileSync("node", [BIN, "trace", SAMPLE, ...args, "--json"], { encoding: "utf8" }));
}

describe.skipIf(!hasTmux || !existsSync(BIN))("podpath tui in tmux", () => {
  it("shows the verdict and egress interface that trace --json gives, for a pasted node", async () => {
    const socket = `pp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
    const screen = () => tmux("capture-pane", "-p", "-t", "pp");
    const waitFor = async (ok: (s: string) => boolean, what: string, ms = 15_000): Promise<string> => {
      const end = Date.now() + ms;
      let last = "";
      while (Date.now() < end) {
        try {
          last = screen();
        } catch {
          last = "(no pane)";
        }
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
    };
    const dir = mkdtempSync(join(tmpdir(), "podpath-e2e-"));
    try {
      const file = join(dir, "paste.txt");
      writeFileSync(file, paste());
      tmux("new-session", "-d", "-s", "pp", "-x", "100", "-y", "30", `NO_COLOR=1 node ${BIN} tui`);
      await waitFor((s) => s.includes("lines pasted"), "the paste screen");
      tmux("load-buffer", "-b", "dump", file);
      tmux("paste-buffer", "-p", "-b", "dump", "-t", "pp");
      const summary = await waitFor((s) => s.includes("1 node recognised"), "the parsed summary");
      expect(summary).toContain("ip rules 7 · routes 28");
      expect(summary).toContain("Diagnostics 0:");
      tmux("send-keys", "-t", "pp", "C-d");
      await waitFor((s) => s.includes("No trace yet"), "the packet form");

      // A pod talking to the internet: SNATed, leaves by the primary ENI.
      tmux("send-keys", "-t", "pp", "-l", "192.168.1.150");
      tmux("send-keys", "-t", "pp", "Down");
      tmux("send-keys", "-t", "pp", "-l", "203.0.113.9");
      tmux("send-keys", "-t", "pp", "Down", "Down", "Down");
      tmux("send-keys", "-t", "pp", "-l", "443");
      const first = traceJson(["--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443"]);
      let s = await waitFor((x) => /dport 443/.test(x) && x.includes("egress"), "the first trace");
      expect(s).toContain(first.verdict.toUpperCase());
      expect(s).toContain(first.snat ? `SNAT yes → ${first.final.src}` : "SNAT no");
      expect(s).toContain(`egress ${first.egress?.interface} (${first.egress?.eni}) via ${first.egress?.gateway}`);

      // Edit the form: an excluded CIDR over UDP is not SNATed and leaves by the secondary ENI.
      tmux("send-keys", "-t", "pp", "Up", "Up", "Up", "C-u");
      tmux("send-keys", "-t", "pp", "-l", "172.20.1.100");
      tmux("send-keys", "-t", "pp", "Down", "C-u");
      tmux("send-keys", "-t", "pp", "-l", "udp");
      tmux("send-keys", "-t", "pp", "Down", "Down", "C-u");
      tmux("send-keys", "-t", "pp", "-l", "8125");
      const second = traceJson(["--src", "192.168.1.150", "--dst", "172.20.1.100", "--proto", "udp", "--dport", "8125"]);
      s = await waitFor((x) => /dport 8125/.test(x) && x.includes(`egress ${second.egress?.interface}`), "the second trace");
      expect(s).toContain(second.verdict.toUpperCase());
      expect(s).toContain(second.snat ? `SNAT yes → ${second.final.src}` : "SNAT no");
      expect(second.egress?.interface).not.toBe(first.egress?.interface);

      // Leave the form, quit with q: the session ends with the program.
      tmux("send-keys", "-t", "pp", "Escape");
      await waitFor((x) => x.includes("Tab panes · ↑↓ jk move"), "the trace pane");
      tmux("send-keys", "-t", "pp", "q");
      const end = Date.now() + 10_000;
      while (Date.now() < end && spawnSync("tmux", ["-L", socket, "has-session", "-t", "pp"]).status === 0) await new Promise((r) => setTimeout(r, 100));
      expect(spawnSync("tmux", ["-L", socket, "has-session", "-t", "pp"]).status).not.toBe(0);
    } finally {
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
