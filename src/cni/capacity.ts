/**
 * ENI address capacity, as the CNI computes it: each ENI's pool (assigned and free), and the node's
 * pod limit ENIs × (IPv4 addresses per ENI − 1) + 2 — × 16 per slot with prefix delegation.
 */
import type { NodeModel } from "../model/node.js";
import type { NodeFacts } from "../eval/node-facts.js";
import { eniOf } from "../eval/eni.js";

export interface EniCapacity {
  id: string;
  deviceNumber: number | null;
  primary: boolean;
  /** The node interface that holds this ENI, when the dumps show it. */
  interface: string | null;
  subnet: string | null;
  pool: number;
  assigned: number;
  free: number;
  prefixes: string[];
}

export interface Capacity {
  enis: EniCapacity[];
  pool: number;
  assigned: number;
  free: number;
  /** The CNI's max-pods formula, when the instance type's limits were given. */
  maxPods: number | null;
  formula: string | null;
}

export interface InstanceLimits {
  maxEnis: number;
  ipsPerEni: number;
  prefixDelegation: boolean;
}

/** max pods = ENIs × (IPv4 per ENI − 1) + 2; with prefix delegation each secondary slot holds a /28 (16). */
export function maxPods(l: InstanceLimits): { value: number; formula: string } {
  const slots = l.ipsPerEni - 1;
  return l.prefixDelegation
    ? { value: l.maxEnis * slots * 16 + 2, formula: `${l.maxEnis} × (${l.ipsPerEni} − 1) × 16 + 2` }
    : { value: l.maxEnis * slots + 2, formula: `${l.maxEnis} × (${l.ipsPerEni} − 1) + 2` };
}

export function capacityOf(node: NodeModel, facts: NodeFacts, limits: InstanceLimits | null): Capacity {
  const byId = new Map<string, string>();
  for (const iface of node.routing.interfaces) {
    const e = eniOf(facts, iface.name);
    if (e.eniId) byId.set(e.eniId, iface.name);
  }
  const enis = (node.ipamd?.enis ?? []).map((e): EniCapacity => {
    const assigned = e.addresses.filter((a) => a.assigned).length;
    const dev = byId.get(e.id) ?? null;
    return {
      id: e.id,
      deviceNumber: e.deviceNumber,
      primary: e.isPrimary,
      interface: dev,
      subnet: dev ? eniOf(facts, dev).subnet : e.subnet,
      pool: e.addresses.length,
      assigned,
      free: e.addresses.length - assigned,
      prefixes: e.prefixes,
    };
  }).sort((a, b) => (a.deviceNumber ?? 99) - (b.deviceNumber ?? 99));
  const sum = (k: "pool" | "assigned" | "free") => enis.reduce((n, e) => n + e[k], 0);
  const m = limits ? maxPods(limits) : null;
  return { enis, pool: sum("pool"), assigned: sum("assigned"), free: sum("free"), maxPods: m?.value ?? null, formula: m?.formula ?? null };
}
