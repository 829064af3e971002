import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAssignment } from "../../src/cni/assignments.js";
import { generateCniRules } from "../../src/cni/generate.js";
import { inferCni, isCniRule } from "../../src/cni/settings.js";
import { applySettings } from "../../src/cni/whatif.js";
import { processIo } from "../../src/cli/io.js";
import { loadBundle } from "../../src/cli/node-select.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { nodeFacts } from "../../src/eval/node-facts.js";
import { traceJson } from "../../src/explain/json.js";
import { packetFromFlags } from "../../src/cli/packet-options.js";
import { parseBundle } from "../../src/model/bundle.js";
import { ruleSpec } from "../../src/model/netfilter.js";
import { printAppend } from "../../src/parse/print-iptables.js";
import { runCli } from "../helpers.js";

const node = (dir: string) => {
  const n = loadBundle(processIo(), [`fixtures/${dir}`]).nodes[0];
  if (!n) throw new Error(dir);
  return n;
};

const LAYOUTS: [string, string][] = [
  ["eks-al2023-two-enis", "single-chain"],
  ["eks-al2-current-exclusions", "single-chain"],
  ["sgp-branch-eni", "single-chain"],
  ["cni-v1.5-chained", "chained"],
  ["cni-v1.0-legacy", "legacy"],
  ["external-snat", "external-snat"],
];

