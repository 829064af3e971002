/** Packet classes derived from a node model (pods, ENIs, services, CIDRs seen in rules), seeded. */
import { formatAddress, isIpv6LinkLocal, type Prefix } from "../../src/model/address.js";
import type { Match } from "../../src/model/netfilter.js";
import type { NodeModel } from "../../src/model/node.js";
import { buildableInterfaces } from "./build-node.js";
import type { Probe } from "./observe.js";

export type Rng = () => number;

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

export function seedFromEnv(): number {
  const env = process.env.PODPATH_SEED;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env) >>> 0;
  return Math.floor(Math.random() * 2 ** 31);
}

function v4(n: number): string {
  return formatAddress({ family: 4, value: BigInt(n >>> 0) });
}

function toNum(prefix: Prefix): number {
  return Number(prefix.value);
}

/**
 * A host address inside the prefix: not an IPv4 network's network or broadcast address, not an
 * IPv6 subnet's router anycast address (::0), and among the first million hosts of a big IPv6 prefix.
 */
export function hostIn(r: Rng, p: Prefix): string {
  if (p.family === 6) {
    const hostBits = 128 - p.len;
    if (hostBits === 0) return formatAddress(p);
    const span = hostBits > 20 ? 2 ** 20 : 2 ** hostBits - 1;
    return formatAddress({ family: 6, value: p.value + 1n + BigInt(Math.floor(r() * span)) });
  }
  if (p.len >= 31) return v4(toNum(p) + (p.len === 31 ? Math.floor(r() * 2) : 0));
  const size = 2 ** (32 - p.len);
  return v4(toNum(p) + 1 + Math.floor(r() * (size - 2)));
}

function usable(p: Prefix): boolean {
  if (p.family === 6) return p.len >= 16 && !isIpv6LinkLocal(p) && p.value >> 120n !== 0xffn && p.value !== 0n && p.value !== 1n;
  const first = Number(p.value >> 24n);
  return p.len >= 8 && first !== 127 && first !== 0 && first < 224 && !(first === 169 && p.len < 32);
}

export interface NodeFacts {
  family: 4 | 6;
  pods: { ip: string; veth: string }[];
  local: { ip: string; iface: string }[];
  /** Interfaces with an address of the family, link-local ones aside (ENIs and the like). */
  enis: string[];
  primaryIface: string | null;
  prefixes: Prefix[];
  services: { ip: string; proto: 6 | 17; port: number }[];
  nodePorts: { proto: 6 | 17; port: number }[];
  dnatTargets: string[];
}

function portOf(ms: readonly Match[]): number | null {
  for (const m of ms) if (m.type === "port" && m.which === "dst" && !m.negated && m.range.lo === m.range.hi) return m.range.lo;
  return null;
}

function protoOf(ms: readonly Match[]): 6 | 17 | null {
  for (const m of ms) if (m.type === "protocol" && !m.negated && (m.protocol === 6 || m.protocol === 17)) return m.protocol;
  return null;
}

