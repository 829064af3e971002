import { describe, expect, it } from "vitest";
import { runCli } from "../helpers.js";

const SAMPLE = ["fixtures/eks-al2023-two-enis", "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443"];

describe("trace --format mermaid|dot", () => {
  it("draws packet → the rules that acted → routing → egress, the deciding boxes emphasised", async () => {
    const r = await runCli(["trace", ...SAMPLE, "--format", "mermaid"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("flowchart TD");
    expect(r.stdout).toContain('n0["tcp 192.168.1.150 → 203.0.113.9:443<br/>in eni83e4ca63e3c"]');
    expect(r.stdout).toContain('["nat AWS-SNAT-CHAIN-0 rule 3<br/>snat 192.168.1.150 → 192.168.1.251"]:::decides');
    expect(r.stdout).toMatch(/\["route: 1024: from all fwmark 0x80\/0x80 lookup main<br\/>table main: default via 192\.168\.1\.1 dev ens5[^"]*"\]:::decides/);
    expect(r.stdout).toContain('["forwarded<br/>out ens5 (device-0) via 192.168.1.1<br/>src 192.168.1.251"]:::decides');
  });

  it("writes Graphviz with escaped labels, one cluster per outcome", async () => {
    const r = await runCli(["trace", "fixtures/eks-al2023-two-enis", "--src", "192.168.1.33", "--dst", "10.100.12.7", "--dport", "80", "--format", "dot"]);
    expect(r.stdout.startsWith("digraph podpath {")).toBe(true);
    expect(r.stdout.match(/subgraph cluster_/g)).toHaveLength(3);
    expect(r.stdout).toContain('label="eks-al2023-two-enis — outcome 1 (p=0.333333)";');
    expect(r.stdout).toMatch(/\[label="nat KUBE-SEP-\w+ rule 2\\ndnat 10\.100\.12\.7 → 192\.168\.\d+\.\d+:8080", style=bold, penwidth=2\];/);
  });

  it("refuses an unknown format", async () => {
    const r = await runCli(["trace", ...SAMPLE, "--format", "png"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format png: expected text, json, mermaid, dot/);
  });
});
