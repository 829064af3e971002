/**
 * Reads `iptables -L` listings (`-L -n -v`, `-L -n`, `-L`, `--line-numbers`, `-x`, and the EKS log
 * collector's files) into the same syntax lines the `-S` parser produces: `-P` for a built-in chain's
 * header, `-N` for a user chain's, and one `-A` per rule row, its items rebuilt from the columns and
 * from the text each match and target printed. What the -L format cannot show is reported where it
 * is lost; a bad line costs only itself.
 */
import { diagnostic, sortDiagnostics, type Diagnostic, type Severity } from "../diagnostics.js";
import * as grammar from "../generated/iptables-list.js";
import { BUILTIN_CHAINS, TABLES, type TableName } from "../model/netfilter.js";
import { servicePort } from "../model/services.js";
import type { ParsedIptLine } from "./iptables.js";
import type { IptExtOption, IptItem, IptLine, IptMatchModule, IptTargetSpec, IptValue } from "./iptables-syntax.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

// ---------------------------------------------------------------- what the grammar returns

/** A token of the listing with its column. */
interface Tok {
  text: string;
  quoted?: boolean;
  column: number;
}

interface Field extends Tok {
  negated: boolean;
}

type Phrase =
  | { type: "comment"; text: string; column: number }
  | { type: "goto"; column: number }
  | { type: "tcp"; proto: string; options: { name: "spt" | "spts" | "dpt" | "dpts" | "flags" | "option"; negated: boolean; values: Tok[]; column: number }[]; column: number }
  | { type: "multiport"; name: string; negated: boolean; value: Tok; column: number }
  | { type: "addrtype"; options: { name: string; negated: boolean; value: Tok | null; column: number }[]; column: number }
  | { type: "mark" | "connmark" | "state" | "pkttype" | "length" | "mac"; negated: boolean; value: Tok; column: number }
  | { type: "conntrack"; name: string; negated: boolean; value: Tok; column: number }
  | { type: "statistic"; mode: "random" | "nth"; negated: boolean; values: Tok[]; column: number }
  | { type: "set"; negated: boolean; name: Tok; flags: Tok; returnNomatch: boolean; column: number }
  | { type: "icmp"; family: 4 | 6; negated: boolean; icmpType: Tok; code: Tok | null; column: number }
  | { type: "physdev"; options: { name: string; negated: boolean; value: Tok | null; column: number }[]; column: number }
  | { type: "iprange"; side: "source" | "destination"; negated: boolean; value: Tok; column: number }
  | { type: "limit"; rate: Tok; burst: Tok; column: number }
  | { type: "owner"; name: string; negated: boolean; value: Tok | null; column: number }
  | { type: "target-option"; name: string; values: Tok[]; column: number }
  | { type: "mark-target"; target: "MARK" | "CONNMARK"; op: "xset" | "set" | "and" | "or" | "xor"; value: Tok; column: number }
  | { type: "connmark-target"; op: "save" | "restore"; masks: { name: "mask" | "nfmask" | "ctmask"; value: Tok; column: number }[]; column: number }
  | { type: "log-target"; options: { name: string; value: Tok | null; column: number }[]; column: number }
  | { type: "tproxy-target"; to: Tok; mark: Tok | null; column: number }
  | { type: "unknown"; text: string; raw: string; column: number };

type ListLine =
  | { type: "chain"; name: string; policy: string | null; references: number | null; column: number }
  | { type: "columns"; num: boolean; counters: boolean; interfaces: boolean; column: number }
  | { type: "footer"; total: number | null; column: number }
  | { type: "separator"; column: number }
  | { type: "comment"; text: string; column: number }
  | { type: "blank" };

interface Row {
  type: "row";
  num: number | null;
  target: Tok | null;
  prot: Field;
  opt: Tok;
  in: Field | null;
  out: Field | null;
  source: Field;
  destination: Field;
  ext: Phrase[];
}

const lineParser = grammar as unknown as PeggyParser<ListLine>;
const rowParser = grammar as unknown as PeggyParser<Row>;

interface Columns {
  num: boolean;
  counters: boolean;
}