export function factsOf(node: NodeModel, family: 4 | 6 = 4): NodeFacts {
  const ifaces = buildableInterfaces(node);
  const names = new Set(ifaces.map((i) => i.name.replace(/@.*/, "")));
  const ours = (a: { family: 4 | 6; value: bigint }) => a.family === family && !isIpv6LinkLocal(a);
  const hostLen = family === 4 ? 32 : 128;
  const withAddr = new Set(ifaces.filter((i) => i.addresses.some((a) => ours(a.address))).map((i) => i.name.replace(/@.*/, "")));
  const pods = new Map<string, string>();
  const prefixes = new Map<string, Prefix>();
  const addPrefix = (p: Prefix | null) => {
    if (p && usable(p)) prefixes.set(`${p.value}/${p.len}`, p);
  };
  for (const r of node.routing.routes) {
    if (r.family !== family) continue;
    const nh = r.nexthops[0];
    const dev = nh?.dev?.replace(/@.*/, "");
    if (r.dst.len === hostLen && r.nexthops.length === 1 && nh && !nh.gateway && dev && names.has(dev) && !withAddr.has(dev) && r.type === "unicast") {
      pods.set(formatAddress(r.dst), dev);
    }
    if (r.table !== "local" && r.dst.len > 0) addPrefix(r.dst);
  }
  for (const r of node.routing.rules) if (r.family === family) { addPrefix(r.from); addPrefix(r.to); }
  const services: NodeFacts["services"] = [];
  const nodePorts: NodeFacts["nodePorts"] = [];
  const dnat = new Set<string>();
  const rs = node.rulesets.find((x) => x.family === family);
  for (const table of rs?.tables.values() ?? []) {
    for (const chain of table.chains.values()) {
      for (const rule of chain.rules) {
        for (const m of rule.matches) if (m.type === "source" || m.type === "destination") addPrefix(m.prefix);
        if (rule.target?.type === "dnat" && rule.target.to.addrLo) dnat.add(formatAddress(rule.target.to.addrLo));
        const proto = protoOf(rule.matches);
        const port = portOf(rule.matches);
        if (table.name === "nat" && chain.name === "KUBE-SERVICES" && proto && port !== null) {
          const d = rule.matches.find((m) => m.type === "destination" && !m.negated && m.prefix.len === hostLen);
          if (d && d.type === "destination") services.push({ ip: formatAddress(d.prefix), proto, port });
        }
        if (table.name === "nat" && chain.name === "KUBE-NODEPORTS" && proto && port !== null) nodePorts.push({ proto, port });
      }
    }
  }
  const local: NodeFacts["local"] = [];
  for (const i of ifaces) for (const a of i.addresses) if (ours(a.address)) local.push({ ip: formatAddress(a.address), iface: i.name.replace(/@.*/, "") });
  const def = node.routing.routes.find((r) => r.family === family && r.table === "main" && r.dst.len === 0 && r.nexthops[0]?.dev);
  return {
    family,
    pods: [...pods].map(([ip, veth]) => ({ ip, veth })),
    local,
    enis: [...withAddr],
    primaryIface: def?.nexthops[0]?.dev?.replace(/@.*/, "") ?? local[0]?.iface ?? null,
    prefixes: [...prefixes.values()],
    services,
    nodePorts,
    dnatTargets: [...dnat],
  };
}

const COMMON_PORTS = [443, 80, 53, 8080, 5432, 9090, 8125, 22];

/** Builds probes: the named classes first, then random pairs up to `count`. Ports are unique per node. */
export class ProbeMaker {
  private sport = 20000;
  private n = 0;
  constructor(private readonly r: Rng, private readonly tag: string) {}

  make(src: string, dst: string, proto: Probe["proto"], dport: number, iif: string | null, mark = 0): Probe {
    this.sport = this.sport >= 60999 ? 20000 : this.sport + 1;
    return { token: `${this.tag}.${this.n++}`, src, dst, proto, sport: this.sport, dport, iif, mark };
  }

  port(): number {
    return this.r() < 0.7 ? pick(this.r, COMMON_PORTS) : 1024 + Math.floor(this.r() * 50000);
  }

  proto(): 6 | 17 {
    return this.r() < 0.6 ? 6 : 17;
  }
}

/** "The internet", by family: documentation addresses. */
export const INTERNET = { 4: ["203.0.113.9", "198.51.100.23", "192.0.2.77"], 6: ["2001:db8:ff00::9", "2001:db8:ff01::23", "2001:db8:ff02::77"] } as const;

/** Destinations worth sending to: the internet, hosts in every CIDR the rules mention, pods, node addresses. */
export function destinations(r: Rng, f: NodeFacts): string[] {
  const out = new Set<string>(INTERNET[f.family]);
  for (const p of f.prefixes) out.add(hostIn(r, p));
  for (const p of f.pods) out.add(p.ip);
  for (const l of f.local) out.add(l.ip);
  for (const t of f.dnatTargets) out.add(t);
  return [...out];
}

