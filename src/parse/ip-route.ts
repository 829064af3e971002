/**
 * Parses an `ip route` listing (`ip route`, `ip route show table all`, `ip -6 route`). Each line is
 * parsed alone, so a bad line gives one diagnostic; `\tnexthop …` lines join the route above them.
 */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { Family } from "../model/address.js";
import * as grammar from "../generated/ip-route.js";
import { lineOrigin, type IpRouteSyntax, type NexthopLineSyntax, type RouteLineSyntax } from "./ip-syntax.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import { isIpRouteContinuation } from "./recognise-ip.js";
import type { SourceLine } from "./source.js";

const parser: PeggyParser<RouteLineSyntax | NexthopLineSyntax> = grammar;

export function parseIpRouteSection(
  lines: SourceLine[],
  family: Family | null,
): { routes: IpRouteSyntax[]; diagnostics: Diagnostic[] } {
  const routes: IpRouteSyntax[] = [];
  const diagnostics: Diagnostic[] = [];
  // The route that nexthop lines attach to. After a bad route line (already reported) its nexthop
  // lines are skipped quietly rather than attached to the route before it.
  let current: IpRouteSyntax | "bad" | null = null;
  for (const line of lines) {
    if (line.raw.trim() === "") continue;
    const origin = lineOrigin(line);
    if (isIpRouteContinuation(line.raw)) {
      const result = parseLine(parser, line, "ip route nexthop", { startRule: "NexthopLine" });
      if (!result.ok) diagnostics.push(result.diagnostic);
      else if (current === "bad") continue;
      else if (current === null) {
        diagnostics.push(diagnostic(origin, "error", "ip route: nexthop line without a route before it", line.raw));
      } else if (result.value.kind === "nexthop") {
        current.nexthops.push({ type: "nexthop", options: result.value.options, origin });
      }
      continue;
    }
    const result = parseLine(parser, line, "ip route", { startRule: "RouteLine" });
    if (!result.ok || result.value.kind !== "route") {
      if (!result.ok) diagnostics.push(result.diagnostic);
      current = "bad";
      continue;
    }
    const { routeType, dst, options } = result.value;
    current = { type: "ip-route", family, routeType, dst, options, nexthops: [], origin };
    routes.push(current);
  }
  return { routes, diagnostics };
}
