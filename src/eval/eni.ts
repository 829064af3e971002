/**
 * Which ENI an interface is, the way the Amazon VPC CNI lays a node out: the primary ENI uses
 * `main` (device 0); a secondary ENI's table is its device number + 1 (10000 + 100·card + device on
 * multi-card instances); a branch ENI `vlan.eth.N` uses table N + 100; pod veths are `eni…`/`vlan…`.
 */
import { formatAddress, formatPrefix, maskOf, type IpAddr } from "../model/address.js";
import type { NodeFacts } from "./node-facts.js";

export type EniRole = "primary-eni" | "secondary-eni" | "branch-eni" | "pod-veth" | "loopback" | "other";

export interface EniInfo {
  interface: string;
  role: EniRole;
  /** EC2 device number, when it can be told. */
  deviceNumber: number | null;
  /** The ENI's ID, when ipamd's JSON is in the bundle. */
  eniId: string | null;
  /** For a pod veth: the pod addresses routed to it. */
  podIps: string[];
  /** For a branch ENI: its VLAN ID. */
  vlanId: number | null;
  /** The ENI's subnet, from its primary address on the node. */
  subnet: string | null;
}

const POD_VETH = /^(eni|vlan)[0-9a-f]{6,}$/;

const CACHE = new WeakMap<NodeFacts, Map<string, EniInfo>>();

/** What `name` is, worked out once per node (traces ask for the same few interfaces again and again). */
export function eniOf(facts: NodeFacts, name: string): EniInfo {
  let known = CACHE.get(facts);
  if (!known) CACHE.set(facts, (known = new Map()));
  let info = known.get(name);
  if (!info) known.set(name, (info = computeEni(facts, name)));
  return info;
}

function computeEni(facts: NodeFacts, name: string): EniInfo {
  const info: EniInfo = { interface: name, role: "other", deviceNumber: null, eniId: null, podIps: [], vlanId: null, subnet: null };
  if (name === "lo") return { ...info, role: "loopback" };
  const routes = facts.node.routing.routes;
  if (POD_VETH.test(name)) {
    const podIps = routes.filter((r) => r.table === "main" && r.nexthops.some((n) => n.dev === name) && r.dst.len === (r.family === 4 ? 32 : 128))
      .map((r) => formatAddress(r.dst));
    return { ...info, role: "pod-veth", podIps };
  }
  const vlan = /^vlan\.eth\.(\d+)$/.exec(name);
  if (vlan) return { ...info, role: "branch-eni", vlanId: Number(vlan[1]) };

  const iface = facts.interface(name);
  const mainDefault = routes.some((r) => r.table === "main" && r.dst.len === 0 && r.nexthops.some((n) => n.dev === name));
  let deviceNumber: number | null = mainDefault ? 0 : null;
  if (deviceNumber === null) {
    for (const r of routes) {
      if (!r.nexthops.some((n) => n.dev === name) || !/^\d+$/.test(r.table)) continue;
      const t = Number(r.table);
      if (t >= 10000) deviceNumber = (t - 10000) % 100;
      else if (t >= 2 && t < 100) deviceNumber = t - 1;
      if (deviceNumber !== null) break;
    }
  }
  const addresses = new Set((iface?.addresses ?? []).map((a) => formatAddress(a.address)));
  const eni = facts.node.ipamd?.enis.find((e) =>
    e.addresses.some((a) => addresses.has(a.address)) || (deviceNumber !== null && e.deviceNumber === deviceNumber));
  if (eni) deviceNumber ??= eni.deviceNumber;
  const isEni = deviceNumber !== null || eni !== undefined;
  const primary = iface?.addresses.find((a) => a.address.family === 4 && !a.secondary && a.scope === "global");
  return {
    ...info,
    subnet: primary ? formatPrefix({ family: 4, value: primary.address.value & maskOf(4, primary.prefixLen), len: primary.prefixLen }, true) : null,
    role: !isEni ? "other" : deviceNumber === 0 || eni?.isPrimary ? "primary-eni" : "secondary-eni",
    deviceNumber,
    eniId: eni?.id ?? null,
  };
}

/**
 * The pod veth a host route sends `addr` to, if any: that is where the pod's packets arrive. The
 * main table holds it for ordinary pods; a branch-ENI pod's route is in its VLAN table.
 */
export function vethOfPod(facts: NodeFacts, addr: IpAddr): string | null {
  let found: string | null = null;
  for (const r of facts.node.routing.routes) {
    // A host route's prefix value is the address itself.
    if (r.table === "local" || r.family !== addr.family || r.dst.len !== (r.family === 4 ? 32 : 128) || r.dst.value !== addr.value) continue;
    const dev = r.nexthops[0]?.dev;
    if (!dev || dev === "lo" || r.nexthops[0]?.gateway) continue;
    if (r.table === "main") return dev;
    if (POD_VETH.test(dev)) found ??= dev;
  }
  return found;
}

/** The pod that owns an address, by ipamd's records: `namespace/name`. */
export function podOf(facts: NodeFacts, addr: string): string | null {
  const pod = facts.node.ipamd?.pods.find((p) => p.ip === addr);
  return pod ? `${pod.namespace}/${pod.name}` : null;
}

/**
 * Where a packet from `src` arrives when nobody said: `null` for one the node generates (its own
 * address), the veth of a pod with a host route, or undefined when the dumps cannot tell.
 */
export function knownArrival(facts: NodeFacts, src: IpAddr): string | null | undefined {
  if (facts.isLocal(src)) return null;
  return vethOfPod(facts, src) ?? undefined;
}
