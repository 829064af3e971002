/**
 * Splits a paste into nodes and sections by content: prompt lines (`$ ip rule`, `[root@x ~]# ip
 * route`), markdown headings and fences, `>> node X <<` separators, and, where nothing says, the
 * shape of each line. Lines that belong to no format are returned as skipped, never dropped.
 */
import type { Family } from "../model/address.js";
import type { TableName } from "../model/netfilter.js";
import {
  isIpAddrContinuation, isIpAddrHeader, isIpBriefLine, isIpRouteContinuation, isIpRouteLine, isIpRuleLine,
} from "./recognise-ip.js";
import { isConntrackLine } from "./conntrack.js";
import { isIfconfigHeader } from "./ifconfig.js";
import type { SourceLine } from "./source.js";

export type SectionFormat = "iptables" | "iptables-list" | "ip-rule" | "ip-route" | "ip-addr" | "ifconfig" | "conntrack" | "json";

export interface Section {
  format: SectionFormat;
  /** Family stated by the command (`ip -6 route`, `ip6tables-save`); null when it did not say. */
  family: Family | null;
  /** `iptables -t nat …`. */
  tableHint: TableName | null;
  /** `ip route show table 2`: routes printed without `table`, which belong to this table. */
  routeTable: string | null;
  /** The command or file name that announced it, for summaries. */
  origin: string | null;
  lines: SourceLine[];
}

export interface NodeSections {
  name: string;
  sections: Section[];
  skipped: SourceLine[];
}

interface Hint {
  format: SectionFormat | null;
  family: Family | null;
  tableHint: TableName | null;
  routeTable: string | null;
  origin: string;
}

