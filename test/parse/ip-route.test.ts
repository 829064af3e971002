import { describe, it, expect } from "vitest";
import { parseIpRouteSection } from "../../src/parse/ip-route.js";
import { lines, sample } from "./ip-samples.js";

describe("parseIpRouteSection", () => {
  it("parses captured `ip route show table all` output, grouping nexthop lines with their route", () => {
    const { routes, diagnostics } = parseIpRouteSection(sample("ip-route-table-all.txt"), null);
    expect(diagnostics).toEqual([]);
    expect(routes).toHaveLength(36);
    const multipath = routes.find((r) => r.dst.text === "10.50.0.0/16");
    expect(multipath?.nexthops.map((n) => n.origin.line)).toEqual([10, 11]);
    expect(multipath?.nexthops[0]?.options.map((o) => o.type)).toEqual(["via", "dev", "weight"]);
  });

  it("parses the other captures and hand-written variants without diagnostics", () => {
    for (const [file, family] of [["ip-route.txt", 4], ["ip-6-route-table-all.txt", 6], ["ip-c-route-table-all.txt", null], ["handwritten-route.txt", null]] as const) {
      const { routes, diagnostics } = parseIpRouteSection(sample(file), family);
      expect(diagnostics, file).toEqual([]);
      expect(routes.length, file).toBeGreaterThan(0);
    }
  });

  it("keeps the route type, destination and options with columns", () => {
    const { routes } = parseIpRouteSection(lines("local 192.168.1.251 dev eth0 table local proto kernel scope host src 192.168.1.251\n"), 4);
    const route = routes[0];
    expect(route?.routeType).toEqual({ word: "local", column: 1 });
    expect(route?.dst).toEqual({ text: "192.168.1.251", column: 7 });
    expect(route?.options.map((o) => o.type)).toEqual(["dev", "table", "proto", "scope", "src"]);
  });

  it("gives one diagnostic per bad line and goes on; a bad route's nexthops are not attached elsewhere", () => {
    const text = [
      "default via 192.168.1.1 dev eth0",
      "10.0.0.0/8 via",
      "\tnexthop via 10.0.0.1 dev eth0 weight 1",
      "default proto static metric 100",
      "\tnexthop via weight 1",
      "\tnexthop via 10.0.0.2 dev eth1 weight 1",
      "foo bar baz",
      "blackhole 10.66.0.0/16",
    ].join("\n");
    const { routes, diagnostics } = parseIpRouteSection(lines(text), null);
    expect(routes.map((r) => r.dst.text)).toEqual(["default", "default", "10.66.0.0/16"]);
    expect(routes[1]?.nexthops).toHaveLength(1);
    expect(diagnostics.map((d) => [d.line, d.column])).toEqual([[2, 15], [5, 14], [7, 1]]);
    for (const d of diagnostics) expect(d.column).toBeLessThanOrEqual(d.excerpt.length + 1);
  });

  it("reports a nexthop line with no route above it", () => {
    const { routes, diagnostics } = parseIpRouteSection(lines("\tnexthop via 10.0.0.1 dev eth0 weight 1\n"), null);
    expect(routes).toEqual([]);
    expect(diagnostics.map((d) => [d.line, d.column, d.severity])).toEqual([[1, 2, "error"]]);
  });
});
