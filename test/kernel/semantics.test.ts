/**
 * The small behaviour nodes of test/eval/semantic-nodes.ts against the kernel: the answers the unit
 * tests assert (user chains falling off, goto, DROP policy, NOTRACK, MASQUERADE's source, connmark
 * marks steering ip rules, throw/blackhole/unreachable routes, ip rule selectors and actions (ipproto,
 * dport, iif, suppress_prefixlength, goto, nop, prohibit, blackhole), match modules (multiport,
 * iprange, conntrack's original destination and protocol, icmp type, tcp flags, addrtype), MARK's
 * operations and the mark match, nat's ACCEPT, a port-only DNAT, REDIRECT on a veth with no address,
 * INPUT/OUTPUT filtering and nat OUTPUT, martian addresses on arrival, multicast on arrival, the
 * reverse-path check with rp_filter 0, 1 and 2, node-generated and local packets,
 * an unmasqueraded hairpin, NFQUEUE with nothing reading its queue (with and without --queue-bypass),
 * and the same on IPv6: ip6tables, `ip -6 rule`, link-local gateways)
 * must be what the kernel does with the same packets.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseInputs } from "../../src/model/bundle.js";
import { KERNEL_PACKETS, NODES } from "../eval/semantic-nodes.js";
import { report, runNode } from "./harness.js";
import { kernelUnsupportedReason } from "./netns.js";
import { factsOf, ProbeMaker, rng } from "./packets.js";
import { cliBuilt } from "./podpath.js";

const unsupported = kernelUnsupportedReason() ?? (cliBuilt() ? null : "kernel tests skipped: podpath is not built (npm run build)");
/** Each packet a few times (unless it says), from different source ports, so one lost probe cannot pass unnoticed. */
const REPEAT = 3;

describe.skipIf(unsupported !== null)("behaviour nodes against the kernel", () => {
  test.each(Object.keys(KERNEL_PACKETS) as (keyof typeof NODES)[])("%s", async (name) => {
    const dir = mkdtempSync(join(tmpdir(), `pp-kernel-${name}-`));
    try {
      writeFileSync(join(dir, "node.txt"), NODES[name]);
      const node = parseInputs([{ node: name, files: [{ name: join(dir, "node.txt"), text: NODES[name] }] }]).nodes[0]!;
      const maker = new ProbeMaker(rng(1), name);
      const probes = (KERNEL_PACKETS[name] ?? []).flatMap((p) => Array.from({ length: p.repeat ?? REPEAT }, () => ({
        ...maker.make(p.src, p.dst, p.proto ?? 6, p.dport ?? 443, p.iif), ...(p.rpFilter === undefined ? {} : { rpFilter: p.rpFilter }),
      })));
      // Peers answer no ARP: every next hop, DNAT target included (a hairpin's is the sender itself),
      // and every sender that an ICMP error or a RST goes back to, is a permanent neighbour.
      const senders = probes.filter((p) => p.iif !== null).map((p) => p.src);
      const neighbours = ["10.0.1.1", ...factsOf(node).dnatTargets, ...senders, ...probes.map((p) => p.dst)];
      const run = await runNode("behaviour", name, node, [join(dir, "node.txt")], probes, neighbours);
      const text = run.disagreements.map((d) => report(d, [dir])).join("\n\n");
      const warned = run.warnings.length > 0 ? `\n  not built as dumped: ${run.warnings.join("; ")}` : "";
      console.log(`${name}: ${run.agreed}/${run.compared} packets agree${warned}${text ? `\n${text}` : ""}`);
      expect(run.compared).toBe(probes.length);
      // A behaviour node is small and exact: anything not built as dumped would make agreement meaningless.
      expect(run.warnings).toEqual([]);
      expect(run.disagreements.length, text).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