const ROW_RULES = {
  "plain": "RowPlain",
  "num-plain": "RowNumPlain",
  "verbose": "RowVerbose",
  "num-verbose": "RowNumVerbose",
} as const;

function rowRule(c: Columns): string {
  return ROW_RULES[`${c.num ? "num-" : ""}${c.counters ? "verbose" : "plain"}`];
}

// ---------------------------------------------------------------- values as -S prints them

/** -S quotes a value unless it is only letters, digits, `_` and `-` (xtables_save_string). */
function needsQuotes(text: string): boolean {
  return !/^[A-Za-z0-9_-]+$/.test(text);
}

function val(text: string, column: number, quoted = false): IptValue {
  return { text, quoted, column };
}

function ext(name: string, negated: boolean, values: IptValue[], column: number): IptExtOption {
  return { type: "ext", name, negation: negated ? "before" : null, values, column };
}

function module(name: string, options: IptExtOption[], column: number): IptMatchModule {
  return { type: "match", flag: "-m", module: name, options, column };
}

const PROTOCOL_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({
  "1": "icmp", "2": "igmp", "6": "tcp", "17": "udp", "47": "gre", "50": "esp", "51": "ah",
  "58": "ipv6-icmp", "132": "sctp", "135": "mh", "136": "udplite",
}));

/** /etc/networks names `iptables -L` (without -n) may print instead of an address. */
const NETWORKS: ReadonlyMap<string, string> = new Map(Object.entries({ loopback: "127.0.0.0", "link-local": "169.254.0.0" }));

const TCP_FLAGS: [string, number][] = [["FIN", 0x01], ["SYN", 0x02], ["RST", 0x04], ["PSH", 0x08], ["ACK", 0x10], ["URG", 0x20]];

/** `0x17` → `FIN,SYN,RST,ACK`, in the order -S prints them; names pass through. */
function tcpFlags(text: string): string {
  if (!/^0x[0-9A-Fa-f]+$/.test(text)) return text;
  const n = Number(text);
  const names = TCP_FLAGS.filter(([, bit]) => (n & bit) !== 0).map(([name]) => name);
  return names.length === 0 ? "NONE" : names.join(",");
}

const LOG_FLAGS: [string, number][] = [["log-tcp-sequence", 0x01], ["log-tcp-options", 0x02], ["log-ip-options", 0x04], ["log-uid", 0x08], ["log-macdecode", 0x20]];

const LOG_LEVELS: ReadonlyMap<string, string> = new Map(Object.entries({ emerg: "0", alert: "1", crit: "2", error: "3", err: "3", warning: "4", warn: "4", notice: "5", info: "6", debug: "7" }));

/** Targets whose printed text podpath reads; for the others it is kept out (their options change nothing podpath traces). */
const TARGET_OPTIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  REJECT: ["reject-with"],
  SNAT: ["to", "random", "random-fully", "persistent"],
  DNAT: ["to", "random", "persistent"],
  NETMAP: ["to"],
  MASQUERADE: ["to-ports", "random", "random-fully"],
  REDIRECT: ["to-ports", "random"],
  NFLOG: ["nflog-prefix", "nflog-group", "nflog-range", "nflog-size", "nflog-threshold"],
  CT: ["notrack", "zone"],
  NOTRACK: ["notrack"],
}));