describe("CNI settings → rules, against the real fixtures", () => {
  for (const [dir, layout] of LAYOUTS) {
    it(`${dir}: the settings read from the rules regenerate exactly the rules iptables-save printed`, () => {
      const n = node(dir);
      const inferred = inferCni(n);
      expect(inferred.node.layout).toBe(layout);
      const generated = generateCniRules(inferred.settings, inferred.node);
      const real = readFileSync(`fixtures/${dir}/iptables-save.txt`, "utf8").split("\n")
        .filter((l) => l.startsWith("-A ") && (/ AWS[ ,]|"AWS[ ,]/.test(l) || /^-A AWS-/.test(l)));
      expect(generated.rules.map((r) => r.text).sort()).toEqual(real.sort());
      const realRules = readFileSync(`fixtures/${dir}/ip-rule.txt`, "utf8").split("\n").filter((l) => /^(512|1024|1535|1536):/.test(l)).map((l) => l.trimEnd());
      expect([...generated.ipRules].sort()).toEqual(realRules.sort());
    });
  }

  it("reads the settings the fixtures were built with", () => {
    expect(inferCni(node("eks-al2-current-exclusions")).settings).toMatchObject({
      excludeSnatCidrs: ["10.0.0.0/8", "100.64.0.0/10"], externalSnat: false, randomizeSnat: "prng", connmark: 0x80, vethPrefix: "eni", nodePortSupport: true,
    });
    expect(inferCni(node("cni-v1.5-chained"))).toMatchObject({ settings: { randomizeSnat: "hashrandom" }, node: { typoComment: true, vpcCidrs: ["192.168.0.0/16", "100.64.0.0/16"] } });
    expect(inferCni(node("sgp-branch-eni")).settings.podEni).toBe(true);
    expect(inferCni(node("external-snat")).settings.externalSnat).toBe(true);
  });
});

describe("what-if", () => {
  const trace = (n: ReturnType<typeof node>, src: string, dst: string, dport = "443") => {
    const facts = nodeFacts(n);
    return traceJson(evaluate(facts, packetFromFlags({ src, dst, dport }, facts)), facts);
  };

  it("adding an exclusion keeps the pod IP, changes only the CNI's rules, and sends the pod out its own ENI", () => {
    const n = node("eks-al2023-two-enis");
    const w = applySettings(n, { excludeSnatCidrs: ["172.20.0.0/16", "203.0.113.0/24"] });
    expect(w.diagnostics).toEqual([]);
    expect(w.ruleDiff).toEqual([
      { op: "add", kind: "iptables", table: "nat", text: '-A AWS-CONNMARK-CHAIN-0 -d 203.0.113.0/24 -m comment --comment "AWS CONNMARK CHAIN, EXCLUDED CIDR" -j RETURN' },
      { op: "add", kind: "iptables", table: "nat", text: '-A AWS-SNAT-CHAIN-0 -d 203.0.113.0/24 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN' },
    ]);
    const after = trace(w.node, "192.168.1.150", "203.0.113.9");
    expect(after).toMatchObject({ snat: false, final: { src: "192.168.1.150" }, egress: { interface: "ens6" } });
    // Every rule the CNI does not own is still there, in the same order.
    const others = (x: typeof n) => [...(x.rulesets[0]?.tables.values() ?? [])].flatMap((t) => [...t.chains.values()].flatMap((c) => c.rules.filter((r) => !isCniRule(r)).map((r) => `${t.name} ${printAppend(r.chain, ruleSpec(r))}`)));
    expect(others(w.node)).toEqual(others(n));
  });

  it("external SNAT removes the SNAT and connmark jumps; every pod keeps its IP", () => {
    const w = applySettings(node("eks-al2-current-exclusions"), { externalSnat: true });
    expect(w.ruleDiff.filter((c) => c.op === "add")).toEqual([]);
    expect(w.ruleDiff.some((c) => c.op === "remove" && /-j SNAT/.test(c.text))).toBe(true);
    expect(trace(w.node, "192.168.1.141", "203.0.113.9")).toMatchObject({ snat: false, egress: { interface: "eth1" } });
    expect(trace(w.node, "192.168.1.20", "203.0.113.9")).toMatchObject({ snat: false, egress: { interface: "eth0" } });
  });

  it("the chained layout grows a chain per CIDR and per-CIDR ip rules for secondary-ENI pods", () => {
    const w = applySettings(node("cni-v1.5-chained"), { excludeSnatCidrs: ["10.0.0.0/8"] });
    expect(w.ruleDiff).toContainEqual({ op: "add", kind: "iptables", table: "nat", text: '-A AWS-SNAT-CHAIN-2 ! -d 10.0.0.0/8 -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-3' });
    expect(w.ruleDiff).toContainEqual({ op: "add", kind: "ip rule", table: null, text: "1536:\tfrom 192.168.1.150 to 10.0.0.0/8 lookup 2" });
    expect(trace(w.node, "192.168.1.151", "10.1.2.3", "8125")).toMatchObject({ snat: false, egress: { interface: "eth1" } });
  });

  it("refuses what a layout cannot do", () => {
    expect(() => applySettings(node("cni-v1.0-legacy"), { excludeSnatCidrs: ["10.0.0.0/8"] })).toThrow(/needs CNI v1\.6 or later/);
  });

  it("a what-if node is just another node: it parses back with no diagnostics", () => {
    for (const [dir] of LAYOUTS) {
      const w = applySettings(node(dir), { randomizeSnat: "none", connmark: 0x100 });
      expect(w.diagnostics, dir).toEqual([]);
    }
  });
});

describe("setting assignments", () => {
  it("accepts the CNI's own variable names and validates values", () => {
    expect(parseAssignment("AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=10.0.0.0/8, 172.20.0.0/16")).toEqual({ excludeSnatCidrs: ["10.0.0.0/8", "172.20.0.0/16"] });
    expect(parseAssignment("AWS_VPC_K8S_CNI_EXTERNALSNAT=true")).toEqual({ externalSnat: true });
    expect(parseAssignment("AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=10.0.0.0/33")).toEqual({ error: expect.stringMatching(/prefix length 33/) });
    expect(parseAssignment("EXCLUDE=1")).toEqual({ error: expect.stringMatching(/NAME one of AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS/) });
  });
});

describe("drift between ipamd's settings and the rules", () => {
  it("reports an exclusion the settings list but no rule implements, and a stale chain", () => {
    const save = readFileSync("fixtures/eks-al2023-two-enis/iptables-save.txt", "utf8")
      .replace(":AWS-SNAT-CHAIN-0 - [0:0]", ":AWS-SNAT-CHAIN-0 - [0:0]\n:AWS-SNAT-CHAIN-1 - [0:0]");
    const env = JSON.stringify({ AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: "172.20.0.0/16,10.50.0.0/16", AWS_VPC_K8S_CNI_EXTERNALSNAT: false });
    const n = parseBundle(`$ iptables-save\n${save}\n$ curl localhost:61679/v1/networkutils-env-settings\n${env}\n`, "x").nodes[0];
    if (!n) throw new Error("no node");
    const drift = inferCni(n).drift.map((d) => d.message);
    expect(drift).toContain("ipamd's settings exclude 10.50.0.0/16, but no rule implements that exclusion");
    expect(drift.some((m) => /stale AWS-SNAT-CHAIN-1/.test(m))).toBe(true);
  });
});

describe("podpath whatif", () => {
  it("prints before, after and the rule diff as JSON", async () => {
    const r = await runCli(["whatif", "fixtures/eks-al2023-two-enis", "--set", "AWS_VPC_K8S_CNI_EXTERNALSNAT=true", "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(["node", "settings", "before", "after", "ruleDiff"]);
    expect(j.before).toMatchObject({ snat: true, egress: { interface: "ens5" } });
    expect(j.after).toMatchObject({ snat: false, egress: { interface: "ens6" } });
    expect(j.settings.after.AWS_VPC_K8S_CNI_EXTERNALSNAT).toBe("true");
  });

  it("rejects an unknown setting with exit 2", async () => {
    const r = await runCli(["whatif", "fixtures/eks-al2023-two-enis", "--set", "FOO=1", "--src", "192.168.1.150", "--dst", "203.0.113.9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podpath: --set FOO=1: expected NAME=VALUE/);
  });
});

describe("verified fix suggestions in trace", () => {
  it("offers an exclusion and external SNAT for a SNATed packet, each checked by a what-if trace", async () => {
    const r = await runCli(["trace", "fixtures/eks-al2023-two-enis", "--src", "192.168.1.150", "--dst", "203.0.113.9", "--dport", "443", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.fixes.map((f: { set: { name: string; value: string }[] }) => f.set)).toEqual([
      [{ name: "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS", value: "172.20.0.0/16,203.0.113.9/32" }],
      [{ name: "AWS_VPC_K8S_CNI_EXTERNALSNAT", value: "true" }],
    ]);
    expect(j.fixes[0].after).toEqual({ snat: false, egress: "ens6", src: "192.168.1.150" });
    expect(j.fixes[1].sideEffects.join(" ")).toMatch(/NAT gateway/);
  });

  it("offers removing the exclusion for a packet the exclusion keeps un-SNATed", async () => {
    const r = await runCli(["trace", "fixtures/eks-al2023-two-enis", "--src", "192.168.1.150", "--dst", "172.20.1.100", "--proto", "udp", "--dport", "8125", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.fixes).toHaveLength(1);
    expect(j.fixes[0]).toMatchObject({ goal: "snat", set: [{ name: "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS", value: "" }], after: { snat: true, egress: "ens5", src: "192.168.1.251" } });
  });
});
