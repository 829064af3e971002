import { describe, expect, it } from "vitest";
import { parseAddress, type IpAddr } from "../../src/model/address.js";
import { evaluate } from "../../src/eval/evaluate.js";
import type { PacketInput } from "../../src/eval/types.js";
import { traceJson } from "../../src/explain/json.js";
import { factsOf } from "../helpers.js";
import { DEFAULT_RULES, dump, NAT, NODES, ROUTING } from "./semantic-nodes.js";

const ip = (s: string) => parseAddress(s) as IpAddr;

function packet(over: Omit<Partial<PacketInput>, "src" | "dst"> & { src: string; dst: string }): PacketInput {
  const { src, dst, ...rest } = over;
  return { proto: 6, sport: 40000, dport: 443, iif: "eni1", mark: 0, ctstate: "NEW", ctmark: 0, assume: {}, ...rest, src: ip(src), dst: ip(dst) };
}

// Where the kernel can show it (semantic-nodes.ts KERNEL_PACKETS), test/kernel/semantics.test.ts
// checks that the kernel does what these tests expect, on the same nodes and packets.
function trace(node: string, p: PacketInput) {
  const facts = factsOf(node);
  return traceJson(evaluate(facts, p), facts);
}

describe("netfilter traversal", () => {
  it("a user chain that runs off its end returns to its caller", () => {
    const t = trace(NODES.fallOff, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.final.src).toBe("10.0.1.10");
  });

  it("goto does not come back to the chain that jumped", () => {
    const t = trace(NODES.goto, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    // B falls off its end → back to POSTROUTING (A's caller), which SNATs.
    expect(t.snat).toBe(true);
  });

  it("a DROP policy decides when no rule accepts, and the verdict names it", () => {
    const t = trace(NODES.dropPolicy, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.verdict).toBe("dropped");
    expect(t.egress).toBeNull();
    expect(t.explanation).toMatch(/DROP policy of filter FORWARD/);
  });

  it("nat is consulted once per connection: an ESTABLISHED packet skips it", () => {
    const t = trace(NODES.snatAll, packet({ src: "10.0.1.50", dst: "203.0.113.9", ctstate: "ESTABLISHED" }));
    expect(t.snat).toBe(false);
    expect(t.outcomes[0]?.steps).toContainEqual({ type: "nat-skipped", hook: "POSTROUTING", reason: "not-new" });
  });

  it("an untracked (NOTRACK) packet is never NATed", () => {
    const t = trace(NODES.notrack, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.snat).toBe(false);
  });

  it("REJECT and DROP both stop a packet; the verdict tells them apart", () => {
    expect(trace(NODES.reject, packet({ src: "10.0.1.50", dst: "192.0.2.9" })).verdict).toBe("rejected");
    expect(trace(NODES.reject, packet({ src: "10.0.1.50", dst: "198.51.100.9" })).verdict).toBe("rejected");
    expect(trace(NODES.reject, packet({ src: "10.0.1.50", dst: "203.0.113.9" })).verdict).toBe("dropped");
    expect(trace(NODES.reject6, packet({ src: "2001:db8:1::50", dst: "2001:db8:ff00::9" })).verdict).toBe("rejected");
  });

  it("SNAT keeps the source port unless it must or may pick another: then the port is unknown", () => {
    const sport = (dst: string) => trace(NODES.snatPorts, packet({ src: "10.0.1.50", dst, sport: 20001 })).outcomes[0]?.final.sport;
    expect(sport("192.0.2.9")).toBe(20001);
    expect(sport("192.0.2.200")).toBe(20001); // inside --to-ports 20000-29999
    expect(sport("198.51.100.9")).toBe(1024); // a one-port range
    expect(sport("198.51.100.200")).toBeNull(); // outside --to-ports 1024-2047: picked at random in it
    // --random-fully: the VPC CNI's default (AWS_VPC_K8S_CNI_RANDOMIZESNAT=prng) and kube-proxy's masquerade.
    expect(sport("203.0.113.9")).toBeNull();
  });

  it("reads an address list (-d A,B) as iptables-restore loads it: a rule per address", () => {
    expect(trace(NODES.addressList, packet({ src: "10.0.1.50", dst: "192.0.2.9" })).verdict).toBe("dropped");
    expect(trace(NODES.addressList, packet({ src: "10.0.1.50", dst: "198.51.100.7" })).verdict).toBe("dropped");
    expect(trace(NODES.addressList, packet({ src: "10.0.1.50", dst: "203.0.113.9" })).verdict).toBe("forwarded");
  });

  it("NETMAP maps the destination on the way in and the source on the way out, keeping the host bits, and ends nat's chain", () => {
    const inbound = trace(NODES.netmap, packet({ src: "10.0.1.50", dst: "198.51.100.7" }));
    // The new destination is routed: then POSTROUTING masquerades it out of eth0.
    expect(inbound.final).toMatchObject({ dst: "192.0.2.7", src: "10.0.1.10" });
    expect(inbound.egress?.interface).toBe("eth0");
    // The source is mapped, and the MASQUERADE after it is never reached.
    expect(trace(NODES.netmap, packet({ src: "10.0.1.50", dst: "203.0.113.9" })).final).toMatchObject({ src: "10.0.9.2", dst: "203.0.113.9" });
  });

  it("an SNAT to the packet's own address explains whether it changed the port", () => {
    const why = (target: string) =>
      trace(dump(NAT(`-A POSTROUTING -o eth0 -j ${target}`), DEFAULT_RULES), packet({ src: "10.0.1.50", dst: "203.0.113.9" })).explanation;
    expect(why("SNAT --to-source 10.0.1.50")).toMatch(/SNAT: no change; .* maps the connection to its own address and port/);
    expect(why("SNAT --to-source 10.0.1.50 --random-fully")).toMatch(/SNAT: no address change; .* rewrote only the source port/);
  });

  it("MASQUERADE takes the egress interface's primary address", () => {
    const t = trace(NODES.masquerade, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.egress?.interface).toBe("eth1");
    expect(t.final.src).toBe("10.0.1.20");
  });
});

describe("marks feed policy routing", () => {
  it("CONNMARK --set-xmark then --restore-mark makes fwmark rule 1024 route via main", () => {
    const out = trace(NODES.connmark, packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(out.egress?.interface).toBe("eth0");
    const inVpc = trace(NODES.connmark, packet({ src: "10.0.1.50", dst: "10.0.7.7" }));
    expect(inVpc.egress?.interface).toBe("eth1");
  });

  it("--restore-mark overwrites only the masked bits of a mark set earlier", () => {
    const t = trace(NODES.restoreMasked, packet({ src: "10.0.1.50", dst: "203.0.113.9", ctmark: 0x80 }));
    expect(t.outcomes[0]?.steps).toContainEqual(expect.objectContaining({ type: "target", effect: "packet-mark-restored 0x4001 → 0x4081" }));
  });
});

describe("match modules", () => {
  it("multiport, iprange, conntrack's original destination and protocol, icmp type, tcp flags, addrtype, udp ports", () => {
    const src = (over: Parameters<typeof packet>[0]) => trace(NODES.matchModules, packet(over)).final.src;
    expect(src({ src: "10.0.1.50", dst: "203.0.113.9", dport: 8005 })).toBe("10.0.1.10"); // --dports 8000:8010,9000
    expect(src({ src: "10.0.1.50", dst: "203.0.113.9", dport: 9000 })).toBe("10.0.1.10");
    expect(src({ src: "10.0.1.50", dst: "203.0.113.9", dport: 443 })).toBe("10.0.1.50");
    expect(src({ src: "10.0.1.50", dst: "198.51.100.70", dport: 443 })).toBe("10.0.1.50"); // ! --dports 1:1000
    expect(src({ src: "10.0.1.50", dst: "198.51.100.70", dport: 2000 })).toBe("10.0.1.20");
    expect(src({ src: "10.0.1.50", dst: "192.0.2.15" })).toBe("10.0.1.20"); // --dst-range
    // DNATed to 192.0.2.200 in PREROUTING: --ctorigdst still sees 10.100.0.9.
    const dnat = trace(NODES.matchModules, packet({ src: "10.0.1.50", dst: "10.100.0.9", dport: 80 }));
    expect([dnat.final.src, dnat.final.dst]).toEqual(["10.0.1.20", "192.0.2.200"]);
    expect(src({ src: "10.0.1.50", dst: "203.0.113.9", proto: 1 })).toBe("10.0.1.20"); // --icmp-type 8
    expect(src({ src: "10.0.1.50", dst: "198.51.100.9" })).toBe("10.0.1.20"); // a SYN: not ! --syn, but SYN,ACK SYN
    expect(src({ src: "10.0.1.10", dst: "203.0.113.200", iif: null })).toBe("10.0.1.20"); // --src-type LOCAL
    expect(src({ src: "10.0.1.50", dst: "203.0.113.200" })).toBe("10.0.1.50");
    expect(src({ src: "10.0.1.50", dst: "203.0.113.9", proto: 17, dport: 53 })).toBe("10.0.1.20"); // --ctproto udp, not --sport 1:1023
    expect(src({ src: "10.0.1.50", dst: "192.0.2.70" })).toBe("10.0.1.50"); // ! --src-range 10.0.1.40-10.0.1.60
    expect(src({ src: "10.0.1.10", dst: "192.0.2.70", iif: null })).toBe("10.0.1.20");
  });
});

describe("marks and nat targets", () => {
  it("MARK's set, or, and, xor and xmark, and the mark match, as fwmark rules then see them", () => {
    const out = (dst: string) => trace(NODES.markTargets, packet({ src: "10.0.1.50", dst })).egress?.interface;
    expect(out("203.0.113.5")).toBe("eth1"); // 0x10 | 0x1 = 0x11: odd
    expect(out("203.0.113.20")).toBe("eth0"); // 0x11 & 0xfe = 0x10
    expect(out("203.0.113.40")).toBe("eth0"); // 0x10
    expect(out("203.0.113.70")).toBe("eth1"); // (0 & ~0x2) ^ 0x3 = 0x3, ^ 0x1 = 0x2: exactly 0x2
    expect(out("203.0.113.100")).toBe("eth1"); // 0x3: odd
    expect(out("198.51.100.9")).toBe("eth0"); // mark 0 fails ! --mark 0x0/0xffff
    expect(out("198.51.100.200")).toBe("eth1"); // 0x4, then --mark 0x4 adds 0x1
  });

  it("ACCEPT in nat PREROUTING ends the chain before a DNAT; a DNAT may change only the port", () => {
    const run = (dst: string) => trace(NODES.markTargets, packet({ src: "10.0.1.50", dst }));
    expect([run("10.100.0.7").dnat, run("10.100.0.7").final.dst]).toEqual([false, "10.100.0.7"]);
    expect(run("10.100.0.8").final.dst).toBe("192.0.2.9");
    expect(run("10.100.1.5").outcomes[0]?.final).toMatchObject({ dst: "10.100.1.5", dport: 8080 });
  });
});

describe("MASQUERADE out of a device with no address", () => {
  it("takes the first global address in ifindex order, passing over a link-scoped one", () => {
    const t = trace(NODES.masqueradeFallback, packet({ src: "203.0.113.9", dst: "10.0.1.50", iif: "eth0" }));
    expect([t.egress?.interface, t.final.src]).toEqual(["eni1", "10.0.1.10"]);
  });
});

describe("martians: what the kernel refuses on arrival from the addresses alone", () => {
  const run = (src: string, dst: string, over: Omit<Partial<PacketInput>, "src" | "dst"> = {}, node: string = NODES.martians) => trace(node, packet({ src, dst, proto: 17, dport: 53, ...over }));

  it("drops multicast, limited-broadcast and 0.0.0.0 sources and a 0.0.0.0 destination; the rest of 0.0.0.0/8 is unicast", () => {
    for (const src of ["224.0.0.5", "255.255.255.255", "0.0.0.0"]) {
      const t = run(src, "203.0.113.9");
      expect(t.verdict).toBe("dropped");
      expect(t.explanation).toMatch(/^Dropped as a martian source\.\nRefused on arrival as a martian source/);
    }
    expect(run("10.0.1.50", "0.0.0.0").verdict).toBe("dropped");
    expect(run("10.0.1.50", "0.1.2.3").egress?.interface).toBe("eth0");
    expect(run("10.0.1.50", "203.0.113.9").egress?.interface).toBe("eth0");
  });

  it("delivers the limited broadcast address locally, with no route lookup", () => {
    const t = run("10.0.1.50", "255.255.255.255");
    expect(t.verdict).toBe("delivered-locally");
    expect(t.explanation).toMatch(/255\.255\.255\.255 is the limited broadcast address/);
  });

  it("a loopback address from outside depends on route_localnet: assumed 0 without kube-proxy, 1 with it, or given", () => {
    const toLo = run("10.0.1.50", "127.0.0.1");
    expect(toLo.verdict).toBe("dropped");
    expect(toLo.outcomes[0]?.assumptions).toContain("route_localnet is 0 (no dump shows it: the kernel's default; --assume route_localnet=true for the other answer)");
    expect(run("127.0.0.5", "203.0.113.9").verdict).toBe("dropped");
    expect(run("10.0.1.50", "127.0.0.1", { assume: { route_localnet: true } }).verdict).toBe("delivered-locally");
    // Forwarded only without the reverse-path check: its way back does not go out of the pod's veth.
    expect(run("127.0.0.5", "203.0.113.9", { assume: { route_localnet: true }, rpFilter: 0 }).egress?.interface).toBe("eth0");
    expect(run("127.0.0.5", "203.0.113.9", { assume: { route_localnet: true } }).verdict).toBe("dropped");
    const kube = run("10.0.1.50", "127.0.0.1", {}, dump(NAT(":KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES"), DEFAULT_RULES));
    expect(kube.verdict).toBe("delivered-locally");
    expect(kube.outcomes[0]?.assumptions).toContain("route_localnet is 1 (no dump shows it: kube-proxy sets it to 1 for localhost NodePorts; --assume route_localnet=false for the other answer)");
    // Nothing to assume when no loopback address is involved.
    expect(run("10.0.1.50", "203.0.113.9").outcomes[0]?.assumptions.join("\n")).not.toMatch(/route_localnet/);
  });

  it("with kube-proxy (route_localnet 1), loopback addresses arrive, and its KUBE-FIREWALL rule is what drops a pod's packet to 127.0.0.1", () => {
    const kube = (src: string, dst: string, over: Omit<Partial<PacketInput>, "src" | "dst"> = {}) => run(src, dst, over, NODES.martiansKube);
    expect(kube("10.0.1.50", "127.0.0.1").explanation).toMatch(/^Dropped by rule 1 of filter KUBE-FIREWALL/);
    expect(kube("127.0.0.5", "127.0.0.1", { rpFilter: 0 }).verdict).toBe("delivered-locally");
    expect(kube("127.0.0.5", "203.0.113.9", { rpFilter: 0 }).egress?.interface).toBe("eth0");
    // With rp_filter (loose, assumed), a loopback source from a pod's veth has no way back through it.
    for (const dst of ["127.0.0.1", "203.0.113.9"]) {
      const t = kube("127.0.0.5", dst);
      expect(t.verdict).toBe("dropped");
      expect(t.explanation).toMatch(/martian source: rp_filter 2 \(loose\) on eni1, which has no IPv4 address/);
    }
  });

  it("a source of the node's own arriving from outside is a martian unless accept_local is 1", () => {
    for (const [src, dst, iif] of [["10.0.1.10", "203.0.113.9", "eth0"], ["10.0.1.20", "203.0.113.9", "eni1"], ["10.0.1.20", "10.0.1.10", "eni1"]] as const) {
      for (const rpFilter of [0, 2] as const) {
        const t = run(src, dst, { iif, rpFilter });
        expect(t.verdict, `${src} → ${dst} on ${iif}, rp_filter ${rpFilter}`).toBe("dropped");
        expect(t.explanation).toMatch(/martian source: one of this node's own addresses arriving from outside, with accept_local 0|no IPv4 address/);
      }
    }
    // accept_local 1 lets the source in when its way back is the arrival interface (or not checked).
    const own = run("10.0.1.10", "203.0.113.9", { iif: "eth0" });
    expect(own.outcomes[0]?.assumptions).toContain("accept_local is 0 (no dump shows it: the kernel's default); with 1 it is accepted (--assume accept_local=true)");
    expect(run("10.0.1.10", "203.0.113.9", { iif: "eth0", assume: { accept_local: true } }).egress?.interface).toBe("eth0");
    expect(run("10.0.1.20", "203.0.113.9", { iif: "eni1", assume: { accept_local: true }, rpFilter: 0 }).egress?.interface).toBe("eth0");
    // With the CNI's ip rules the kernel looks the source up: 127.0.0.5 is local there (127.0.0.0/8).
    const rules = (src: string, dst: string, iif: string) => run(src, dst, { iif }, NODES.martiansKubeRules);
    expect(rules("127.0.0.5", "203.0.113.9", "eni1").verdict).toBe("dropped");
    expect(rules("10.0.1.20", "203.0.113.9", "eth0").verdict).toBe("dropped");
    expect(rules("203.0.113.7", "10.0.1.50", "eth0").egress?.interface).toBe("eni1");
  });

  it("IPv6 refuses ::1, a multicast source and interface-local or scope-0 multicast on receipt, before PREROUTING", () => {
    const run6 = (src: string, dst: string) => trace(NODES.martians6, packet({ src, dst, proto: 17, dport: 53 }));
    for (const [src, dst] of [["2001:db8:1::50", "::1"], ["::1", "2001:db8:ff00::9"], ["ff02::1", "2001:db8:ff00::9"], ["2001:db8:1::50", "ff01::1"], ["2001:db8:1::50", "ff00::1"]] as const) {
      const t = run6(src, dst);
      expect(t.verdict, `${src} → ${dst}`).toBe("dropped");
      // mangle PREROUTING would have marked it: it never ran.
      expect(t.outcomes[0]?.steps.some((s) => s.type === "hook")).toBe(false);
    }
    const ok = run6("::ffff:10.0.1.50", "2001:db8:ff00::9");
    expect([ok.verdict, ok.final.src]).toEqual(["forwarded", "::ffff:10.0.1.50"]);
  });
});

describe("IPv4 multicast on arrival", () => {
  const run = (src: string, dst: string, iif = "eni1") => trace(NODES.multicast4, packet({ src, dst, iif, proto: 17, dport: 53 }));

  it("delivers the all-hosts group 224.0.0.1, which every interface joins, through INPUT", () => {
    for (const [src, iif] of [["10.0.1.50", "eni1"], ["203.0.113.7", "eth0"]] as const) {
      const t = run(src, "224.0.0.1", iif);
      expect(t.verdict).toBe("delivered-locally");
      expect(t.explanation).toMatch(/224\.0\.0\.1 is the all-hosts multicast group/);
    }
    expect(run("203.0.113.66", "224.0.0.1", "eth0").explanation).toMatch(/^Dropped by rule 1 of filter INPUT/);
  });

  it("drops any other group, says it assumed no membership, and never forwards", () => {
    for (const [dst, iif] of [["239.1.2.3", "eni1"], ["224.0.0.251", "eni1"], ["239.1.2.3", "eth1"]] as const) {
      const t = run(iif === "eth1" ? "203.0.113.7" : "10.0.1.50", dst, iif);
      expect(t.verdict, `${dst} on ${iif}`).toBe("dropped");
      expect(t.explanation).toMatch(/^Dropped: a multicast group not joined here\.\nNot delivered: .* is a multicast group .* has not joined/);
      expect(t.outcomes[0]?.assumptions).toContain(`${iif} has not joined multicast group ${dst} (no dump shows memberships; ip maddr show dev ${iif} lists them)`);
      expect(t.outcomes[0]?.steps.some((s) => s.type === "hook" && s.hook === "FORWARD")).toBe(false);
    }
  });
});

describe("IPv6 multicast on arrival", () => {
  it("delivers the groups the kernel joins by itself, and drops the others", () => {
    const run = (dst: string, src = "2001:db8:1::50", iif = "eni1") => trace(NODES.multicast6, packet({ src, dst, iif, proto: 17, dport: 53 }));
    // all-nodes, all-routers (forwarding is on), eni1's solicited-node group (fe80::30), eth0's (::10)
    for (const [dst, src, iif] of [["ff02::1"], ["ff02::2"], ["ff02::1:ff00:30"], ["ff02::1:ff00:10", "2001:db8:ff00::7", "eth0"]]) {
      expect(run(dst as string, src, iif).verdict, dst).toBe("delivered-locally");
    }
    // DHCP servers, a global group, and eth1's solicited-node group arriving on eth0
    for (const [dst, src, iif] of [["ff05::1:3"], ["ff0e::1234"], ["ff02::1:ff00:20", "2001:db8:ff00::7", "eth0"]]) {
      const t = run(dst as string, src, iif);
      expect(t.verdict, dst).toBe("dropped");
      expect(t.outcomes[0]?.assumptions).toContain(`${iif ?? "eni1"} has not joined multicast group ${dst} (no dump shows memberships; ip maddr show dev ${iif ?? "eni1"} lists them)`);
    }
  });
});

describe("IPv6 link-local addresses in forwarding", () => {
  it("routes a link-local destination on the arrival interface; forwards no link-local or unspecified source elsewhere", () => {
    const run = (src: string, dst: string, iif = "eni1") => trace(NODES.linkLocal6, packet({ src, dst, iif, proto: 17, dport: 53 }));
    expect(run("2001:db8:1::50", "fe80::99").egress?.interface).toBe("eni1");
    expect(run("2001:db8:ff00::7", "fe80::99", "eth1").egress?.interface).toBe("eth1");
    expect(run("fe80::99", "2001:db8:ff00::9").verdict).toBe("unroutable");
    expect(run("fe80::99", "2001:db8:ff00::9").explanation).toMatch(/Not forwarded: a link-local source is not forwarded to another interface/);
    expect(run("::", "2001:db8:ff00::9").verdict).toBe("dropped");
    // Back out of its arrival interface, the kernel forwards it (and sends a redirect).
    expect(run("fe80::99", "2001:db8:ff00::9", "eth0").egress?.interface).toBe("eth0");
  });
});

describe("the reverse-path check (rp_filter), after the route is found", () => {
  // The probes of semantic-nodes.ts RP_PROBES, in order: where each leaves, or "dropped".
  const probes: [string, string, string][] = [
    ["203.0.113.7", "10.0.1.60", "eth1"], ["10.0.5.5", "10.0.1.60", "eth1"], ["203.0.113.7", "10.0.1.50", "eth0"],
    ["203.0.113.7", "10.0.1.50", "eth1"], ["198.51.100.7", "10.0.1.50", "eth0"], ["10.0.1.50", "203.0.113.9", "eni1"],
    ["10.0.1.60", "203.0.113.9", "eni1"],
  ];
  const answers = (rpFilter: 0 | 1 | 2 | undefined) => probes.map(([src, dst, iif]) => {
    const t = trace(NODES.rpLoose, packet({ src, dst, iif, ...(rpFilter === undefined ? {} : { rpFilter }) }));
    return t.verdict === "forwarded" ? t.egress?.interface : t.verdict;
  });

  it("strict (1): the way back must leave by the arrival interface", () => {
    expect(answers(1)).toEqual(["dropped", "eni2", "eni1", "dropped", "dropped", "eth0", "dropped"]);
  });

  it("loose (2, assumed): a way back must exist, and leave by the arrival interface when that has no address", () => {
    expect(answers(undefined)).toEqual(["eni2", "eni2", "eni1", "eni1", "dropped", "eth0", "dropped"]);
    expect(answers(2)).toEqual(answers(undefined));
  });

  it("off (0): only the source's own checks", () => {
    expect(answers(0)).toEqual(["eni2", "eni2", "eni1", "eni1", "eni1", "eth0", "eth0"]);
  });

  it("off, with the default rules: interface addresses only — unless a local route the kernel did not make exists", () => {
    const run = (src: string) => trace(NODES.customLocal, packet({ src, dst: "10.0.1.50", iif: "eth0", proto: 17, dport: 53, rpFilter: 0 }));
    expect(run("203.0.113.7").egress?.interface).toBe("eni1");
    const t = run("198.51.100.7");
    expect(t.verdict).toBe("dropped");
    expect(t.explanation).toMatch(/martian source: one of this node's own addresses/);
  });

  it("says what it assumed where another value would change the verdict, and why a drop happened", () => {
    // An NLB keeping the client's IP, to the secondary ENI's pod: Amazon Linux 2's strict eth1 drops it.
    const nlb = trace(NODES.rpLoose, packet({ src: "203.0.113.7", dst: "10.0.1.60", iif: "eth1" }));
    expect(nlb.outcomes[0]?.assumptions.find((a) => a.startsWith("rp_filter"))).toBe(
      "rp_filter is 2 (loose) on eth1 (no dump shows it: the VPC CNI sets 2 on the primary ENI, systemd-based images (Amazon Linux 2023) on every interface; Amazon Linux 2 leaves the others at 1); " +
      "with 1 (strict) it is dropped: rp_filter 1 (strict) on eth1: the way back to the source leaves by eth0 (table main), not eth1 (--assume rp_filter=1)");
    const strict = trace(NODES.rpLoose, packet({ src: "203.0.113.7", dst: "10.0.1.60", iif: "eth1", rpFilter: 1 }));
    expect(strict.explanation).toMatch(/^Dropped as a martian source\.\nRefused on arrival as a martian source: rp_filter 1 \(strict\) on eth1: the way back to the source leaves by eth0 \(table main\), not eth1\. The kernel drops it in its input route check, after the route is found/);
    const unreachable = trace(NODES.rpLoose, packet({ src: "198.51.100.7", dst: "10.0.1.50", iif: "eth0" }));
    expect(unreachable.explanation).toMatch(/rp_filter 2 \(loose\) on eth0: no route back to the source \(unreachable\)/);
    // Nothing to assume where every value gives the same answer.
    const vpc = trace(NODES.rpLoose, packet({ src: "10.0.5.5", dst: "10.0.1.60", iif: "eth1" }));
    expect(vpc.outcomes[0]?.assumptions.join("\n")).not.toMatch(/rp_filter/);
  });
});

describe("local paths", () => {
  const run = (over: Parameters<typeof packet>[0]) => trace(NODES.localPaths, packet(over));

  it("REDIRECT on an interface with no IPv4 address (a pod veth) drops the packet", () => {
    expect(run({ src: "10.0.1.50", dst: "203.0.113.9", dport: 8080 }).verdict).toBe("dropped");
  });

  it("INPUT's DROP and REJECT decide for packets to the node; other ports are delivered", () => {
    expect(run({ src: "10.0.1.50", dst: "10.0.1.10", dport: 9999 }).verdict).toBe("dropped");
    expect(run({ src: "10.0.1.50", dst: "10.0.1.10", dport: 9998 }).verdict).toBe("rejected");
    expect(run({ src: "10.0.1.50", dst: "10.0.1.10", dport: 443 }).verdict).toBe("delivered-locally");
  });

  it("nat OUTPUT DNATs the node's own packets; ! -o eth+ SNATs what leaves by a pod veth", () => {
    const dnat = run({ src: "10.0.1.10", dst: "10.100.0.9", iif: null, dport: 80 });
    expect([dnat.verdict, dnat.final.src, dnat.final.dst, dnat.outcomes[0]?.final.dport]).toEqual(["sent", "10.0.1.10", "192.0.2.9", 8080]);
    const toPod = run({ src: "10.0.1.10", dst: "10.0.1.50", iif: null });
    expect([toPod.egress?.interface, toPod.final.src]).toEqual(["eni1", "10.0.1.20"]);
  });

  it("FORWARD matches both interfaces; filter OUTPUT rejects the node's own packets", () => {
    expect(run({ src: "10.0.1.50", dst: "203.0.113.9", proto: 17, dport: 53 }).verdict).toBe("dropped");
    expect(run({ src: "10.0.1.50", dst: "203.0.113.9" }).verdict).toBe("forwarded");
    expect(run({ src: "10.0.1.10", dst: "192.0.2.200", iif: null }).verdict).toBe("rejected");
  });
});

describe("policy routing", () => {
  it("throw continues with the next rule; blackhole drops; unreachable is unroutable", () => {
    const run = (dst: string) => trace(NODES.routeTypes, packet({ src: "10.0.1.50", dst }));
    expect(run("203.0.113.9").egress?.interface).toBe("eth0");
    expect(run("198.51.100.1").verdict).toBe("dropped");
    expect(run("192.0.2.1").verdict).toBe("unroutable");
  });

  it("ip rule selectors and actions: ipproto, dport, iif, suppress_prefixlength, goto, nop, prohibit, blackhole", () => {
    // rp_filter 0: the reverse-path check (its own tests below) would drop some of these on the way in.
    const run = (over: Parameters<typeof packet>[0]) => trace(NODES.ruleSelectors, packet({ rpFilter: 0, ...over }));
    const out = (over: Parameters<typeof packet>[0]) => run(over).egress?.interface;
    expect(out({ src: "10.0.1.50", dst: "203.0.113.9", proto: 17, dport: 53 })).toBe("eth1"); // ipproto udp
    expect(out({ src: "10.0.1.10", dst: "192.0.2.200", iif: null, proto: 17, dport: 53 })).toBe("eth1");
    expect(out({ src: "10.0.1.50", dst: "203.0.113.9", dport: 8080 })).toBe("eth1"); // dport 8000-8100
    expect(out({ src: "10.0.1.50", dst: "203.0.113.9" })).toBe("eth0"); // past the nop rule to main
    // Table 2's only route there is its default (prefix length 0): suppressed, so main decides.
    expect(out({ src: "10.0.1.50", dst: "198.51.100.9" })).toBe("eth0");
    expect(out({ src: "10.0.1.50", dst: "198.51.100.200" })).toBe("eth1"); // iif eni1
    expect(out({ src: "10.0.1.10", dst: "198.51.100.200", iif: null })).toBe("eth0"); // iif lo
    expect(out({ src: "10.0.1.50", dst: "192.0.2.200" })).toBe("eth0"); // goto 150 skips 140
    expect(out({ src: "10.0.1.50", dst: "192.0.2.9" })).toBe("eth1");
    expect(run({ src: "10.0.1.50", dst: "203.0.113.200" }).verdict).toBe("unroutable"); // prohibit
    expect(run({ src: "10.0.1.50", dst: "203.0.113.40" }).verdict).toBe("dropped"); // blackhole
  });

  it("uses the kernel's default rules when no ip rule listing was given, and says so", () => {
    const facts = factsOf(ROUTING);
    const t = traceJson(evaluate(facts, packet({ src: "10.0.1.50", dst: "203.0.113.9" })), facts);
    expect(t.egress?.interface).toBe("eth0");
    expect(t.outcomes[0]?.assumptions.join("\n")).toMatch(/kernel's defaults/);
  });

  it("a node-generated packet is routed with iif lo and leaves as sent", () => {
    const t = trace(NODES.plain, packet({ src: "10.0.1.10", dst: "203.0.113.9", iif: null }));
    expect(t.verdict).toBe("sent");
    expect(t.egress?.interface).toBe("eth0");
  });

  it("a packet to a node address is delivered locally and has no egress", () => {
    const t = trace(NODES.plain, packet({ src: "10.0.1.50", dst: "10.0.1.20" }));
    expect(t.verdict).toBe("delivered-locally");
    expect(t.egress).toBeNull();
  });
});

describe("what a dump cannot tell is explored, not guessed", () => {
  it("kube-proxy's statistic chain yields one outcome per endpoint with the right probabilities", () => {
    const t = trace(NODES.statistic, packet({ src: "10.0.1.50", dst: "10.100.0.5", dport: 80 }));
    const byDst = Object.fromEntries(t.outcomes.map((o) => [o.final.dst, o.probability]));
    expect(Object.keys(byDst).sort()).toEqual(["10.0.1.50", "10.0.9.2", "10.0.9.3"]);
    for (const p of Object.values(byDst)) expect(p).toBeCloseTo(1 / 3, 6);
    expect(t.final.dst).toBeNull();
    expect(t.dnat).toBe(true);
  });

  it("an ipset match forks into both answers, unless --assume answers it", () => {
    const rules = NAT("-A POSTROUTING -m set --match-set NO-SNAT dst -j RETURN\n-A POSTROUTING -j SNAT --to-source 10.0.1.10");
    const both = trace(dump(rules, DEFAULT_RULES), packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(both.outcomes.map((o) => o.snat).sort()).toEqual([false, true]);
    expect(both.snat).toBeNull();
    const given = trace(dump(rules, DEFAULT_RULES), packet({ src: "10.0.1.50", dst: "203.0.113.9", assume: { set: false } }));
    expect(given.outcomes).toHaveLength(1);
    expect(given.snat).toBe(true);
  });

  it("a queue target's packet is accepted or dropped by the program reading the queue: both outcomes, each saying so", () => {
    const t = trace(NODES.queue, packet({ src: "10.0.1.50", dst: "192.0.2.9" }));
    expect(t.outcomes.map((o) => o.verdict).sort()).toEqual(["dropped", "forwarded"]);
    expect(t.verdict).toBeNull();
    for (const o of t.outcomes) {
      const taken = o.verdict === "dropped" ? "dropping it" : "accepting it";
      const answer = o.verdict === "dropped" ? "false" : "true";
      expect(o.assumptions).toContainEqual(expect.stringMatching(new RegExp(`^NFQUEUE of rule 1 of filter FORWARD .* hands the packet to the program reading its queue .*; taken as ${taken} \\(--assume NFQUEUE=${answer} keeps only this outcome\\)$`)));
    }
    // The user may say what the program does.
    const accepted = trace(NODES.queue, packet({ src: "10.0.1.50", dst: "192.0.2.9", assume: { NFQUEUE: true } }));
    expect(accepted.outcomes.map((o) => o.verdict)).toEqual(["forwarded"]);
    expect(accepted.outcomes[0]?.assumptions).toContainEqual(expect.stringMatching(/^given: NFQUEUE of rule 1 .*; taken as accepting it$/));
    expect(trace(NODES.queue, packet({ src: "10.0.1.50", dst: "192.0.2.9", assume: { NFQUEUE: false } })).verdict).toBe("dropped");
    // Accepted means accepted: the DROP after --queue-bypass's rule is not reached.
    const bypass = trace(NODES.queue, packet({ src: "10.0.1.50", dst: "198.51.100.9" }));
    expect(bypass.outcomes.map((o) => o.verdict)).toEqual(["dropped", "forwarded"]);
    expect(bypass.outcomes[0]?.explanation).toMatch(/^Dropped by rule 2 of filter FORWARD /);
    expect(trace(NODES.queue, packet({ src: "10.0.1.50", dst: "203.0.113.9" })).verdict).toBe("forwarded");
  });

  it("a target that was not read (a jump to no chain) may go on, accept or drop: three outcomes", () => {
    const rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j GHOST\n-A FORWARD -j REJECT\nCOMMIT";
    const t = trace(dump(rules, DEFAULT_RULES), packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.outcomes.map((o) => o.verdict).sort()).toEqual(["dropped", "forwarded", "rejected"]);
    const rejected = t.outcomes.find((o) => o.verdict === "rejected");
    expect(rejected?.assumptions).toContainEqual(expect.stringMatching(/^GHOST of rule 1 of filter FORWARD .* was not read \(iptables-restore refuses it: see the error on its line\); taken as letting it go on to the next rule$/));
  });

  it("stops a pathological fan-out and says so", () => {
    const chain = Array.from({ length: 20 }, (_, i) => `-A POSTROUTING -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${i + 1}/0xff`).join("\n");
    const rules = `*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${chain}\nCOMMIT`;
    const t = trace(dump(rules, DEFAULT_RULES), packet({ src: "10.0.1.50", dst: "203.0.113.9" }));
    expect(t.truncated).toBe(true);
    expect(t.outcomes.length).toBeLessThanOrEqual(256);
  });
});

describe("IPv6 (an EKS IPv6 node: pods on the ENI's prefix, link-local gateways)", () => {
  const pod = (dst: string, over: Omit<Partial<PacketInput>, "src" | "dst"> = {}) => packet({ src: "2001:db8:1::50", dst, ...over });

  it("routes by the main table, through a link-local gateway", () => {
    const t = trace(NODES.plain6, pod("2001:db8:ff00::9"));
    expect(t.verdict).toBe("forwarded");
    expect(t.egress).toMatchObject({ interface: "eth0", gateway: "fe80::1", table: "main" });
  });

  it("delivers to the node's own address, and sends the node's packets out by the main table", () => {
    expect(trace(NODES.plain6, pod("2001:db8:1::20")).verdict).toBe("delivered-locally");
    const own = trace(NODES.plain6, packet({ src: "2001:db8:1::10", dst: "2001:db8:ff00::9", iif: null }));
    expect(own.verdict).toBe("sent");
    expect(own.egress?.interface).toBe("eth0");
  });

  it("follows `ip -6 rule` to the pod's table, even for its own subnet", () => {
    expect(trace(NODES.policy6, pod("2001:db8:ff00::9")).egress?.interface).toBe("eth1");
    expect(trace(NODES.policy6, pod("2001:db8:1::60")).egress).toMatchObject({ interface: "eth1", table: "2" });
  });

  it("applies ip6tables SNAT, MASQUERADE (the egress interface's global address), DNAT and NETMAP", () => {
    expect(trace(NODES.snat6, pod("2001:db8:ff00::9")).final.src).toBe("2001:db8:1::10");
    const masq = trace(NODES.masquerade6, pod("2001:db8:ff00::9"));
    expect(masq.egress?.interface).toBe("eth1");
    expect(masq.final.src).toBe("2001:db8:1::20");
    expect(trace(NODES.netmap6, pod("2001:db8:ff10::7")).final.dst).toBe("2001:db8:ff20::7");
    expect(trace(NODES.netmap6, pod("2001:db8:ff30::9")).final.src).toBe("2001:db8:1:5::50");
    const dnat = trace(NODES.dnat6, pod("fd00:100::5", { dport: 80 }));
    expect(dnat.final.dst).toBe("2001:db8:9::2");
    expect(dnat.outcomes[0]?.final.dport).toBe(8080);
  });

  it("MASQUERADE on IPv6 picks its source as the kernel does: scope, not deprecated or tentative, outgoing interface, label, longest prefix", () => {
    const src = (dst: string) => trace(NODES.masqueradeSelect6, pod(dst)).final.src;
    expect(src("2001:db8:ff00::9")).toBe("2001:db8:ff00::10");
    // fd00::/7 sources carry the ULA label (5), which only ULA destinations share.
    expect(src("fd00:9::9")).toBe("fd00:1::10");
    // The longest match is deprecated, the next tentative (not an address yet): both passed over.
    expect(src("2001:db8:ff01::9")).toBe("2001:db8:ff00::10");
    expect(src("2001:db8:ff02::9")).toBe("2001:db8:ff00::10");
    // eth1's address matches further, but the packet leaves by eth0, whose addresses come first.
    expect(src("2001:db8:ff03::9")).toBe("2001:db8:ff00::10");
    // Leaving by eth2, which has only a link-local address: the best global address of any interface.
    const viaEth2 = trace(NODES.masqueradeSelect6, pod("2001:db8:ff03:1::9"));
    expect(viaEth2.egress?.interface).toBe("eth2");
    expect(viaEth2.final.src).toBe("2001:db8:ff03::20");
  });

  it("REDIRECT on IPv6 takes the arrival interface's first assigned address of the destination's scope", () => {
    const inbound = (src: string, dst: string) => trace(NODES.redirect6, packet({ src, dst, iif: "eth0", dport: 8080 }));
    // eth0 lists a tentative address first: not assigned yet, so passed over.
    const global = inbound("2001:db8:ff00::7", "2001:db8:ee00::9");
    expect(global.outcomes[0]).toMatchObject({ verdict: "delivered-locally", final: { dst: "2001:db8:1::10", dport: 9090 } });
    expect(inbound("fe80::7", "fe80::99").outcomes[0]?.final.dst).toBe("fe80::10");
  });

  it("kube-proxy's ip6tables rules: a ClusterIP splits over its endpoints, the hairpin is masqueraded", () => {
    const t = trace(NODES.kubeProxy6, pod("fd00:100::10", { dport: 80 }));
    const byDst = Object.fromEntries(t.outcomes.map((o) => [o.final.dst, o]));
    expect(Object.keys(byDst).sort()).toEqual(["2001:db8:1::50", "2001:db8:9::2"]);
    expect(byDst["2001:db8:1::50"]).toMatchObject({ snat: true, final: { src: "2001:db8:1::10", dport: 8080 }, egress: { interface: "eni1" } });
    expect(byDst["2001:db8:9::2"]).toMatchObject({ snat: false, egress: { interface: "eth0" } });
  });

  it("a DROP policy in ip6tables filter FORWARD drops what no rule accepts", () => {
    expect(trace(NODES.dropPolicy6, pod("2001:db8:ff00::9")).verdict).toBe("forwarded");
    expect(trace(NODES.dropPolicy6, pod("2001:db8:eeee::9")).verdict).toBe("dropped");
  });
});
