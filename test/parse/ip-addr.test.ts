import { describe, it, expect } from "vitest";
import { parseIpAddrSection } from "../../src/parse/ip-addr.js";
import { lines, sample } from "./ip-samples.js";

describe("parseIpAddrSection", () => {
  it("parses captured full and brief listings of addresses and links", () => {
    for (const [file, count] of [["ip-addr.txt", 5], ["ip-c-addr.txt", 5], ["ip-link.txt", 5], ["ip-br-addr.txt", 5], ["ip-c-br-addr.txt", 5], ["ip-br-link.txt", 5]] as const) {
      const { interfaces, diagnostics } = parseIpAddrSection(sample(file));
      expect(diagnostics, file).toEqual([]);
      expect(interfaces, file).toHaveLength(count);
    }
  });

  it("attaches continuation lines to their header", () => {
    const { interfaces } = parseIpAddrSection(sample("ip-addr.txt"));
    const eth0 = interfaces[1];
    expect(eth0?.format).toBe("full");
    if (eth0?.format !== "full") return;
    expect(eth0.header.name.text).toBe("eth0");
    expect(eth0.header.link?.text).toBe("if2");
    expect(eth0.continuations.map((c) => c.line.kind)).toEqual([
      "link", "altname", "addr", "lifetime", "addr", "lifetime", "addr", "lifetime", "addr", "lifetime", "addr", "lifetime",
    ]);
    expect(eth0.continuations[0]?.origin.line).toBe(8);
  });

  it("gives one diagnostic per bad line and goes on", () => {
    const text = [
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
      "    inet scope host lo",
      "    inet 127.0.0.1/8 scope host lo",
      "2: eth0: BROADCAST mtu 1500",
      "    inet 10.0.0.1/8 scope global eth0",
      "eth1 SIDEWAYS 10.1.0.1/24",
      "eth2 UP 10.2.0.1/24",
    ].join("\n");
    const { interfaces, diagnostics } = parseIpAddrSection(lines(text));
    expect(diagnostics.map((d) => [d.line, d.column])).toEqual([[2, 10], [4, 10], [6, 6]]);
    expect(interfaces.map((i) => (i.format === "full" ? i.header.name.text : i.brief.name.text))).toEqual(["lo", "eth2"]);
  });

  it("warns once about indented lines with no header above them", () => {
    const { interfaces, diagnostics } = parseIpAddrSection(lines("    inet 10.0.0.1/8 scope global eth0\n       valid_lft forever preferred_lft forever\n"));
    expect(interfaces).toEqual([]);
    expect(diagnostics.map((d) => [d.line, d.severity])).toEqual([[1, "warning"]]);
  });
});
