/**
 * Expectation files for `podpath check`: a node and the packets whose fate a team wants pinned.
 * Validation turns a parsed YAML/JSON document into typed expectations, or says what is wrong.
 */
import type { TraceJson } from "../explain/json.js";

export interface ExpectedPacket {
  src: string;
  dst: string;
  proto?: string;
  sport?: string;
  dport?: string;
  iif?: string;
  mark?: string;
  /** `--assume` answers: the file's, then the expectation's own. */
  assume?: string[];
}

/** Fields compared with the trace; absent ones are not checked. */
export interface Expected {
  verdict?: string;
  snat?: boolean;
  dnat?: boolean;
  final?: { src?: string; dst?: string };
  egress?: { interface?: string | null; eni?: string | null; table?: string | null; gateway?: string | null } | null;
}

export interface Expectation extends Expected {
  name: string;
  packet: ExpectedPacket;
  /** `all` (default): every possible outcome must agree; `any`: one outcome must (random endpoints). */
  match: "all" | "any";
}

export interface ExpectationFile {
  node: string;
  expect: Expectation[];
}

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

/** An `assume` list (`[rp_filter=1, set=false]`); its entries are checked as `--assume`'s are, when traced. */
function assumeList(v: unknown, where: string, errors: string[]): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((a) => typeof a !== "string")) {
    errors.push(`${where}: expected a list of NAME=VALUE answers, as --assume takes them`);
    return [];
  }
  return v as string[];
}

export function validateExpectations(doc: unknown): ExpectationFile | { errors: string[] } {
  const errors: string[] = [];
  if (!isDoc(doc)) return { errors: ["expected a mapping with `node` and `expect`"] };
  if (typeof doc.node !== "string") errors.push("`node` must name the captured node (a directory or dump file)");
  if (!Array.isArray(doc.expect)) errors.push("`expect` must be a list of expectations");
  for (const k of Object.keys(doc)) if (!["node", "expect", "assume"].includes(k)) errors.push(`unknown field \`${k}\` (expected node, expect, assume)`);
  const shared = assumeList(doc.assume, "assume", errors);
  const expect: Expectation[] = [];
  (Array.isArray(doc.expect) ? doc.expect : []).forEach((e: unknown, i) => {
    const where = `expect[${i}]`;
    if (!isDoc(e) || !isDoc(e.packet)) {
      errors.push(`${where}: needs a \`packet\` with at least src and dst`);
      return;
    }
    const p = e.packet;
    if (p.src === undefined || p.dst === undefined) errors.push(`${where}.packet: src and dst are required`);
    const known = new Set(["name", "packet", "assume", "verdict", "snat", "dnat", "final", "egress", "match"]);
    for (const k of Object.keys(e)) if (!known.has(k)) errors.push(`${where}: unknown field \`${k}\` (expected ${[...known].join(", ")})`);
    if (e.snat !== undefined && typeof e.snat !== "boolean") errors.push(`${where}.snat: expected true or false`);
    if (e.dnat !== undefined && typeof e.dnat !== "boolean") errors.push(`${where}.dnat: expected true or false`);
    if (e.final !== undefined && !isDoc(e.final)) errors.push(`${where}.final: expected { src, dst }`);
    if (e.egress !== undefined && e.egress !== null && !isDoc(e.egress)) errors.push(`${where}.egress: expected { interface, eni, table, gateway } or null`);
    if (e.match !== undefined && e.match !== "all" && e.match !== "any") errors.push(`${where}.match: expected all or any`);
    const packet: ExpectedPacket = { src: String(p.src), dst: String(p.dst) };
    for (const k of ["proto", "sport", "dport", "iif", "mark"] as const) {
      const v = text(p[k]);
      if (v !== undefined) packet[k] = v;
    }
    const assume = [...shared, ...assumeList(e.assume, `${where}.assume`, errors)];
    if (assume.length > 0) packet.assume = assume;
    const exp: Expectation = {
      name: typeof e.name === "string" ? e.name : `${packet.proto ?? "tcp"} ${packet.src} → ${packet.dst}${packet.dport ? `:${packet.dport}` : ""}`,
      packet,
      match: e.match === "any" ? "any" : "all",
    };
    if (typeof e.verdict === "string") exp.verdict = e.verdict;
    if (typeof e.snat === "boolean") exp.snat = e.snat;
    if (typeof e.dnat === "boolean") exp.dnat = e.dnat;
    if (isDoc(e.final)) exp.final = { ...(text(e.final.src) ? { src: text(e.final.src) } : {}), ...(text(e.final.dst) ? { dst: text(e.final.dst) } : {}) };
    if (e.egress === null) exp.egress = null;
    else if (isDoc(e.egress)) {
      const g = e.egress;
      exp.egress = {};
      for (const k of ["interface", "eni", "table", "gateway"] as const) if (k in g) exp.egress[k] = g[k] === null ? null : String(g[k]);
    }
    expect.push(exp);
  });
  return errors.length ? { errors } : { node: doc.node as string, expect };
}

export interface Mismatch {
  field: string;
  expected: string;
  traced: string;
}

type OutcomeView = { verdict: string; snat: boolean; dnat: boolean; final: { src: string; dst: string }; egress: TraceJson["egress"] };

function compareOne(exp: Expected, o: OutcomeView): Mismatch[] {
  const out: Mismatch[] = [];
  const cmp = (field: string, expected: unknown, traced: unknown) => {
    if (expected !== undefined && expected !== traced) out.push({ field, expected: String(expected), traced: String(traced) });
  };
  cmp("verdict", exp.verdict, o.verdict);
  cmp("snat", exp.snat, o.snat);
  cmp("dnat", exp.dnat, o.dnat);
  cmp("final.src", exp.final?.src, o.final.src);
  cmp("final.dst", exp.final?.dst, o.final.dst);
  if (exp.egress === null) {
    if (o.egress !== null) out.push({ field: "egress", expected: "none (does not leave the node)", traced: o.egress.interface ?? "?" });
  } else if (exp.egress) {
    for (const k of ["interface", "eni", "table", "gateway"] as const) {
      if (k in exp.egress) cmp(`egress.${k}`, exp.egress[k], o.egress?.[k] ?? null);
    }
  }
  return out;
}

/** Mismatches of a trace against an expectation: none means it holds. */
export function compareTrace(exp: Expectation, trace: TraceJson): Mismatch[] {
  const views = trace.outcomes.map((o) => ({ ...o, final: { src: o.final.src, dst: o.final.dst } }));
  const results = views.map((v) => compareOne(exp, v));
  if (exp.match === "any") return results.some((r) => r.length === 0) ? [] : (results[0] ?? []);
  return results.flat();
}
