/** Lowers `ip route` syntax to routes (Route), validating prefixes, gateways and families. */
import type { Diagnostic } from "../diagnostics.js";
import type { IpRouteSyntax, NexthopSyntax, RouteOptionSyntax, Token } from "../parse/ip-syntax.js";
import { anyPrefix, isError, parseAddress, parsePrefix, type Family, type IpAddr } from "./address.js";
import { familyName, familyOfText, parseDsfield, parseNumber, report, reportUnknownRuns } from "./lower-ip-common.js";
import type { Origin } from "./origin.js";
import { normaliseTable, type Nexthop, type Route, type RouteType } from "./routing.js";

/** Route types that drop or bounce the packet: they have no nexthop (a printed `dev lo` is an artefact). */
const NO_NEXTHOP: ReadonlySet<RouteType> = new Set(["blackhole", "unreachable", "prohibit", "throw"]);

interface Context {
  origin: Origin;
  family: Family;
  diagnostics: Diagnostic[];
  /** Set when a value is invalid: the route is dropped, since its meaning is unknown. */
  broken: boolean;
}

type Draft = Omit<Route, "family" | "type" | "dst" | "nexthops" | "origin">;

type Handlers = { [K in RouteOptionSyntax["type"]]: (option: Extract<RouteOptionSyntax, { type: K }>, draft: Draft, ctx: Context) => void };

// Nexthop-level options (via, dev, weight, flags) are read by nexthopOf; here they do nothing.
const HANDLERS: Handlers = {
  via: () => {},
  dev: () => {},
  weight: () => {},
  "nexthop-flag": () => {},
  table: (o, d) => { d.table = normaliseTable(o.value.text); },
  proto: (o, d) => { d.proto = o.value.text; },
  scope: (o, d) => { d.scope = o.value.text; },
  src: (o, d, ctx) => { d.src = address(o.address, ctx, "src"); },
  from: (o, d, ctx) => {
    const prefix = parsePrefix(o.prefix.text);
    if (isError(prefix)) fail(ctx, o.prefix, `ip route: bad source prefix: ${prefix.error}`);
    else if (prefix.family !== ctx.family) fail(ctx, o.prefix, mismatch(prefix.family, o.prefix, ctx));
    d.attributes.from = o.prefix.text;
  },
  metric: (o, d, ctx) => {
    const metric = parseNumber(o.value.text);
    if (metric === null) fail(ctx, o.value, `ip route: ${o.keyword} "${o.value.text}" is not a number from 0 to 4294967295`);
    d.metric = metric ?? 0;
  },
  pref: (o, d) => { d.pref = o.value.text; },
  tos: (o, d, ctx) => {
    d.tos = parseDsfield(o.value.text);
    if (d.tos === null) fail(ctx, o.value, `ip route: tos "${o.value.text}" is not a number or a known DS field name`);
  },
  nhid: (o, d) => { d.attributes.nhid = o.value.text; },
  "route-flag": (o, d) => { d.attributes[o.flag] = ""; },
  attribute: (o, d) => { d.attributes[o.name] = o.lock ? `lock ${o.value.text}` : o.value.text; },
  unknown: () => { /* reported in runs by lowerIpRoute */ },
};

export function lowerIpRoutes(routes: IpRouteSyntax[]): { routes: Route[]; diagnostics: Diagnostic[] } {
  const out: Route[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const syntax of routes) {
    const route = lowerIpRoute(syntax, diagnostics);
    if (route !== null) out.push(route);
  }
  return { routes: out, diagnostics };
}

function lowerIpRoute(syntax: IpRouteSyntax, diagnostics: Diagnostic[]): Route | null {
  const { origin } = syntax;
  const family = routeFamily(syntax);
  const ctx: Context = { origin, family, diagnostics, broken: false };
  let dst = anyPrefix(family);
  if (syntax.dst.text !== "default") {
    const prefix = parsePrefix(syntax.dst.text);
    if (isError(prefix)) fail(ctx, syntax.dst, `ip route: bad destination: ${prefix.error}`);
    else if (syntax.family !== null && prefix.family !== syntax.family) {
      fail(ctx, syntax.dst, `ip route: address family mismatch: ${familyName(prefix.family)} destination "${syntax.dst.text}" in an ${familyName(syntax.family)} route listing`);
    } else dst = prefix;
  }
  const type: RouteType = syntax.routeType?.word ?? "unicast";
  // Unprinted values are the kernel's defaults: table main, scope global (universe), metric 0.
  const draft: Draft = { table: "main", tos: null, proto: null, scope: "global", src: null, metric: 0, pref: null, attributes: {} };
  for (const option of syntax.options) dispatch(option, draft, ctx);
  diagnostics.push(...reportUnknownRuns(syntax.options, unknownWord, origin, "ip route"));

  let nexthops: Nexthop[] = [];
  if (NO_NEXTHOP.has(type)) {
    nexthops = [];
  } else if (syntax.nexthops.length > 0) {
    for (const nh of syntax.nexthops) {
      // Diagnostics about a nexthop point at its own line.
      const lineCtx: Context = { ...ctx, origin: nh.origin, broken: false };
      nexthops.push(nexthopOf(nh.options, lineCtx, nh));
      if (lineCtx.broken) ctx.broken = true;
    }
  } else if (syntax.options.some((o) => o.type === "via" || o.type === "dev")) {
    nexthops = [nexthopOf(syntax.options, ctx, null)];
  } else if (!ctx.broken) {
    diagnostics.push(report(origin, syntax.dst.column, "error", `ip route: expected "via" or "dev" after the destination (ip route always prints one): the line looks cut short`));
  }
  if (ctx.broken) return null;
  return { family, table: draft.table, type, dst, tos: draft.tos, nexthops, proto: draft.proto, scope: draft.scope, src: draft.src, metric: draft.metric, pref: draft.pref, attributes: draft.attributes, origin };
}

