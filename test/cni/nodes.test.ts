import { describe, expect, it } from "vitest";
import { maxPods } from "../../src/cni/capacity.js";
import { runCli } from "../helpers.js";

describe("podpath diff", () => {
  it("finds the exclusion one node lacks and shows a packet whose verdict it changes", async () => {
    const r = await runCli(["diff", "fixtures/messy-paste/paste.txt", "--json"]);
    expect(r.code).toBe(1);
    const [pair] = JSON.parse(r.stdout);
    expect(pair).toMatchObject({ a: "192.168.1.251", b: "192.168.2.17" });
    const missing = pair.differences.find((d: { message: string }) => /192\.168\.2\.17 is missing the SNAT exclusion for 172\.20\.0\.0\/16/.test(d.message));
    expect(missing.probe).toMatchObject({ dst: "172.20.0.1", a: "forwarded, no SNAT, out ens6", b: "forwarded, SNAT to 192.168.2.17, out eth0" });
  });

  it("reports no differences between a node and itself, and exits 0", async () => {
    const r = await runCli(["diff", "fixtures/eks-al2023-two-enis", "fixtures/list-format", "--json"]);
    expect(JSON.parse(r.stdout)[0].differences).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("needs two nodes", async () => {
    const r = await runCli(["diff", "fixtures/eks-al2023-two-enis"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least two nodes/);
  });
});

describe("trace over several nodes", () => {
  it("answers per node of a multi-node paste", async () => {
    const r = await runCli(["trace", "fixtures/messy-paste/paste.txt", "--src", "192.168.1.150", "--dst", "172.20.1.100", "--iif", "eni83e4ca63e3c", "--node", "192.168.1.251", "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ node: "192.168.1.251", snat: false, egress: { interface: "ens6" } });
  });
});

describe("ENI capacity", () => {
  it("computes the CNI's max-pods formula", () => {
    expect(maxPods({ maxEnis: 3, ipsPerEni: 10, prefixDelegation: false })).toEqual({ value: 29, formula: "3 × (10 − 1) + 2" });
    expect(maxPods({ maxEnis: 3, ipsPerEni: 10, prefixDelegation: true })).toEqual({ value: 434, formula: "3 × (10 − 1) × 16 + 2" });
  });

  it("lists each ENI's pool from ipamd's records, matched to its interface", async () => {
    const r = await runCli(["enis", "fixtures/eks-log-collector", "--max-enis", "3", "--ips-per-eni", "10", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // ipamd's own totals in enis.json: TotalIPs 15, AssignedIPs 6.
    expect(j).toMatchObject({ pool: 15, assigned: 6, free: 9, maxPods: 29 });
    expect(j.enis[0]).toMatchObject({ id: "eni-0f3c2a1b9d8e7f601", deviceNumber: 0, interface: "eth0", subnet: "192.168.1.0/24", pool: 5, assigned: 2, primary: true });
  });

  it("says what is missing without ipamd's records", async () => {
    const r = await runCli(["enis", "fixtures/eks-al2023-two-enis"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no ipamd ENI records/);
  });
});