/** Targets whose effect podpath models: losing their options would change a trace. */
// CT is not among them: its only modelled effect, notrack, is always printed first as `CT notrack`.
const MODELLED_TARGETS = new Set(["REJECT", "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "MARK", "CONNMARK", "TPROXY"]);

// ---------------------------------------------------------------- one rule row

type Report = (column: number, severity: Severity, message: string) => void;

const PASTE_EXACT = "paste iptables-save (or iptables -t TABLE -S) to have it exactly";

/** Turns a row into `-A` items in the order `iptables -S` prints them. */
function rowItems(row: Row, lineText: string, family: { v6: boolean }, report: Report): IptItem[] {
  const items: IptItem[] = [];
  const addressItem = (flag: "-s" | "-d", f: Field) => {
    const any = f.text === "0.0.0.0/0" || f.text === "::/0" || f.text === "anywhere";
    if (any && !f.negated) return;
    if (f.text.includes(":")) family.v6 = true;
    const numeric = /^[0-9.]+(\/[0-9.]+)?$/.test(f.text) || /^[0-9a-fA-F]*:[0-9a-fA-F:.]*(\/[0-9]+)?$/.test(f.text);
    let text = f.text === "anywhere" ? (family.v6 ? "::/0" : "0.0.0.0/0") : f.text;
    if (!numeric && !any) {
      const [name, len] = text.split("/", 2);
      const net = NETWORKS.get(name ?? "");
      if (net === undefined) {
        report(f.column, "warning", `iptables -L printed the name "${f.text}" instead of an address (run without -n): the rule keeps it as a condition podpath cannot decide; paste iptables -L -n, or ${PASTE_EXACT}`);
        items.push(module(`${flag === "-s" ? "source" : "destination"} ${f.negated ? "!" : ""}${f.text}`, [], f.column));
        return;
      }
      text = len === undefined ? net : `${net}/${len}`;
    }
    if (!text.includes("/")) text += text.includes(":") ? "/128" : "/32";
    items.push({ type: "base", flag, negation: f.negated ? "before" : null, values: [val(text, f.column)], column: f.column });
  };
  addressItem("-s", row.source);
  addressItem("-d", row.destination);
  for (const [flag, f] of [["-i", row.in], ["-o", row.out]] as const) {
    if (f === null || (f.text === "*" && !f.negated)) continue;
    items.push({ type: "base", flag, negation: f.negated ? "before" : null, values: [val(f.text, f.column)], column: f.column });
  }
  const prot = row.prot;
  const protText = PROTOCOL_NAMES.get(prot.text) ?? prot.text;
  if (!(protText === "0" || protText === "all") || prot.negated) {
    items.push({ type: "base", flag: "-p", negation: prot.negated ? "before" : null, values: [val(protText === "0" ? "all" : protText, prot.column)], column: prot.column });
  }
  if (row.opt.text !== "--") {
    items.push({ type: "base", flag: "-f", negation: row.opt.text === "!f" ? "before" : null, values: [], column: row.opt.column });
  }

  const targetName = row.target?.text ?? null;
  let goto = false;
  const targetOptions: IptExtOption[] = [];
  const unknown: Extract<Phrase, { type: "unknown" }>[] = [];
  // Unknown words next to each other are one chunk of text some module or target printed.
  const flushUnknown = () => {
    if (unknown.length === 0) return;
    const first = unknown[0] as Extract<Phrase, { type: "unknown" }>;
    const last = unknown[unknown.length - 1] as Extract<Phrase, { type: "unknown" }>;
    const text = lineText.slice(first.column - 1, last.column - 1 + last.raw.length);
    unknown.length = 0;
    // TCPMSS prints its one option in words; which one decides where the kernel takes it.
    const mss = targetName === "TCPMSS" ? /^TCPMSS (?:(clamp to PMTU)|set (\d+))$/.exec(text) : null;
    if (mss !== null) {
      targetOptions.push(mss[1] !== undefined ? ext("clamp-mss-to-pmtu", false, [], first.column) : ext("set-mss", false, [val(mss[2] as string, first.column + 11)], first.column));
      return;
    }
    if (targetName !== null && (text === targetName || text.startsWith(`${targetName} `))) {
      // What the target printed about itself (`CT zone 5`).
      if (MODELLED_TARGETS.has(targetName)) {
        report(first.column, "warning", `cannot read the options of ${targetName} from "${text}": podpath lowers the target without them; ${PASTE_EXACT}`);
      } else {
        report(first.column, "info", `the options of ${targetName} ("${text}") are not read from iptables -L text; they do not change the packet's path`);
      }
      return;
    }
    report(first.column, "warning", `cannot read "${text}" from iptables -L text: the rule keeps it as a condition podpath cannot decide (both answers are explored); ${PASTE_EXACT}`);
    items.push(module(text, [], first.column));
  };

  // Target text printed after a target that does not print it is someone else's text.
  const phrases = row.ext.map((p, i): Phrase => {
    const raw = lineText.slice(p.column - 1, (row.ext[i + 1]?.column ?? lineText.length + 1) - 1).trimEnd();
    const owner = p.type === "target-option" ? (targetName !== null && TARGET_OPTIONS.get(targetName)?.includes(p.name) ? targetName : null)
      : p.type === "mark-target" ? p.target : p.type === "connmark-target" ? "CONNMARK" : p.type === "log-target" ? "LOG" : p.type === "tproxy-target" ? "TPROXY" : undefined;
    return owner === undefined || (owner !== null && owner === targetName) ? p : { type: "unknown", text: raw, raw, column: p.column };
  });
  for (const p of phrases) {
    if (p.type !== "unknown") flushUnknown();
    switch (p.type) {
      case "unknown":
        unknown.push(p);
        break;
      case "comment":
        items.push(module("comment", [ext("comment", false, [val(p.text, p.column + 3, needsQuotes(p.text))], p.column)], p.column));
        break;
      case "goto":
        goto = true;
        break;
      case "tcp": {
        const options: IptExtOption[] = [];
        for (const o of p.options) {
          const v = o.values[0] as Tok;
          if (o.name === "flags") {
            const comp = o.values[1] as Tok;
            options.push(ext("tcp-flags", o.negated, [val(tcpFlags(v.text), v.column), val(tcpFlags(comp.text), comp.column)], o.column));
          } else if (o.name === "option") {
            options.push(ext("tcp-option", o.negated, [val(v.text, v.column)], o.column));
          } else {
            options.push(ext(o.name.startsWith("s") ? "sport" : "dport", o.negated, [val(ports(v, report), v.column)], o.column));
          }
        }
        items.push(module(p.proto, options, p.column));
        break;
      }
      case "multiport":
        items.push(module("multiport", [ext(p.name, p.negated, [val(ports(p.value, report), p.value.column)], p.column)], p.column));
        break;
      case "addrtype":
        items.push(module("addrtype", p.options.map((o) =>
          o.value === null
            ? ext(o.name === "limit-in" ? "limit-iface-in" : "limit-iface-out", false, [], o.column)
            : ext(o.name, o.negated, [val(o.value.text, o.value.column)], o.column)), p.column));
        break;
      case "mark":
      case "connmark":
        items.push(module(p.type, [ext("mark", p.negated, [val(p.value.text, p.value.column)], p.column)], p.column));
        break;
      case "state":
        items.push(module("state", [ext("state", p.negated, [val(p.value.text, p.value.column)], p.column)], p.column));
        break;
      case "conntrack": {
        const option = ext(p.name, p.negated, [val(p.value.text, p.value.column)], p.column);
        const last = items[items.length - 1];
        // One -m conntrack prints one phrase per option.
        if (last?.type === "match" && last.module === "conntrack") last.options.push(option);
        else items.push(module("conntrack", [option], p.column));
        break;
      }
      case "statistic": {
        const [a, b] = p.values as [Tok, Tok | undefined];
        const options = p.mode === "random"
          ? [ext("mode", false, [val("random", p.column)], p.column), ext("probability", p.negated, [val(a.text, a.column)], a.column)]
          : [ext("mode", false, [val("nth", p.column)], p.column), ext("every", p.negated, [val(a.text, a.column)], a.column), ext("packet", false, [val(b?.text ?? "0", b?.column ?? a.column)], b?.column ?? a.column)];
        items.push(module("statistic", options, p.column));
        break;
      }
      case "set": {
        const options = [ext("match-set", p.negated, [val(p.name.text, p.name.column), val(p.flags.text, p.flags.column)], p.column)];
        if (p.returnNomatch) options.push(ext("return-nomatch", false, [], p.column));
        items.push(module("set", options, p.column));
        break;
      }
      case "icmp": {
        let type = p.icmpType.text;
        if (p.code !== null) type = `${type}/${p.code.text}`;
        // Type 255 with every code is how the kernel stores `any`.
        else if (type === "255") type = "any";
        const [mod, opt] = p.family === 4 ? ["icmp", "icmp-type"] : ["icmp6", "icmpv6-type"];
        items.push(module(mod, [ext(opt, p.negated, [val(type, p.icmpType.column)], p.column)], p.column));
        break;
      }
      case "physdev":
        items.push(module("physdev", p.options.map((o) => ext(o.name, o.negated, o.value ? [val(o.value.text, o.value.column)] : [], o.column)), p.column));
        break;
      case "iprange": {
        const option = ext(p.side === "source" ? "src-range" : "dst-range", p.negated, [val(p.value.text, p.value.column)], p.column);
        const last = items[items.length - 1];
        if (last?.type === "match" && last.module === "iprange") last.options.push(option);
        else items.push(module("iprange", [option], p.column));
        break;
      }
      case "limit": {
        const options = [ext("limit", false, [val(p.rate.text, p.rate.column)], p.column)];
        // -S leaves out the default burst of 5.
        if (p.burst.text !== "5") options.push(ext("limit-burst", false, [val(p.burst.text, p.burst.column)], p.burst.column));
        items.push(module("limit", options, p.column));
        break;
      }
      case "owner": {
        if (p.value && !/^[0-9]+(-[0-9]+)?$/.test(p.value.text)) {
          report(p.value.column, "warning", `iptables -L printed the ${p.name === "uid-owner" ? "user" : "group"} name "${p.value.text}" (run without -n) where -S shows a number; the condition stays one podpath cannot decide; paste iptables -L -n, or ${PASTE_EXACT}`);
        }
        const option = ext(p.name, p.negated, p.value ? [val(p.value.text, p.value.column)] : [], p.column);
        const last = items[items.length - 1];
        if (last?.type === "match" && last.module === "owner") last.options.push(option);
        else items.push(module("owner", [option], p.column));
        break;
      }
      case "pkttype":
        items.push(module("pkttype", [ext("pkt-type", p.negated, [val(p.value.text, p.value.column)], p.column)], p.column));
        break;
      case "length":
        items.push(module("length", [ext("length", p.negated, [val(p.value.text, p.value.column)], p.column)], p.column));
        break;
      case "mac":
        items.push(module("mac", [ext("mac-source", p.negated, [val(p.value.text, p.value.column)], p.column)], p.column));
        break;
      case "target-option": {
        if (p.name === "to") {
          const name = targetName === "SNAT" ? "to-source" : targetName === "DNAT" ? "to-destination" : "to";
          targetOptions.push(ext(name, false, p.values.map((v) => val(v.text, v.column)), p.column));
        } else {
          targetOptions.push(ext(p.name, false, p.values.map((v) => val(v.text, v.column, needsQuotes(v.text) && p.name === "nflog-prefix")), p.column));
        }
        break;
      }
      case "mark-target": {
        const name = { xset: "set-xmark", set: "set-mark", and: "and-mark", or: "or-mark", xor: "xor-mark" }[p.op];
        targetOptions.push(ext(name, false, [val(p.value.text, p.value.column)], p.column));
        break;
      }
      case "connmark-target": {
        targetOptions.push(ext(p.op === "save" ? "save-mark" : "restore-mark", false, [], p.column));
        for (const m of p.masks) {
          // `~0x…` prints the mask itself (libxt_CONNMARK), not its complement.
          const names = m.name === "mask" ? ["nfmask", "ctmask"] : [m.name];
          for (const n of names) targetOptions.push(ext(n, false, [val(m.value.text, m.value.column)], m.column));
        }
        break;
      }
      case "log-target": {
        for (const o of p.options) {
          if (o.name === "prefix" && o.value) targetOptions.push(ext("log-prefix", false, [val(o.value.text, o.value.column, needsQuotes(o.value.text))], o.column));
          else if (o.name === "level" && o.value) {
            const level = LOG_LEVELS.get(o.value.text) ?? o.value.text;
            if (level !== "4") targetOptions.push(ext("log-level", false, [val(level, o.value.column)], o.column));
          } else if (o.name === "flags" && o.value) {
            const n = Number(o.value.text);
            for (const [name, bit] of LOG_FLAGS) if ((n & bit) !== 0) targetOptions.push(ext(name, false, [], o.column));
          } else if (o.value === null) targetOptions.push(ext(`log-${o.name}`, false, [], o.column));
        }
        break;
      }
      case "tproxy-target": {
        const colon = p.to.text.lastIndexOf(":");
        targetOptions.push(ext("on-port", false, [val(p.to.text.slice(colon + 1), p.to.column + colon + 1)], p.column));
        targetOptions.push(ext("on-ip", false, [val(p.to.text.slice(0, Math.max(colon, 0)), p.to.column)], p.column));
        if (p.mark) targetOptions.push(ext("tproxy-mark", false, [val(p.mark.text, p.mark.column)], p.mark.column));
        break;
      }
    }
  }
  flushUnknown();
  if (row.target !== null) {
    const target: IptTargetSpec = {
      type: "target",
      flag: goto ? "-g" : "-j",
      kind: goto ? "goto" : "jump",
      name: row.target.text,
      options: goto ? [] : targetOptions,
      column: row.target.column,
    };
    items.push(target);
  }
  return items;
}


/** Ports as -S prints them: numbers (service names translated), `a:b` ranges, `,` lists. */
function ports(tok: Tok, report: Report): string {
  return tok.text.split(",").map((part) => part.split(":").map((p) => {
    if (p === "" || /^[0-9]+$/.test(p)) return p;
    const n = servicePort(p);
    if (n !== undefined) return String(n);
    report(tok.column, "warning", `iptables -L printed the service name "${p}" (run without -n) and podpath does not know its port: paste iptables -L -n, or ${PASTE_EXACT}`);
    return p;
  }).join(":")).join(",");
}

// ---------------------------------------------------------------- listings

interface Listing {
  /** Chain headers in the order seen; built-ins carry a policy. */
  chains: { name: string; policy: string | null; line: SourceLine; column: number }[];
  rules: ParsedIptLine[];
  opener: SourceLine;
  footer: { total: number; line: SourceLine } | null;
  rows: number;
  lossyInterfacesReported: boolean;
  closed: boolean;
}

function tableOf(builtins: string[]): TableName | null {
  const key = [...builtins].sort().join(",");
  for (const table of TABLES) if ([...BUILTIN_CHAINS[table]].sort().join(",") === key) return table;
  return null;
}

export function parseIptablesListSection(
  lines: readonly SourceLine[],
  tableHint: TableName | null,
): { listings: { tableHint: TableName | null; lines: ParsedIptLine[] }[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (line: SourceLine) => (column: number, severity: Severity, message: string) =>
    diagnostics.push(diagnostic({ file: line.file, line: line.line, column }, severity, message, line.raw));
  const listings: Listing[] = [];
  let current: Listing | null = null;
  let chain: string | null = null;
  let columns: Columns | null = null;

  for (const source of lines) {
    const parsed = parseLine(lineParser, source, "iptables -L", { startRule: "Line" });
    if (parsed.ok) {
      const node = parsed.value;
      switch (node.type) {
        case "blank":
          break;
        case "comment":
          if (/iptables-legacy tables present/.test(node.text)) {
            at(source)(node.column, "warning", "iptables-nft says iptables-legacy tables are present: their rules are not in this listing and run too; paste iptables-legacy-save as well");
          }
          break;
        case "separator":
          if (current) current.closed = true;
          break;
        case "footer":
          if (current) {
            current.closed = true;
            if (node.total !== null) current.footer = { total: node.total, line: source };
          }
          chain = null;
          break;
        case "chain": {
          const builtin = node.policy !== null;
          const startsNew = current === null || current.closed ||
            (builtin && current.chains.some((c) => c.name === node.name || c.policy === null));
          if (startsNew) {
            current = { chains: [], rules: [], opener: source, footer: null, rows: 0, lossyInterfacesReported: false, closed: false };
            listings.push(current);
          }
          const listing = current as Listing;
          listing.chains.push({ name: node.name, policy: node.policy, line: source, column: node.column });
          chain = node.name;
          columns = null;
          break;
        }
        case "columns":
          columns = { num: node.num, counters: node.counters };
          if (current && !node.interfaces && !current.lossyInterfacesReported) {
            current.lossyInterfacesReported = true;
            at(source)(node.column, "warning", "iptables -L without -v does not show interfaces (in/out): rules that match an interface are read as if they matched every interface; paste iptables-save, iptables -t TABLE -S, or iptables -t TABLE -L -n -v");
          }
          break;
      }
      continue;
    }
    // Not a header: a rule row of the current chain, read with the columns its header announced.
    if (chain === null || current === null) {
      const guess = parseLine(rowParser, source, "iptables -L rule row", { startRule: "RowVerbose" });
      if (guess.ok) at(source)(1, "error", "iptables -L rule row before any `Chain NAME (…)` header: expected the chain header first");
      else diagnostics.push(parsed.diagnostic);
      continue;
    }
    const cols = columns ?? { num: false, counters: true };
    const row = parseLine(rowParser, source, "iptables -L rule row", { startRule: rowRule(cols) });
    if (!row.ok) {
      diagnostics.push(row.diagnostic);
      continue;
    }
    current.rows++;
    const family = { v6: false };
    const items = rowItems(row.value, source.raw, family, at(source));
    const column = source.raw.length - source.raw.trimStart().length + 1;
    current.rules.push({ source, node: command("A", chain, null, items, column) });
  }

  const out = listings.map((listing, index) => {
    const report = at(listing.opener);
    const builtins = listing.chains.filter((c) => c.policy !== null).map((c) => c.name);
    const inferred = builtins.length > 0 ? tableOf(builtins) : null;
    let table: TableName | null;
    const hintFits = tableHint !== null && builtins.every((b) => BUILTIN_CHAINS[tableHint].includes(b));
    if (tableHint !== null && listings.length === 1) {
      table = hintFits ? tableHint : inferred;
      if (!hintFits) report(1, "warning", `this listing's built-in chains (${builtins.join(", ")}) do not belong to table ${tableHint} named by its header; podpath reads it as ${inferred ?? "an unknown table"}`);
    } else if (inferred !== null) {
      table = inferred;
      const also = inferred === "filter" ? " (or security, which has the same chains)" : "";
      report(1, "info", `iptables -L cannot show the table name: podpath took this listing to be the ${inferred} table${also} from its built-in chains; paste iptables -t TABLE -L with its command line, or iptables-save, to be exact`);
    } else {
      table = hintFits && listings.length === 1 ? tableHint : null;
      if (builtins.length === 0) {
        report(1, "warning", `this listing shows only chain${listing.chains.length === 1 ? "" : "s"} ${listing.chains.map((c) => c.name).join(", ")}: iptables -L CHAIN does not show the table or the chains it jumps to; paste the whole table (iptables -t TABLE -L -n -v, or iptables-save)`);
      } else {
        report(1, "warning", `cannot tell the table of this listing: its built-in chains (${builtins.join(", ")}) are not those of any table; paste iptables-save, or iptables -t TABLE -L -n -v with its command line`);
      }
    }
    if (listing.footer && listing.footer.total > listing.rows) {
      at(listing.footer.line)(1, "warning", `the footer counts ${listing.footer.total} rules but ${listing.rows} rule rows were read${index === listings.length - 1 ? "" : " before it"}: the listing may be cut short`);
    }
    const decls: ParsedIptLine[] = [];
    for (const c of listing.chains.filter((x) => x.policy !== null)) decls.push({ source: c.line, node: command("P", c.name, c.policy, [], c.column) });
    for (const c of listing.chains.filter((x) => x.policy === null)) decls.push({ source: c.line, node: command("N", c.name, null, [], c.column) });
    return { tableHint: table, lines: [...decls, ...listing.rules] };
  });
  return { listings: out, diagnostics: sortDiagnostics(diagnostics) };
}

function command(letter: "A" | "N" | "P", chain: string, policy: string | null, items: IptItem[], column: number): IptLine {
  return { type: "command", command: letter, flag: `-${letter}`, chain, number: null, policy, counters: null, spec: { items }, column };
}
