import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers.js";

const SAMPLE = "fixtures/eks-al2023-two-enis";

describe("podpath parse", () => {
  it("prints exactly the documented JSON contract", async () => {
    const r = await runCli(["parse", SAMPLE, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(["nodes", "diagnostics"]);
    expect(j.nodes).toHaveLength(1);
    const n = j.nodes[0];
    expect(Object.keys(n)).toEqual(["name", "iptables", "ipRules", "routes", "interfaces"]);
    expect(n.name).toBe("eks-al2023-two-enis");
    // Counts from the real dumps: `grep -c` of `:` and `-A` lines per table, `ip rule | wc -l`, …
    expect(n.iptables.nat).toEqual({ chains: 26, rules: 51 });
    expect(n.iptables.mangle.rules).toBe(3);
    expect(n.ipRules).toBe(7);
    expect(n.routes).toBe(28);
    expect(n.interfaces).toBe(5);
  });

  it("reads a paste of two nodes with prompts, colours, fences and CRLF", async () => {
    const r = await runCli(["parse", "fixtures/messy-paste/paste.txt", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.nodes.map((n: { name: string }) => n.name)).toEqual(["192.168.1.251", "192.168.2.17"]);
    expect(j.nodes[0].interfaces).toBe(5);
    expect(j.nodes[1].ipRules).toBe(14);
    expect(j.diagnostics.filter((d: { severity: string }) => d.severity === "error")).toEqual([]);
    // The chatter around the dumps is reported as skipped, never silently dropped.
    expect(j.diagnostics.some((d: { line: number; message: string }) => d.line === 1 && /skipped/.test(d.message))).toBe(true);
    expect(r.code).toBe(0);
  });

  it("exits 1 with file:line:column diagnostics when a dump has errors, 2 on usage and I/O problems", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-"));
    const bad = join(dir, "iptables-save.txt");
    writeFileSync(bad, "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 10.0.0.0/33 -j ACCEPT\nCOMMIT\n");
    const r = await runCli(["parse", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${bad}:3:18: error: -d: prefix length 33 is larger than 32`);
    const missing = await runCli(["parse", join(dir, "nope.txt")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`podpath: ${join(dir, "nope.txt")}: no such file or directory\n`);
    const empty = join(dir, "empty");
    mkdirSync(empty);
    expect((await runCli(["parse", empty])).stderr).toMatch(/holds no dump files/);
    const bin = join(dir, "bin.txt");
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    expect((await runCli(["parse", bin])).stderr).toMatch(/binary file/);
    expect((await runCli(["frobnicate"])).code).toBe(2);
  });

  it("reads standard input with -", async () => {
    const r = await runCli(["parse", "-", "--json"], "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n");
    expect(JSON.parse(r.stdout).nodes[0].ipRules).toBe(2);
  });
});

describe("podpath trace", () => {
  it("answers the sample question in JSON", async () => {
    const r = await runCli(["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      verdict: "forwarded", snat: true, dnat: false,
      final: { src: "192.168.1.251", dst: "203.0.113.9" },
      egress: { interface: "ens5", eni: "device-0", table: "main", gateway: "192.168.1.1" },
    });
    expect(j.packet.iif).toBe("eni83e4ca63e3c");
    expect(j.explanation).toMatch(/203\.0\.113\.9 is outside 172\.20\.0\.0\/16 \(excluded\), 192\.168\.0\.0\/16, so rule 3 of nat AWS-SNAT-CHAIN-0/);
    expect(j.explanation).toMatch(/AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS/);
  });

  it("text output cuts long runs of rules that did not match; --all-rules lists them all", async () => {
    // The sample node with 40 more services: KUBE-SERVICES becomes a run of 45 misses (its own 5 too),
    // printed as its first 3, a count of the 40 between, and its last 2.
    const dir = mkdtempSync(join(tmpdir(), "podpath-"));
    for (const f of ["ip-addr.txt", "ip-route.txt", "ip-rule.txt"]) copyFileSync(join(SAMPLE, f), join(dir, f));
    const extra = Array.from({ length: 40 }, (_, i) => `-A KUBE-SERVICES -d 10.100.200.${i + 1}/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ`);
    const dump = readFileSync(join(SAMPLE, "iptables-save.txt"), "utf8").replace(/^(-A KUBE-SERVICES -d 10\.100\.0\.1\/32 )/m, `${extra.join("\n")}\n$1`);
    writeFileSync(join(dir, "iptables-save.txt"), dump);
    const packet = ["--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443"];
    const cut = await runCli(["trace", dir, ...packet]);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(/^ {6}… 40 more rules did not match \(-d 10\.100\.200\.4\/32, -d 10\.100\.200\.5\/32, -d 10\.100\.200\.6\/32, …\) \(trace --all-rules lists them\)$/m);
    expect(cut.stdout.split("\n").filter((l) => l.includes("10.100.200.")).length).toBe(3 + 1);
    const all = await runCli(["trace", dir, ...packet, "--all-rules"]);
    expect(all.stdout.split("\n").filter((l) => l.includes("✗ -A KUBE-SERVICES -d 10.100.200.")).length).toBe(40);
    expect(all.stdout).not.toContain("more rules did not match");
    const both = await runCli(["trace", dir, ...packet, "--all-rules", "--brief"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("podpath: --brief and --all-rules: choose one\n");
  });

  it("text output puts the verdict first", async () => {
    const r = await runCli(["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "172.20.1.100", "--proto", "udp", "--dport", "8125"]);
    const lines = r.stdout.split("\n");
    expect(lines[2]).toBe("forwarded · no SNAT · out ens6 (device-1) via 192.168.1.1, table 2");
  });

  it("rejects bad options with exit 2 and a message, never a stack", async () => {
    const bad = await runCli(["trace", SAMPLE, "--src", "192.168.1.999", "--dst", "203.0.113.9"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^podpath: --src 192\.168\.1\.999: expected an IPv4 or IPv6 address/);
    const port = await runCli(["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "70000"]);
    expect(port.stderr).toMatch(/--dport 70000: expected a port/);
    const noIif = await runCli(["trace", SAMPLE, "--src", "10.9.9.9", "--dst", "203.0.113.9"]);
    expect(noIif.code).toBe(2);
    expect(noIif.stderr).toMatch(/--iif is needed: .* \(interfaces: lo, ens5, ens6, eni6801f01d8a7, eni83e4ca63e3c\)/);
    const iface = await runCli(["trace", SAMPLE, "--src", "10.9.9.9", "--dst", "203.0.113.9", "--iif", "eth9"]);
    expect(iface.stderr).toMatch(/--iif eth9: no such interface/);
    const rp = await runCli(["trace", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--assume", "rp_filter=strict"]);
    expect([rp.code, rp.stderr]).toEqual([2, "podpath: --assume rp_filter=strict: expected rp_filter=0 (off), 1 (strict) or 2 (loose)\n"]);
    for (const r of [bad, port, noIif, iface, rp]) expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("--assume rp_filter decides the reverse-path check: NodePort-style traffic on ens5 to a pod of ens6", async () => {
    const args = ["trace", SAMPLE, "--src", "203.0.113.9", "--dst", "192.168.1.150", "--iif", "ens5", "--dport", "443"];
    const loose = await runCli(args);
    expect(loose.stdout.split("\n")[2]).toBe("forwarded · no SNAT · out eni83e4ca63e3c, table main");
    expect(loose.stdout).toMatch(/assumes: rp_filter is 2 \(loose\) on ens5 .* with 1 \(strict\) it is dropped: .* leaves by ens6 \(table 2\), not ens5 \(--assume rp_filter=1\)/);
    const strict = await runCli([...args, "--assume", "rp_filter=1"]);
    expect(strict.stdout.split("\n")[2]).toBe("dropped · no SNAT");
    expect(strict.stdout).toMatch(/route: martian → dropped: rp_filter 1 \(strict\) on ens5: the way back to the source leaves by ens6 \(table 2\), not ens5/);
  });

  it("--packets: one result line per packet, in input order, each with its id; a bad line costs only itself", async () => {
    const lines = [
      { id: "egress", src: "192.168.1.150", dst: "203.0.113.9", dport: 443 },
      { id: "bad", src: "192.168.1.999", dst: "203.0.113.9" },
      { src: "203.0.113.9", dst: "192.168.1.150", iif: "ens5", dport: 443 },
    ].map((l) => JSON.stringify(l)).join("\n");
    const run = async (...extra: string[]) => {
      const r = await runCli(["trace", SAMPLE, "--packets", "-", "--json", ...extra], `${lines}\n`);
      expect(r.code).toBe(0);
      return r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { id: unknown; verdict?: string; snat?: boolean; error?: string });
    };
    const loose = await run();
    expect(loose.map((o) => [o.id, o.verdict ?? o.error])).toEqual([
      ["egress", "forwarded"], ["bad", "--src 192.168.1.999: expected an IPv4 or IPv6 address"], [3, "forwarded"],
    ]);
    expect(loose[0]?.snat).toBe(true);
    // The command line's --assume holds for every packet.
    expect((await run("--assume", "rp_filter=1")).map((o) => o.verdict ?? "error")).toEqual(["forwarded", "error", "dropped"]);
    const bad = await runCli(["trace", SAMPLE, "--packets", "-", "--json", "--assume", "rp_filter=9"], `${lines}\n`);
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([2, "", "podpath: --assume rp_filter=9: expected rp_filter=0 (off), 1 (strict) or 2 (loose)\n"]);
  });

  it("with no command, traces the sample packet on the sample node", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node eks-al2023-two-enis: tcp 192\.168\.1\.150:40000 → 203\.0\.113\.9:443/);
    expect(r.stderr).toMatch(/sample/);
  });
});

describe("podpath tui without a terminal", () => {
  it("prints the packet's trace as text (the README's first command in a pipe), with a hint", async () => {
    const r = await runCli(["tui", SAMPLE, "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[2]).toBe("forwarded · SNAT → 192.168.1.251 · out ens5 (device-0) via 192.168.1.1, table main");
    expect(r.stderr).toMatch(/not a terminal/);
  });

  it("without a packet to trace, says it needs a terminal", async () => {
    const r = await runCli(["tui"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podpath: tui needs a terminal/);
  });
});

describe("podpath check", () => {
  it("prints a readable diff for a failing expectation and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-"));
    const file = join(dir, "expect.yaml");
    writeFileSync(file, `node: ${process.cwd()}/${SAMPLE}\nexpect:\n  - packet: { src: 192.168.1.150, dst: 203.0.113.9, dport: 443 }\n    snat: false\n    egress: { interface: ens6 }\n`);
    const r = await runCli(["check", file, "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.failed).toBe(1);
    expect(j.files[0].cases[0].failures).toEqual(["snat: expected false, traced true", "egress.interface: expected ens6, traced ens5"]);
    const text = await runCli(["check", file]);
    expect(text.stdout).toMatch(/deciding: nat: snat 192\.168\.1\.150 → 192\.168\.1\.251 \(rule 3 of nat AWS-SNAT-CHAIN-0\); route: 1024: from all fwmark 0x80\/0x80 lookup main/);
  });

  it("refuses a malformed expectation file with exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "node: x\nexpect:\n  - packet: { src: 1.2.3.4 }\n    snatt: true\n");
    const r = await runCli(["check", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/src and dst are required; .*unknown field `snatt`/);
    writeFileSync(file, "node: x\nassume: [rp_filter=strict]\nexpect:\n  - packet: { src: 1.2.3.4, dst: 5.6.7.8 }\n");
    const rp = await runCli(["check", file]);
    expect([rp.code, rp.stderr]).toEqual([2, `podpath: ${file}: tcp 1.2.3.4 → 5.6.7.8: assume rp_filter=strict: expected rp_filter=0 (off), 1 (strict) or 2 (loose)\n`]);
  });

  it("applies the file's assume answers to every packet, and an expectation's own after them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-"));
    const file = join(dir, "expect.yaml");
    const nodeport = "{ src: 203.0.113.9, dst: 192.168.1.150, iif: ens5, dport: 443 }";
    writeFileSync(file, [
      `node: ${process.cwd()}/${SAMPLE}`,
      "assume: [rp_filter=1]   # Amazon Linux 2: strict on the other ENIs",
      "expect:",
      `  - packet: ${nodeport}`,
      "    verdict: dropped",
      `  - packet: ${nodeport}`,
      "    assume: [rp_filter=2]",
      "    verdict: forwarded",
      "    egress: { interface: eni83e4ca63e3c }",
    ].join("\n"));
    const r = await runCli(["check", file, "--json"]);
    expect(JSON.parse(r.stdout).files[0].cases.map((c: { ok: boolean }) => c.ok)).toEqual([true, true]);
    expect(r.code).toBe(0);
  });
});
