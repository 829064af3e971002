/** Packet flags, validated at the boundary: bad values exit 2 with a message that says what was expected. */
import { formatAddress, parseAddress, type IpAddr } from "../model/address.js";
import { parsePort, parseProtocol } from "../model/iptables-values.js";
import type { CtState } from "../model/netfilter.js";
import type { NodeModel } from "../model/node.js";
import { knownArrival } from "../eval/eni.js";
import type { NodeFacts } from "../eval/node-facts.js";
import type { PacketInput } from "../eval/types.js";
import { CliError } from "./io.js";

export interface PacketFlags {
  src?: string;
  dst?: string;
  proto?: string;
  sport?: string;
  dport?: string;
  iif?: string;
  mark?: string;
  ctstate?: string;
  ctmark?: string;
  assume?: string[];
}

const CT_STATES: CtState[] = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"];

function address(flag: string, text: string | undefined, node: NodeModel): IpAddr {
  if (text === undefined) throw new CliError(`${flag} is required`);
  const a = parseAddress(text);
  if (!("error" in a)) return a;
  // `--src ns/name`: a pod named in ipamd's /v1/pods.
  const pod = text.includes("/") ? node.ipamd?.pods.find((p) => `${p.namespace}/${p.name}` === text) : undefined;
  if (pod) {
    const ip = parseAddress(pod.ip);
    if (!("error" in ip)) return ip;
  }
  throw new CliError(`${flag} ${text}: expected an IPv4 or IPv6 address${node.ipamd ? " or a pod as namespace/name" : ""}`);
}

function number(flag: string, text: string | undefined, fallback: number, max = 0xffffffff): number {
  if (text === undefined) return fallback;
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text) || Number(text) > max) throw new CliError(`${flag} ${text}: expected a number from 0 to ${max}`);
  return Number(text);
}

/** `--assume` answers: conditions and boolean sysctls by name, and rp_filter's value. */
export function parseAssume(list: readonly string[]): Pick<PacketInput, "assume" | "rpFilter"> {
  const assume: Record<string, boolean> = {};
  let rpFilter: 0 | 1 | 2 | undefined;
  for (const a of list) {
    const rp = /^rp_filter=(.*)$/.exec(a);
    if (rp) {
      if (!/^[012]$/.test(rp[1] as string)) throw new CliError(`--assume ${a}: expected rp_filter=0 (off), 1 (strict) or 2 (loose)`);
      rpFilter = Number(rp[1]) as 0 | 1 | 2;
      continue;
    }
    const m = /^(.+?)=(true|false|yes|no)$/i.exec(a);
    if (!m) throw new CliError(`--assume ${a}: expected CONDITION=true or CONDITION=false (e.g. set=false, "ipset KUBE-X src membership"=true)`);
    assume[m[1] as string] = /^(true|yes)$/i.test(m[2] as string);
  }
  return rpFilter === undefined ? { assume } : { assume, rpFilter };
}

export function packetFromFlags(flags: PacketFlags, facts: NodeFacts): PacketInput {
  const node = facts.node;
  const src = address("--src", flags.src, node);
  const dst = address("--dst", flags.dst, node);
  if (src.family !== dst.family) throw new CliError("--src and --dst must be the same address family");
  const protoText = flags.proto ?? "tcp";
  const proto = parseProtocol(protoText === "icmp" && dst.family === 6 ? "icmpv6" : protoText);
  if ("error" in proto) throw new CliError(`--proto ${protoText}: expected tcp, udp, icmp or a protocol number`);
  const ported = proto.value === 6 || proto.value === 17 || proto.value === 132;
  const port = (flag: string, text: string | undefined, fallback: number | null) => {
    if (text === undefined) return ported ? fallback : null;
    const p = parsePort(text);
    if ("error" in p) throw new CliError(`${flag} ${text}: expected a port from 0 to 65535`);
    return p.value;
  };
  const ctstate = (flags.ctstate ?? "NEW").toUpperCase();
  if (!CT_STATES.includes(ctstate as CtState)) throw new CliError(`--ctstate ${flags.ctstate}: expected one of ${CT_STATES.join(", ")}`);
  const { assume, rpFilter } = parseAssume(flags.assume ?? []);
  return {
    src, dst, proto: proto.value,
    sport: port("--sport", flags.sport, 40000),
    dport: port("--dport", flags.dport, 80),
    iif: inferIif(flags.iif, src, facts),
    mark: number("--mark", flags.mark, 0),
    ctstate: ctstate as CtState,
    ctmark: number("--ctmark", flags.ctmark, 0),
    assume,
    ...(rpFilter === undefined ? {} : { rpFilter }),
  };
}

/** `--iif` omitted: a node address means a locally generated packet; a pod IP arrives on its veth. */
function inferIif(iif: string | undefined, src: IpAddr, facts: NodeFacts): string | null {
  const names = facts.node.routing.interfaces.map((i) => i.name);
  if (iif !== undefined) {
    if (iif === "none" || iif === "local") return null;
    if (names.length > 0 && !names.includes(iif) && !facts.node.routing.routes.some((r) => r.nexthops.some((n) => n.dev === iif))) {
      throw new CliError(`--iif ${iif}: no such interface on the node (interfaces: ${names.join(", ")})`);
    }
    return iif;
  }
  const known = knownArrival(facts, src);
  if (known !== undefined) return known;
  throw new CliError(`--iif is needed: ${formatAddress(src)} is neither a node address nor a pod with a route to its veth (interfaces: ${names.join(", ") || "none in the dump"})`);
}
