import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "../../src/tui/App.js";
import { KEY_HELP } from "../../src/tui/keys.js";
import { initialState } from "../../src/tui/state.js";
import { makeTheme } from "../../src/tui/theme.js";
import { bracketedPaste, KEYS, samplePaste, sampleState } from "./helpers.js";

const theme = makeTheme({ NO_COLOR: "1" });
const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const ANSI = /\x1b\[[0-9;]*m/g;
let unmount: (() => void) | null = null;
afterEach(() => unmount?.());

/** Waits (bounded) until the last frame satisfies `ok`. */
async function frameWhere(lastFrame: () => string | undefined, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = lastFrame() ?? "";
    if (ok(f) || Date.now() > end) return f;
    await tick(20);
  }
}

describe("tui frames", () => {
  it("shows the verdict, the form and the path for a packet given on the command line, within 80×24", async () => {
    const r = render(<App initial={sampleState({ src: "192.168.1.150", dst: "203.0.113.9", dport: "443" })} theme={theme} />);
    unmount = r.unmount;
    const frame = r.lastFrame() ?? "";
    expect(frame).toContain("FORWARDED");
    expect(frame).toContain("SNAT yes → 192.168.1.251");
    expect(frame).toContain("egress ens5 (device-0) via 192.168.1.1 · table main");
    expect(frame).toMatch(/src 192\.168\.1\.150 +dst 203\.0\.113\.9/);
    expect(frame).toContain("PREROUTING mangle");
    const lines = frame.replace(ANSI, "").split("\n");
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    // NO_COLOR: no colour escapes (bold and inverse may remain).
    expect(frame).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
  });

  it("takes a bracketed paste, shows what it recognised, then traces a typed packet", async () => {
    const r = render(<App initial={initialState({ columns: 100, rows: 30 })} theme={theme} parseDelay={0} />);
    unmount = r.unmount;
    await tick();
    expect(r.lastFrame()).toContain("Paste iptables-save");
    for (const chunk of bracketedPaste(samplePaste(), 2000)) r.stdin.write(chunk);
    let frame = await frameWhere(r.lastFrame, (f) => f.includes("1 node recognised"));
    expect(frame).toMatch(/\d{3} lines pasted/);
    expect(frame).toContain("iptables mangle 7/3, filter 11/15, nat 26/51");
    expect(frame).toContain("ip rules 7 · routes 28");
    expect(frame).toContain("interfaces 5 (lo, ens5, ens6, eni6801f01d8a7, eni83e4ca63e3c)");
    r.stdin.write(KEYS.ctrlD);
    frame = await frameWhere(r.lastFrame, (f) => f.includes("No trace yet"));
    expect(frame).toContain("complete ^N ^P ⏎: 192.168.1.33");
    r.stdin.write("10.0.0.");
    frame = await frameWhere(r.lastFrame, (f) => f.includes("✗ --src 10.0.0."));
    expect(frame).toContain("!src");
    r.stdin.write(KEYS.ctrlU);
    r.stdin.write("192.168.1.150");
    r.stdin.write(KEYS.down);
    r.stdin.write("172.20.1.100");
    r.stdin.write(KEYS.down);
    r.stdin.write(KEYS.ctrlU);
    r.stdin.write("udp");
    r.stdin.write(KEYS.down);
    r.stdin.write(KEYS.down);
    r.stdin.write("8125");
    frame = await frameWhere(r.lastFrame, (f) => f.includes("egress ens6"));
    expect(frame).toContain("SNAT no");
    expect(frame).toContain("egress ens6 (device-1) via 192.168.1.1 · table 2");
  });

  it("switches panes: explanation, path picture, rule view with search", async () => {
    const r = render(<App initial={sampleState({ src: "192.168.1.150", dst: "203.0.113.9", dport: "443" }, { columns: 100, rows: 30 })} theme={theme} />);
    unmount = r.unmount;
    await tick();
    r.stdin.write("3");
    let frame = await frameWhere(r.lastFrame, (f) => f.includes("SNAT: yes."));
    expect(frame).toContain("To keep the pod IP");
    r.stdin.write("4");
    frame = await frameWhere(r.lastFrame, (f) => f.includes("╔"));
    expect(frame).toContain("║ nat AWS-SNAT-CHAIN-0 rule 3");
    expect(frame).toContain("▼");
    r.stdin.write("5");
    r.stdin.write("/");
    r.stdin.write("SNAT-CHAIN-0 -d");
    r.stdin.write(KEYS.enter);
    frame = await frameWhere(r.lastFrame, (f) => f.includes("nat AWS-SNAT-CHAIN-0  ("));
    expect(frame).toMatch(/✗ 1\. \[-d 172\.20\.0\.0\/16\] -A AWS-SNAT-CHAIN-0 -d 172\.20\.0\.0\/16/);
    expect(frame).toMatch(/◆ 3\. -A AWS-SNAT-CHAIN-0 ! -o vlan\+ -m comment --comment "AWS, SNAT"/);
  });

  it("lists every key in the ? overlay", async () => {
    const r = render(<App initial={sampleState({ src: "192.168.1.150", dst: "203.0.113.9" })} theme={theme} />);
    unmount = r.unmount;
    await tick();
    r.stdin.write("?");
    const frame = await frameWhere(r.lastFrame, (f) => f.includes("Keys"));
    for (const k of KEY_HELP) expect(frame).toContain(k.keys);
    r.stdin.write(KEYS.esc);
    expect(await frameWhere(r.lastFrame, (f) => f.includes("FORWARDED"))).toContain("FORWARDED");
  });
});
