/** Conntrack flows, lowered from `conntrack -L`: what the kernel recorded for a connection, NAT included. */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { FlowSyntax, TupleSyntax } from "../parse/conntrack.js";
import { parseAddress, type IpAddr } from "./address.js";
import type { Origin } from "./origin.js";

export interface Tuple {
  src: IpAddr;
  dst: IpAddr;
  sport: number | null;
  dport: number | null;
}

export interface Flow {
  proto: number;
  /** TCP state, when printed. */
  state: string | null;
  original: Tuple;
  reply: Tuple;
  flags: string[];
  /** The connection's mark (connmark). */
  mark: number;
  origin: Origin;
}

function lowerTuple(t: TupleSyntax, what: string, origin: Origin, diagnostics: Diagnostic[]): Tuple | null {
  const at = (column: number) => ({ file: origin.file, line: origin.line, column });
  if (!t.src || !t.dst) {
    diagnostics.push(diagnostic(at(origin.column), "error", `conntrack: the ${what} tuple needs src= and dst=`, origin.raw));
    return null;
  }
  const src = parseAddress(t.src.value);
  const dst = parseAddress(t.dst.value);
  for (const [a, pair] of [[src, t.src], [dst, t.dst]] as const) {
    if ("error" in a) {
      diagnostics.push(diagnostic(at(pair.column), "error", `conntrack: ${a.error}`, origin.raw));
      return null;
    }
  }
  const port = (p: TupleSyntax["sport"]) => (p && /^\d+$/.test(p.value) && Number(p.value) <= 65535 ? Number(p.value) : null);
  return { src: src as IpAddr, dst: dst as IpAddr, sport: port(t.sport), dport: port(t.dport) };
}

export function lowerFlows(flows: readonly FlowSyntax[]): { flows: Flow[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const out: Flow[] = [];
  for (const f of flows) {
    const original = lowerTuple(f.original, "original", f.origin, diagnostics);
    const reply = lowerTuple(f.reply, "reply", f.origin, diagnostics);
    if (!original || !reply) continue;
    const mark = f.mark && /^(0x[0-9a-f]+|\d+)$/i.test(f.mark.value) ? Number(f.mark.value) : 0;
    out.push({ proto: f.protonum, state: f.state, original, reply, flags: f.flags, mark, origin: f.origin });
  }
  return { flows: out, diagnostics };
}
