import { describe, it, expect } from "vitest";
import { formatAddress, formatPrefix, type Family } from "../../src/model/address.js";
import { lowerIpRoutes } from "../../src/model/lower-ip-route.js";
import type { Route } from "../../src/model/routing.js";
import { parseIpRouteSection } from "../../src/parse/ip-route.js";
import { lines, sample } from "../parse/ip-samples.js";

function lower(text: string, family: Family | null = null) {
  const parsed = parseIpRouteSection(lines(text), family);
  expect(parsed.diagnostics).toEqual([]);
  return lowerIpRoutes(parsed.routes);
}

function one(text: string, family: Family | null = null): Route {
  const { routes, diagnostics } = lower(text, family);
  expect(diagnostics).toEqual([]);
  expect(routes).toHaveLength(1);
  return routes[0] as Route;
}

/** The fields a user reads off a route, as text. */
function view(r: Route) {
  return {
    family: r.family, table: r.table, type: r.type, dst: formatPrefix(r.dst, true), scope: r.scope, metric: r.metric,
    proto: r.proto, src: r.src && formatAddress(r.src), pref: r.pref,
    nexthops: r.nexthops.map((n) => ({ via: n.gateway && formatAddress(n.gateway), dev: n.dev, weight: n.weight, onlink: n.onlink, flags: n.flags })),
  };
}