/** A chain declaration whose name has no prompt character (`#$%>`): nothing but the iptables claim takes it. */
const CHAIN_DECL = /^:[^\s#$%>]+ (?:ACCEPT|DROP|RETURN|QUEUE|-)(?: |$)/;
const SEPARATOR = /^\s*>{2,}\s*(?:node\s+)?(.*?)\s*<{2,}\s*$/i;
const FENCE = /^\s*(```|~~~)/;
const HEADING = /^\s*#{1,6}\s+(.*)$/;
// `$ cmd`, `# cmd`, `[root@ip-1-2-3-4 ~]# cmd`, `user@host:~$ cmd`, `sh-5.2# cmd`, `bash-4.2$ cmd`
const PROMPT = /^\s*(?:\[[^\]]*\]\s*[#$]|[\w.@:~/-]+[#$%>]|[#$%>])\s*(.+)$/;
/** How a JSON document starts: `{"…`, `{` alone, `[{`, `["…`, `[1`, `[]`. */
const JSON_START = /^\s*(\{\s*("|\}|$)|\[\s*([{["\]\d-]|true|false|null|$))/;
const BARE_PROMPT = /^\s*(?:\[[^\]]*\]\s*[#$]|[\w.-]+@[\w.:~/-]+[#$%>]|[\w.-]+-\d[\d.]*[#$])\s*$/;
const HOSTNAME_IP = /\bip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\b/;
const COMMAND_WORDS = /^(?:sudo\s+(?:-\S+\s+)*)?(ip6?tables(?:-legacy|-nft)?(?:-save)?|ip|ifconfig|cat|curl|conntrack|less|more|head|tail)\b/;

function tableOf(args: string): TableName | null {
  const m = /(?:^|\s)(?:-t|--table)[\s=]+(\w+)/.exec(args) ?? /(?:^|\s)-\w*t\s+(\w+)/.exec(args);
  const t = m?.[1];
  return t === "raw" || t === "mangle" || t === "nat" || t === "filter" || t === "security" ? t : null;
}

/** What a command line or file name announces. */
export function hintFor(command: string): Hint | null {
  const cmd = command.trim().replace(/^sudo\s+(?:-\S+\s+)*/, "");
  const origin = cmd;
  const ipt = /^(ip6?)tables(?:-legacy|-nft)?(-save)?\b(.*)$/.exec(cmd);
  if (ipt) {
    const family: Family = ipt[1] === "ip6" ? 6 : 4;
    const args = ipt[3] ?? "";
    if (ipt[2]) return { format: "iptables", family, tableHint: tableOf(args), routeTable: null, origin };
    if (/(?:^|\s)(?:-\w*S\w*|--list-rules)\b/.test(args)) return { format: "iptables", family, tableHint: tableOf(args), routeTable: null, origin };
    if (/(?:^|\s)(?:-\w*L\w*|--list)\b/.test(args)) return { format: "iptables-list", family, tableHint: tableOf(args), routeTable: null, origin };
    return null;
  }
  const ip = /^ip\s+((?:-\S+\s+)*)(\S+)(.*)$/.exec(cmd);
  if (ip) {
    const opts = ip[1] ?? "";
    const family: Family | null = /(?:^|\s)-6\b/.test(opts) ? 6 : /(?:^|\s)-4\b/.test(opts) ? 4 : null;
    const obj = ip[2] ?? "";
    const rest = ip[3] ?? "";
    if ("rule".startsWith(obj) && obj.length >= 2 || obj === "ru") return { format: "ip-rule", family, tableHint: null, routeTable: null, origin };
    if ("route".startsWith(obj) && obj.length >= 1 && obj !== "" && obj[0] === "r") {
      const t = /\btable\s+(\S+)/.exec(rest)?.[1] ?? null;
      return { format: "ip-route", family, tableHint: null, routeTable: t === "all" ? null : t, origin };
    }
    if ("address".startsWith(obj) || "link".startsWith(obj)) return { format: "ip-addr", family, tableHint: null, routeTable: null, origin };
    return null;
  }
  if (/^conntrack\s+(-\S*L|--dump)/.test(cmd)) return { format: "conntrack", family: null, tableHint: null, routeTable: null, origin };
  if (/^ifconfig\b/.test(cmd)) return { format: "ifconfig", family: null, tableHint: null, routeTable: null, origin };
  const file = /(?:^|[\s/])([\w.-]+)\s*$/.exec(cmd)?.[1] ?? "";
  if (/^(cat|less|more|head|tail)\b/.test(cmd) || !/\s/.test(cmd)) return hintForFile(file, origin);
  if (/^curl\b/.test(cmd) && /\/v1\//.test(cmd)) return { format: "json", family: null, tableHint: null, routeTable: null, origin };
  return null;
}

/** File names the EKS log collector and people use. */
export function hintForFile(fileName: string, origin = fileName): Hint | null {
  const f = fileName.toLowerCase();
  const mk = (format: SectionFormat, family: Family | null = null): Hint => ({ format, family, tableHint: null, routeTable: null, origin });
  if (/ip6tables-save/.test(f)) return mk("iptables", 6);
  if (/iptables-save|iptables-s\b|iptables-rules/.test(f)) return mk("iptables", 4);
  if (/ip6tables/.test(f)) return mk("iptables-list", 6);
  if (/iptables(-l)?\b/.test(f)) return mk("iptables-list", 4);
  if (/ip-?rule/.test(f)) return mk("ip-rule", /6/.test(f) ? 6 : null);
  if (/ip-?route/.test(f)) return mk("ip-route", /6/.test(f) ? 6 : null);
  if (/ip-?(addr|link)/.test(f)) return mk("ip-addr");
  if (/ifconfig/.test(f)) return mk("ifconfig");
  if (/conntrack/.test(f)) return mk("conntrack");
  if (f.endsWith(".json")) return mk("json");
  return null;
}

/** Lines a format claims outright, whatever came before. */
const CLAIMS: [SectionFormat, (t: string) => boolean][] = [
  ["iptables", (t) => /^\s*(\*[a-z]+\s*$|:\S+\s+(ACCEPT|DROP|RETURN|QUEUE|-)(\s|$)|COMMIT\s*$|# (Generated by|Completed on) ip6?tables|(\[\d+:\d+\]\s+)?-[APN]\s+\S)/.test(t)],
  ["iptables-list", (t) => /^\s*Chain\s+\S+\s+\((policy\s+\w+|\d+\s+references?)/.test(t)],
  ["ip-rule", isIpRuleLine],
  ["ip-addr", (t) => isIpAddrHeader(t) || isIpBriefLine(t)],
  ["ifconfig", isIfconfigHeader],
  ["conntrack", isConntrackLine],
  ["ip-route", isIpRouteLine],
];

/** Lines that continue a section of a format but would not start one. */
const CONTINUES: Record<SectionFormat, (t: string) => boolean> = {
  // A `-…` or `:…` line inside a dump is the dump's, to be diagnosed there, however malformed
  // (but not a `- note` bullet of the text around a paste).
  "iptables": (t) => /^\s*(\[\d+:\d+\]\s+)?-(?:[^\s]|$)|^\s*#|^:/.test(t),
  "iptables-list": (t) => /^\s*(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt|^\s*\d+\s+|^\s*[A-Z][\w-]*\s+(all|tcp|udp|icmp|\d+|[a-z]+)\s+|^\s*[\w-]+\s+[\w-]+\s+--\s|Total Number of Rules|^=+\s*$|^\s*$/.test(t),
  "ip-rule": (t) => /^\s*\d+:/.test(t),
  // Bounded repeats: a long run of digits must not make this backtrack (a line is 10k+ characters at times).
  "ip-route": (t) => isIpRouteContinuation(t) || /^\s*(default|[0-9a-f.:]{1,45}(\/\d{0,3})?|unicast|local|broadcast|multicast|blackhole|unreachable|prohibit|throw|anycast|nat)(\s|$)/.test(t),
  "ip-addr": (t) => isIpAddrContinuation(t) || /^\s+\S/.test(t),
  "ifconfig": (t) => /^\s+\S/.test(t),
  "conntrack": (t) => /^\s*cpu=\d|^conntrack v\d|^\*\*\*/.test(t),
  // A JSON document ends where its brackets balance.
  "json": () => false,
};

export function splitSections(lines: readonly SourceLine[], defaultNode: string, fileHint: Hint | null = null): NodeSections[] {
  const nodes: NodeSections[] = [];
  let node: NodeSections = { name: defaultNode, sections: [], skipped: [] };
  nodes.push(node);
  let section: Section | null = null;
  let hint: Hint | null = fileHint;
  let jsonDepth = 0;

  const open = (format: SectionFormat, h: Hint | null): Section => {
    const s: Section = {
      format,
      family: h?.format === format ? h.family : null,
      tableHint: h?.format === format ? h.tableHint : null,
      routeTable: h?.format === format ? h.routeTable : null,
      origin: h?.origin ?? null,
      lines: [],
    };
    node.sections.push(s);
    return s;
  };

  /** Makes `name` the current node: renames a still-empty first node, reuses a known one, or starts one. */
  const switchTo = (name: string, fromSeparator: boolean) => {
    const existing = nodes.find((n) => n.name === name);
    if (existing) node = existing;
    else if (node.sections.length === 0 && nodes.length === 1 && !named) node.name = name;
    else {
      node = { name, sections: [], skipped: [] };
      nodes.push(node);
    }
    named ||= fromSeparator || node.name === name;
    if (existing !== node || fromSeparator) {
      section = null;
      hint = fileHint;
    }
  };
  let named = false;

  // Indexed: a for-of here made an iterator result per line until the loop was optimised.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as SourceLine;
    const text = line.raw;
    // The bulk of a big dump: `-A CHAIN …` and `:CHAIN POLICY` inside an iptables section. No
    // separator, fence, heading or prompt pattern can match such a line, and the iptables claim
    // does: the general path below would reach the same decision with half a dozen regexes.
    if (section?.format === "iptables" && ((text.startsWith("-A ") && text.charCodeAt(3) > 32) || CHAIN_DECL.test(text))) {
      section.lines.push(line);
      jsonDepth = 0;
      continue;
    }
    // Inside a JSON document until its brackets balance — unless a line plainly belongs to another
    // format (an unclosed `{` must not swallow the rest of the paste; the JSON error is reported).
    if (section?.format === "json" && jsonDepth > 0 && !CLAIMS.some(([, claims]) => claims(text))) {
      section.lines.push(line);
      jsonDepth += depthChange(text);
      continue;
    }
    jsonDepth = 0;
    const sep = SEPARATOR.exec(text);
    if (sep) {
      switchTo(sep[1] || `node ${nodes.length + 1}`, true);
      continue;
    }
    if (FENCE.test(text)) continue;
    const heading = HEADING.exec(text);
    const prompt = PROMPT.exec(text) ?? BARE_PROMPT.exec(text);
    // A prompt naming an EC2 host (`[root@ip-192-168-1-251 ~]#`) or a heading naming a known node
    // says whose output follows, even without separators.
    const host = prompt ? HOSTNAME_IP.exec(text) : null;
    if (host) switchTo(host.slice(1, 5).join("."), false);
    else if (heading) {
      const mentioned = nodes.find((n) => n !== node && heading[1]?.includes(n.name) && /\d+\.\d+\.\d+\.\d+/.test(n.name));
      if (mentioned) switchTo(mentioned.name, false);
    }
    const command = prompt?.[1] && COMMAND_WORDS.test(prompt[1].trim()) ? prompt[1] : heading?.[1] && COMMAND_WORDS.test(heading[1].trim()) ? heading[1] : null;
    if (command !== null) {
      hint = hintFor(command);
      section = null;
      if (hint === null) node.skipped.push(line);
      continue;
    }
    if (prompt && BARE_PROMPT.test(text)) {
      section = null;
      hint = null;
      continue;
    }
    if (heading && !CLAIMS.some(([, claims]) => claims(text))) {
      section = null;
      hint = null;
      continue;
    }
    if (text.trim() === "") {
      if (section?.format === "iptables-list") section.lines.push(line);
      continue;
    }
    const claimed = CLAIMS.find(([, claims]) => claims(text))?.[0] ?? null;
    if (section !== null && (claimed === section.format || (claimed === null && CONTINUES[section.format](text)))) {
      section.lines.push(line);
      continue;
    }
    if (claimed === null && (hint?.format === "json" || JSON_START.test(text))) {
      section = open("json", hint);
      section.lines.push(line);
      jsonDepth = depthChange(text);
      continue;
    }
    // A claimed line starts a section of its own format; an unclaimed one that fits what the last
    // command announced (a route cut in half, a bad CIDR) goes to that parser, to be diagnosed.
    const format = claimed ?? (hint?.format && CONTINUES[hint.format](text) ? hint.format : null);
    if (format !== null) {
      section = open(format, hint?.format === format ? hint : null);
      section.lines.push(line);
      continue;
    }
    node.skipped.push(line);
  }
  return nodes;
}

function depthChange(text: string): number {
  let d = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") d++;
    else if (c === "}" || c === "]") d--;
  }
  return d;
}