function dispatch<K extends RouteOptionSyntax["type"]>(option: Extract<RouteOptionSyntax, { type: K }>, draft: Draft, ctx: Context): void {
  (HANDLERS[option.type] as (o: typeof option, d: Draft, c: Context) => void)(option, draft, ctx);
}

function unknownWord(option: RouteOptionSyntax): string | null {
  return option.type === "unknown" ? option.word : null;
}

/**
 * The route's family: the listing's when known, else the destination's, else what its gateway or
 * source says. `pref` is printed only for IPv6 routes, which settles `unreachable default … pref medium`.
 */
function routeFamily(syntax: IpRouteSyntax): Family {
  if (syntax.family !== null) return syntax.family;
  const fromDst = syntax.dst.text === "default" ? null : familyOfText(syntax.dst.text);
  if (fromDst !== null) return fromDst;
  for (const option of [...syntax.options, ...syntax.nexthops.flatMap((n) => n.options)]) {
    if (option.type === "via" && option.family === null) {
      const f = familyOfText(option.address.text);
      if (f !== null) return f;
    }
    if (option.type === "src" || option.type === "from") {
      const f = familyOfText(option.type === "src" ? option.address.text : option.prefix.text);
      if (f !== null) return f;
    }
    if (option.type === "pref") return 6;
  }
  return 4;
}

function nexthopOf(options: readonly RouteOptionSyntax[], ctx: Context, line: NexthopSyntax | null): Nexthop {
  const nexthop: Nexthop = { gateway: null, dev: null, weight: 1, onlink: false, flags: [] };
  for (const o of options) {
    if (o.type === "via") nexthop.gateway = gateway(o, ctx);
    else if (o.type === "dev") nexthop.dev = o.name.text;
    else if (o.type === "weight") {
      const weight = parseNumber(o.value.text, 256);
      if (weight === null || weight === 0) fail(ctx, o.value, `ip route: nexthop weight "${o.value.text}" is not a number from 1 to 256`);
      else nexthop.weight = weight;
    } else if (o.type === "nexthop-flag") {
      if (o.flag === "onlink") nexthop.onlink = true;
      else nexthop.flags.push(o.flag);
    }
  }
  if (line !== null) ctx.diagnostics.push(...reportUnknownRuns(options, unknownWord, ctx.origin, "ip route nexthop"));
  return nexthop;
}

/** `via [inet|inet6] ADDR`: an IPv4 route may name an IPv6 gateway only with `inet6` (RFC 5549). */
function gateway(via: Extract<RouteOptionSyntax, { type: "via" }>, ctx: Context): IpAddr | null {
  const addr = address(via.address, ctx, "gateway");
  if (addr === null) return null;
  const declared: Family | null = via.family === "inet" ? 4 : via.family === "inet6" ? 6 : null;
  if (declared !== null && addr.family !== declared) {
    fail(ctx, via.address, `ip route: address family mismatch: "via ${via.family} ${via.address.text}" is an ${familyName(addr.family)} address`);
    return null;
  }
  if (declared === null && addr.family !== ctx.family) {
    fail(ctx, via.address, mismatch(addr.family, via.address, ctx));
    return null;
  }
  return addr;
}

function address(token: Token, ctx: Context, what: string): IpAddr | null {
  const addr = parseAddress(token.text);
  if (isError(addr)) {
    fail(ctx, token, `ip route: bad ${what}: ${addr.error}`);
    return null;
  }
  if (what === "src" && addr.family !== ctx.family) {
    fail(ctx, token, mismatch(addr.family, token, ctx));
    return null;
  }
  return addr;
}

function mismatch(found: Family, token: Token, ctx: Context): string {
  return `ip route: address family mismatch: ${familyName(found)} "${token.text}" in an ${familyName(ctx.family)} route`;
}

function fail(ctx: Context, at: Token, message: string): void {
  ctx.diagnostics.push(report(ctx.origin, at.column, "error", message));
  ctx.broken = true;
}
