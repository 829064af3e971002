/** What the packet form can offer for completion, gathered once per node from the typed model. */
import { formatAddress } from "../model/address.js";
import { ruleComment } from "../model/netfilter.js";
import type { NodeModel } from "../model/node.js";
import { sanitize } from "../explain/sanitize.js";
import { hexMark } from "../explain/describe.js";
import type { Field } from "./form.js";

/** One completion: the value to put in the field and a short note on where it came from. */
export interface Candidate {
  value: string;
  note: string;
}

/** A ClusterIP (or other `-d X/32 … --dport P` portal) from kube-proxy's KUBE-SERVICES chain. */
export interface ServicePortal {
  ip: string;
  port: number;
  proto: string;
  name: string;
}

export interface NodeHints {
  pods: Candidate[];
  nodeAddresses: Candidate[];
  services: ServicePortal[];
  interfaces: Candidate[];
  marks: Candidate[];
}

const host = (len: number, family: 4 | 6) => len === (family === 4 ? 32 : 128);

function add(list: Candidate[], value: string, note: string): void {
  if (!list.some((c) => c.value === value)) list.push({ value: sanitize(value), note: sanitize(note) });
}

export function nodeHints(node: NodeModel): NodeHints {
  const pods: Candidate[] = [];
  const ifaceNames: Candidate[] = [];
  // Pod IPs: host routes to a veth (no gateway), and `from X` ip rules (the CNI's per-pod rules).
  // An interface with its own address of the family is an ENI (its host routes are gateways), not a veth.
  const addressed = new Set(node.routing.interfaces.flatMap((i) => i.addresses.filter((a) => a.scope !== "link").map((a) => `${i.name}/${a.address.family}`)));
  for (const r of node.routing.routes) {
    const nh = r.nexthops[0];
    if (r.table === "local" || !host(r.dst.len, r.family) || !nh?.dev || nh.dev === "lo" || nh.gateway || addressed.has(`${nh.dev}/${r.family}`)) continue;
    add(pods, formatAddress(r.dst), `pod on ${nh.dev}`);
  }
  for (const rule of node.routing.rules) {
    if (rule.from && host(rule.from.len, rule.family)) add(pods, formatAddress(rule.from), `ip rule ${rule.priority}`);
  }
  for (const p of node.ipamd?.pods ?? []) add(pods, `${p.namespace}/${p.name}`, p.ip);

  const nodeAddresses: Candidate[] = [];
  for (const i of node.routing.interfaces) {
    add(ifaceNames, i.name, i.addresses[0] ? formatAddress(i.addresses[0].address) : i.state ?? "");
    for (const a of i.addresses) if (i.name !== "lo") add(nodeAddresses, formatAddress(a.address), `node, ${i.name}`);
  }
  for (const r of node.routing.routes) for (const n of r.nexthops) if (n.dev) add(ifaceNames, n.dev, "route");

  const services: ServicePortal[] = [];
  // A set, not a search of the list: KUBE-SERVICES has a rule per service port (10k+ on a big node).
  const seen = new Set<string>();
  for (const rs of node.rulesets) {
    for (const rule of rs.tables.get("nat")?.chains.get("KUBE-SERVICES")?.rules ?? []) {
      let ip: string | null = null;
      let port: number | null = null;
      let proto = "tcp";
      for (const m of rule.matches) {
        if (m.type === "destination" && !m.negated && host(m.prefix.len, m.prefix.family)) ip = formatAddress(m.prefix);
        else if (m.type === "port" && m.which === "dst" && !m.negated && m.range.lo === m.range.hi) port = m.range.lo;
        else if (m.type === "protocol" && !m.negated) proto = m.name;
      }
      if (ip === null || port === null) continue;
      const key = `${ip} ${port} ${proto}`;
      if (!seen.has(key)) {
        seen.add(key);
        services.push({ ip: sanitize(ip), port, proto: sanitize(proto), name: sanitize(ruleComment(rule).replace(/ cluster IP$/, "")) });
      }
    }
  }
  const marks: Candidate[] = [{ value: "0", note: "no mark" }];
  for (const rule of node.routing.rules) {
    if (rule.fwmark) add(marks, hexMark(rule.fwmark.value), `ip rule ${rule.priority}`);
  }
  return { pods, nodeAddresses, services, interfaces: ifaceNames, marks };
}

/** Candidates for a field given what the form holds; filtered by the field's text as a prefix. */
export function completions(hints: NodeHints, field: Field, form: Readonly<Record<Field, string>>): Candidate[] {
  const all = candidatesFor(hints, field, form);
  const text = form[field].trim().toLowerCase();
  const hits = text === "" ? all : all.filter((c) => c.value.toLowerCase().startsWith(text) && c.value.toLowerCase() !== text);
  return hits.slice(0, 50);
}

function candidatesFor(hints: NodeHints, field: Field, form: Readonly<Record<Field, string>>): Candidate[] {
  switch (field) {
    case "src":
      return [...hints.pods, ...hints.nodeAddresses];
    case "dst": {
      const svc: Candidate[] = [];
      for (const s of hints.services) if (!svc.some((c) => c.value === s.ip)) svc.push({ value: s.ip, note: `service ${s.name}` });
      return [...svc, ...hints.pods, ...hints.nodeAddresses];
    }
    case "proto":
      return [{ value: "tcp", note: "6" }, { value: "udp", note: "17" }, { value: "icmp", note: "1" }];
    case "dport": {
      const dst = form.dst.trim();
      const proto = form.proto.trim() || "tcp";
      const forDst = hints.services.filter((s) => s.ip === dst && s.proto === proto);
      const list = forDst.length > 0 ? forDst : hints.services;
      const out: Candidate[] = [];
      for (const s of list) if (!out.some((c) => c.value === String(s.port))) out.push({ value: String(s.port), note: `${s.proto} ${s.name}` });
      return out;
    }
    case "sport":
      return [];
    case "iif":
      return [{ value: "none", note: "generated by the node" }, ...hints.interfaces];
    case "mark":
      return hints.marks;
  }
}
