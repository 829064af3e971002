import { describe, it, expect } from "vitest";
import { formatAddress } from "../../src/model/address.js";
import { lowerInterfaces } from "../../src/model/lower-ip-addr.js";
import type { Interface } from "../../src/model/routing.js";
import { parseIpAddrSection } from "../../src/parse/ip-addr.js";
import { lines, sample } from "../parse/ip-samples.js";

function lowerText(text: string) {
  const parsed = parseIpAddrSection(lines(text));
  expect(parsed.diagnostics).toEqual([]);
  return lowerInterfaces(parsed.interfaces);
}

function lowerSamples(...files: string[]) {
  const syntax = files.flatMap((f) => {
    const parsed = parseIpAddrSection(sample(f));
    expect(parsed.diagnostics, f).toEqual([]);
    return parsed.interfaces;
  });
  return lowerInterfaces(syntax);
}

function addrs(iface: Interface | undefined) {
  return iface?.addresses.map((a) => `${formatAddress(a.address)}/${a.prefixLen} ${a.scope}${a.secondary ? " secondary" : ""}${a.label ? ` label ${a.label}` : ""}${a.peer ? ` peer ${a.peer}` : ""}`);
}

describe("lowerInterfaces", () => {
  it("keeps the flags that decide whether the kernel uses an address as a source", () => {
    const { interfaces, diagnostics } = lowerText([
      "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000",
      "    inet6 2001:db8:1::10/64 scope global tentative dadfailed noprefixroute ",
      "       valid_lft forever preferred_lft forever",
      "    inet6 2001:db8:2::10/64 scope global deprecated dynamic mngtmpaddr ",
      "       valid_lft 1000sec preferred_lft 0sec",
      "    inet6 2001:db8:2::1234/64 scope global temporary dynamic ",
      "    inet6 2001:db8:3::10/64 scope global ",
    ].join("\n"));
    expect(diagnostics).toEqual([]);
    expect(interfaces[0]?.addresses.map((a) => a.flags)).toEqual([["tentative", "dadfailed"], ["deprecated"], ["temporary"], []]);
  });

  it("lowers the captured `ip addr`", () => {
    const { interfaces, diagnostics } = lowerSamples("ip-addr.txt");
    expect(diagnostics).toEqual([]);
    expect(interfaces.map((i) => i.name)).toEqual(["lo", "eth0", "eni8ea2c11fe35", "vlan5ff0a9b2c31", "eth1"]);
    const [lo, eth0, eni, , eth1] = interfaces;
    expect(lo).toMatchObject({ index: 1, link: null, state: "UNKNOWN", mtu: 65536, linkType: "link/loopback", flags: ["LOOPBACK", "UP", "LOWER_UP"] });
    expect(addrs(lo)).toEqual(["127.0.0.1/8 host label lo", "::1/128 host"]);
    expect(eth0).toMatchObject({ index: 2, link: "if2", state: "UP", mtu: 1500, linkType: "link/ether" });
    expect(eth0?.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(addrs(eth0)?.slice(0, 4)).toEqual([
      "192.168.1.251/24 global label eth0",
      "192.168.1.252/24 global secondary label eth0",
      "192.168.1.253/24 global secondary label eth0:1",
      "2001:db8::5/64 global",
    ]);
    expect(eni).toMatchObject({ state: "DOWN", flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], addresses: [] });
    expect(eth1?.mtu).toBe(9001);
    expect(addrs(eth1)?.slice(0, 2)).toEqual(["10.9.0.1/32 global label eth1 peer 10.9.0.2/32", "192.168.7.5/24 global label eth1"]);
    expect(eth0?.origin).toMatchObject({ file: "ip-addr.txt", line: 7, column: 1 });
  });

  it("lowers dynamic addresses and link-netnsid", () => {
    const { interfaces, diagnostics } = lowerText([
      "2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000",
      "    link/ether 02:4d:1a:2b:3c:4d brd ff:ff:ff:ff:ff:ff link-netnsid 0",
      "    altname enp0s5",
      "    inet 192.168.1.251/24 metric 1024 brd 192.168.1.255 scope global dynamic ens5",
      "       valid_lft 3172sec preferred_lft 3172sec",
      "    inet 169.254.1.1 peer 169.254.1.2/32 scope link ens5",
      "    inet6 fe80::4d:1aff:fe2b:3c4d/64 scope link proto kernel_ll ",
      "       valid_lft forever preferred_lft forever",
    ].join("\n"));
    expect(diagnostics).toEqual([]);
    expect(interfaces[0]).toMatchObject({ name: "ens5", index: 2, mac: "02:4d:1a:2b:3c:4d", mtu: 9001 });
    expect(addrs(interfaces[0])).toEqual([
      "192.168.1.251/24 global label ens5",
      "169.254.1.1/32 link label ens5 peer 169.254.1.2/32",
      "fe80::4d:1aff:fe2b:3c4d/64 link",
    ]);
  });

  it("lowers brief listings", () => {
    const { interfaces, diagnostics } = lowerSamples("ip-br-addr.txt");
    expect(diagnostics).toEqual([]);
    expect(interfaces[0]).toMatchObject({ name: "lo", state: "UNKNOWN", index: null });
    expect(addrs(interfaces[0])).toEqual(["127.0.0.1/8 host", "::1/128 host"]);
    expect(interfaces[1]).toMatchObject({ name: "eth0", link: "if2", state: "UP" });
    expect(addrs(interfaces[1])).toContain("192.168.1.252/24 global");
    expect(addrs(interfaces[1])?.at(-1)).toMatch(/^fe80::.*\/64 link$/);
    expect(addrs(interfaces[4])?.[0]).toBe("10.9.0.1/32 global peer 10.9.0.2/32");
    const link = lowerSamples("ip-br-link.txt");
    expect(link.diagnostics).toEqual([]);
    expect(link.interfaces[1]).toMatchObject({ name: "eth0", state: "UP", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"] });
    expect(link.interfaces[1]?.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it("merges `ip link`, `ip -br addr` and `ip addr` listings of the same interfaces", () => {
    const { interfaces, diagnostics } = lowerSamples("ip-br-addr.txt", "ip-link.txt", "ip-addr.txt", "ip-br-link.txt");
    expect(diagnostics).toEqual([]);
    expect(interfaces).toHaveLength(5);
    const eth0 = interfaces[1];
    expect(eth0).toMatchObject({ name: "eth0", index: 2, mtu: 1500, linkType: "link/ether", state: "UP" });
    // Addresses are not duplicated, and the full listing's details win over the brief guesses.
    expect(addrs(eth0)?.slice(0, 3)).toEqual([
      "192.168.1.251/24 global label eth0",
      "192.168.1.252/24 global secondary label eth0",
      "192.168.1.253/24 global secondary label eth0:1",
    ]);
    expect(eth0?.addresses).toHaveLength(5);
    expect(eth0?.origin.file).toBe("ip-link.txt");
  });

  it("warns when two listings disagree about one interface", () => {
    const { interfaces, diagnostics } = lowerText("2: eth0: <UP> mtu 1500 state UP\n5: eth0: <UP> mtu 9001 state UP\n");
    expect(interfaces).toHaveLength(1);
    expect(diagnostics.map((d) => [d.line, d.severity])).toEqual([[2, "warning"], [2, "warning"]]);
  });

  it("reports bad addresses with their column and family mismatches", () => {
    const { interfaces, diagnostics } = lowerText([
      "2: eth0: <UP> mtu 1500 state UP",
      "    inet 10.0.0.0/33 scope global eth0",
      "    inet 2001:db8::1/64 scope global eth0",
      "    inet6 10.0.0.1/8 scope global",
      "    inet 10.0.0.1/8 scope global eth0",
      "eth1 UP 10.1.0.1/40",
    ].join("\n"));
    expect(diagnostics.map((d) => [d.line, d.column, d.severity])).toEqual([[2, 10, "error"], [3, 10, "error"], [4, 11, "error"], [6, 9, "error"]]);
    expect(diagnostics[1]?.message).toMatch(/family mismatch/);
    expect(addrs(interfaces[0])).toEqual(["10.0.0.1/8 global label eth0"]);
  });
});