export function probesFor(node: NodeModel, r: Rng, tag: string, count: number, family: 4 | 6 = 4): { probes: Probe[]; neighbours: string[] } {
  const f = factsOf(node, family);
  const internet = INTERNET[family][0];
  const ping = family === 4 ? 1 : 58;
  const mk = new ProbeMaker(r, tag);
  const dsts = destinations(r, f);
  const localIps = new Set(f.local.map((l) => l.ip));
  const primary = f.local.find((l) => l.iface === f.primaryIface) ?? f.local[0];
  const out: Probe[] = [];
  const ext = pick(r, INTERNET[family]);
  // The named classes.
  for (const pod of f.pods) {
    out.push(mk.make(pod.ip, internet, 6, 443, pod.veth));
    out.push(mk.make(pod.ip, internet, ping, 0, pod.veth)); // a ping: SNATed (or not) like the rest
    for (const p of f.prefixes) {
      const d = hostIn(r, p);
      if (d !== pod.ip && !localIps.has(d)) out.push(mk.make(pod.ip, d, mk.proto(), mk.port(), pod.veth));
    }
    for (const s of f.services) out.push(mk.make(pod.ip, s.ip, s.proto, s.port, pod.veth));
    for (const other of f.pods) if (other.ip !== pod.ip) out.push(mk.make(pod.ip, other.ip, 6, 8080, pod.veth));
  }
  if (primary) {
    out.push(mk.make(primary.ip, internet, 6, 443, null));
    out.push(mk.make(primary.ip, internet, 6, 443, null, 0x80));
    out.push(mk.make(primary.ip, internet, 17, 53, null, 0x4000));
    out.push(mk.make(primary.ip, internet, ping, 0, null));
    for (const s of f.services) out.push(mk.make(primary.ip, s.ip, s.proto, s.port, null));
    for (const np of f.nodePorts) out.push(mk.make(ext, primary.ip, np.proto, np.port, primary.iface));
    // The node's own address as the source of an arriving packet (spoofed): IPv4 drops it
    // (accept_local 0). Not on IPv6, which forwards it: a REJECT there answers the node itself,
    // which no peer sees.
    const eni = f.enis[0];
    if (eni !== undefined && family === 4) out.push(mk.make(primary.ip, internet, 17, 53, eni));
  }
  for (const eni of f.enis) for (const pod of f.pods) out.push(mk.make(ext, pod.ip, 6, 8080, eni));
  // Random pairs.
  const sources: { ip: string; iif: string | null }[] = [
    ...f.pods.map((p) => ({ ip: p.ip, iif: p.veth })),
    ...f.local.map((l) => ({ ip: l.ip, iif: null })),
    ...f.enis.map((e) => ({ ip: pick(r, INTERNET[family]), iif: e })),
  ];
  for (let i = 0; out.length < count && i < count * 4 && sources.length > 0; i++) {
    const s = pick(r, sources);
    const svc = f.services.length > 0 && r() < 0.2 ? pick(r, f.services) : null;
    const dst = svc ? svc.ip : pick(r, dsts);
    if (dst === s.ip || (s.iif !== null && localIps.has(s.ip))) continue;
    if (s.iif === null && !localIps.has(s.ip)) continue;
    const mark = s.iif === null && r() < 0.15 ? pick(r, [0x80, 0x4000, 0x4080]) : 0;
    out.push(mk.make(s.ip, dst, svc ? svc.proto : mk.proto(), svc ? svc.port : mk.port(), s.iif, mark));
  }
  const neighbours = new Set<string>([...dsts, ...f.dnatTargets, ...out.map((p) => p.dst)]);
  return { probes: out, neighbours: [...neighbours] };
}