describe("lowerIpRoutes", () => {
  it("lowers the captured `ip route show table all` without diagnostics", () => {
    const { routes, diagnostics } = lowerIpRoutes(parseIpRouteSection(sample("ip-route-table-all.txt"), null).routes);
    expect(diagnostics).toEqual([]);
    expect(routes).toHaveLength(36);
    expect(routes.filter((r) => r.family === 6)).toHaveLength(10);
    expect(new Set(routes.map((r) => r.table))).toEqual(new Set(["2", "100", "101", "main", "local"]));
  });

  it("lowers a default route in main and one in table 2", () => {
    expect(view(one("default via 192.168.1.1 dev eth0"))).toMatchObject({
      family: 4, table: "main", type: "unicast", dst: "0.0.0.0/0", scope: "global", metric: 0, proto: null,
      nexthops: [{ via: "192.168.1.1", dev: "eth0", weight: 1, onlink: false, flags: [] }],
    });
    expect(one("default via 192.168.1.1 dev eth1 table 2").table).toBe("2");
    expect(one("default via 192.168.1.1 dev eth1 table 254").table).toBe("main");
  });

  it.each([
    ["192.168.1.150 dev eni8ea2c11fe35 scope link", { dst: "192.168.1.150/32", scope: "link", nexthops: [{ via: null, dev: "eni8ea2c11fe35" }] }],
    ["local 192.168.1.251 dev eth0 table local proto kernel scope host src 192.168.1.251", { type: "local", table: "local", proto: "kernel", scope: "host", src: "192.168.1.251" }],
    ["broadcast 192.168.1.255 dev eth0 table local proto kernel scope link src 192.168.1.251", { type: "broadcast", scope: "link" }],
    ["fe80::/64 dev eth0 proto kernel metric 256 pref medium", { family: 6, dst: "fe80::/64", metric: 256, pref: "medium" }],
    ["multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium", { type: "multicast", family: 6, table: "local" }],
    ["unreachable default dev lo table unspec proto kernel metric 4294967295 error -101 pref medium", { type: "unreachable", family: 6, metric: 4294967295, table: "unspec", nexthops: [] }],
    ["blackhole 10.66.0.0/16", { type: "blackhole", nexthops: [] }],
    ["throw 10.69.0.0/16 table 100", { type: "throw", table: "100", nexthops: [] }],
    ["prohibit 10.68.0.0/16 table 100", { type: "prohibit" }],
    ["anycast fe80:: dev eth0 table local proto kernel metric 0 pref medium", { type: "anycast", dst: "fe80::/128" }],
    ["nat 10.5.0.0/16 via 10.6.0.0 dev eth0", { type: "nat" }],
    ["10.71.0.0/16 via 10.9.9.9 dev eth1 onlink", { nexthops: [{ via: "10.9.9.9", onlink: true, flags: [] }] }],
    ["192.168.1.150 dev eni8ea2c11fe35 table 101 scope link linkdown", { table: "101", nexthops: [{ flags: ["linkdown"] }] }],
    ["10.72.0.0/16 via inet6 fe80::1 dev eth0", { family: 4, nexthops: [{ via: "fe80::1", dev: "eth0" }] }],
    ["default via fe80::1 dev eth0 proto ra metric 1024 expires 299sec hoplimit 64 pref medium", { family: 6, proto: "ra", metric: 1024 }],
    ["10.0.0.0/8 via 10.0.0.1 dev eth0 preference 7", { metric: 7 }],
  ] as const)("%s", (text, expected) => {
    expect(view(one(text))).toMatchObject(expected);
  });

  it("gives `default` the family's zero-length prefix", () => {
    expect(one("unreachable default dev lo metric 4294967295 error -101 pref medium").dst).toEqual({ family: 6, value: 0n, len: 0 });
    expect(one("default via 10.0.0.1 dev eth0").dst).toEqual({ family: 4, value: 0n, len: 0 });
    expect(one("default dev eth0", 6).dst).toEqual({ family: 6, value: 0n, len: 0 });
  });

  it("keeps tos, error, mtu, advmss, expires, nhid and route flags", () => {
    expect(one("10.73.0.0/16 tos 0x08 via 192.168.1.1 dev eth0").tos).toBe(8);
    expect(one("10.70.0.0/16 via 192.168.1.1 dev eth0 mtu lock 9001 advmss 1460").attributes).toEqual({ mtu: "lock 9001", advmss: "1460" });
    expect(one("unreachable ::/96 dev lo metric 1024 error -113 pref medium").attributes).toEqual({ error: "-113" });
    expect(one("default via fe80::1 dev eth0 proto ra metric 1024 expires 299sec pref medium").attributes).toEqual({ expires: "299sec" });
    expect(one("10.0.0.0/24 nhid 12 via 10.0.0.1 dev eth0 proto kernel scope link rt_offload").attributes).toEqual({ nhid: "12", rt_offload: "" });
  });

  it("lowers multipath routes from their nexthop lines", () => {
    const route = one("default proto static metric 100\n\tnexthop via 10.0.0.1 dev eth0 weight 1\n\tnexthop via 10.0.0.2 dev eth1 weight 2 dead linkdown\n");
    expect(view(route)).toMatchObject({
      dst: "0.0.0.0/0", proto: "static", metric: 100,
      nexthops: [
        { via: "10.0.0.1", dev: "eth0", weight: 1, flags: [] },
        { via: "10.0.0.2", dev: "eth1", weight: 2, flags: ["dead", "linkdown"] },
      ],
    });
    const v6 = one("default proto static metric 1024 pref medium\n\tnexthop via fe80::1 dev eth0 weight 1\n\tnexthop via fe80::2 dev eth1 weight 1\n");
    expect(v6.family).toBe(6);
    expect(v6.nexthops).toHaveLength(2);
  });

  it("lowers the hand-written variants without diagnostics", () => {
    const { routes, diagnostics } = lowerIpRoutes(parseIpRouteSection(sample("handwritten-route.txt"), null).routes);
    expect(diagnostics).toEqual([]);
    expect(routes).toHaveLength(10);
  });

  it("reports a bad prefix with its column and drops the route", () => {
    const { routes, diagnostics } = lower("10.0.0.0/33 dev eth0\ndefault via 192.168.1.1 dev eth0\n");
    expect(routes).toHaveLength(1);
    expect(diagnostics.map((d) => [d.line, d.column, d.severity])).toEqual([[1, 1, "error"]]);
    expect(diagnostics[0]?.message).toMatch(/prefix length 33/);
    const gw = lower("10.0.0.0/8 via 10.0.0.300 dev eth0\n");
    expect(gw.diagnostics.map((d) => [d.column, d.severity])).toEqual([[16, "error"]]);
  });

  it("reports address family mismatches", () => {
    for (const [text, family, column] of [
      ["10.0.0.0/8 dev eth0", 6, 1],
      ["10.0.0.0/8 via fe80::1 dev eth0", null, 16],
      ["10.0.0.0/8 via inet fe80::1 dev eth0", null, 21],
      ["10.0.0.0/8 dev eth0 src 2001:db8::1", null, 25],
    ] as const) {
      const { routes, diagnostics } = lower(text, family);
      expect(routes, text).toEqual([]);
      expect(diagnostics.map((d) => [d.column, d.severity]), text).toEqual([[column, "error"]]);
      expect(diagnostics[0]?.message, text).toMatch(/family mismatch/);
    }
  });

  it("reports a nexthop error on the nexthop's own line", () => {
    const { routes, diagnostics } = lower("default proto static metric 100\n\tnexthop via 10.0.0.1 dev eth0 weight 0\n");
    expect(routes).toEqual([]);
    expect(diagnostics.map((d) => [d.line, d.column])).toEqual([[2, 39]]);
  });

  it("warns about unknown words and keeps the route", () => {
    const { routes, diagnostics } = lower("10.0.0.0/8 via 10.0.0.1 dev eth0 encap mpls 100\n");
    expect(routes).toHaveLength(1);
    expect(diagnostics.map((d) => [d.column, d.severity])).toEqual([[34, "warning"]]);
  });
});
