/** Value syntax shared by iptables matches and targets: numbers, marks, ports, protocols, NAT ranges. */
import { parseAddress, parsePrefix, type Family, type IpAddr, type Prefix } from "./address.js";
import { protocolNumber } from "./protocols.js";
import { servicePort } from "./services.js";
import type { NatRange } from "./netfilter.js";
import type { Range } from "./routing.js";

export type Parsed<T> = { value: T } | { error: string };

const ok = <T>(value: T): Parsed<T> => ({ value });
const fail = <T>(error: string): Parsed<T> => ({ error });

/** A number as iptables reads one (strtoul in base 0): `0x` hex, a leading `0` octal (`010` is 8), else decimal. */
export function parseNumber(text: string, max = 0xffffffff): Parsed<number> {
  const n = /^0[xX][0-9a-fA-F]+$/.test(text) ? parseInt(text.slice(2), 16)
    : /^0[0-7]*$/.test(text) ? parseInt(text, 8)
    : /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) return fail(`"${text}" is not a number`);
  return n > max ? fail(`${text} is larger than ${max}`) : ok(n);
}

/** `VALUE[/MASK]`; the mask defaults to all ones (man iptables-extensions: mark). */
export function parseMarkMask(text: string): Parsed<{ value: number; mask: number }> {
  const [v, m] = text.split("/", 2);
  const value = parseNumber(v ?? "");
  if ("error" in value) return value;
  if (m === undefined) return ok({ value: value.value, mask: 0xffffffff });
  const mask = parseNumber(m);
  if ("error" in mask) return mask;
  return ok({ value: value.value, mask: mask.value });
}

/** A port as iptables reads one: a service name from /etc/services, or a number. */
export function parsePort(text: string): Parsed<number> {
  const named = servicePort(text);
  if (named !== undefined) return ok(named);
  const n = parseNumber(text);
  if ("error" in n) return fail(`"${text}" is not a port number`);
  return n.value > 65535 ? fail(`port ${n.value} is out of range (0-65535)`) : n;
}

/**
 * `P`, `P:Q`, `:Q`, `P:` (iptables) or `P-Q` (NAT targets, ip rule). `backwards`: a range whose
 * first port is the larger is kept (libxt_udp loads one: it matches no port), not refused.
 */
export function parsePortRange(text: string, separator: ":" | "-" = ":", backwards = false): Parsed<Range> {
  const at = text.indexOf(separator);
  if (at < 0) {
    const p = parsePort(text);
    return "error" in p ? p : ok({ lo: p.value, hi: p.value });
  }
  const loText = text.slice(0, at);
  const hiText = text.slice(at + 1);
  const lo = loText === "" ? ok(0) : parsePort(loText);
  if ("error" in lo) return lo;
  const hi = hiText === "" ? ok(65535) : parsePort(hiText);
  if ("error" in hi) return hi;
  if (lo.value > hi.value && !backwards) return fail(`port range ${text} is backwards`);
  return ok({ lo: lo.value, hi: hi.value });
}

/** The names podpath prints for protocol numbers (the rest print as numbers). */
const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "all"], [1, "icmp"], [2, "igmp"], [6, "tcp"], [17, "udp"], [47, "gre"], [50, "esp"], [51, "ah"],
  [58, "ipv6-icmp"], [132, "sctp"], [135, "mh"], [136, "udplite"],
]);

/** `-p`'s value as xtables_parse_protocol reads it: a number up to 255, or a name from /etc/protocols. */
export function parseProtocol(text: string): Parsed<number> {
  // No name is a number: names first, as nearly every -p is a name.
  const named = protocolNumber(text);
  if (named !== undefined) return ok(named);
  const n = parseNumber(text, 255);
  return "error" in n ? fail(`unknown protocol "${text}"`) : n;
}

export function protocolName(n: number): string {
  return PROTOCOL_NAMES.get(n) ?? String(n);
}

/**
 * The option `written` names among `names`, as getopt_long finds it for iptables: the name itself,
 * or the one name it is an abbreviation of (`--restor` for `--restore-mark`, as a line cut short
 * leaves it); undefined when it names none, or more than one.
 */
export function longOption(written: string, names: readonly string[]): string | undefined {
  if (names.includes(written)) return written;
  // iptables' own long options are in the same table: `--mod` could be --mode or --modprobe.
  if (GLOBAL_OPTIONS.some((n) => n.startsWith(written))) return undefined;
  const candidates = names.filter((n) => n.startsWith(written));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** iptables' own long options (iptables.c), which an abbreviation must not fit too. */
const GLOBAL_OPTIONS = [
  "append", "delete", "check", "insert", "replace", "list", "list-rules", "flush", "zero", "new-chain",
  "delete-chain", "rename-chain", "policy", "source", "destination", "src", "dst", "protocol", "in-interface",
  "jump", "table", "match", "numeric", "out-interface", "verbose", "wait", "wait-interval", "exact", "fragment",
  "version", "help", "line-numbers", "modprobe", "set-counters", "goto", "ipv4", "ipv6",
];

/**
 * How iptables reads an IPv4 address not written in four plain parts: its own parser takes one to
 * four decimal parts and fills the rest with zeros (`10.1` is 10.1.0.0, as a line cut short leaves
 * it); what that refuses goes to the resolver, which reads inet_aton's forms (`999999` is
 * 0.15.66.63, `0x7f000001` is 127.0.0.1). The address in four plain parts, keeping any `/mask`;
 * null when `text` is plain already or neither form (a host name iptables would look up).
 */
export function xtablesIPv4(text: string): string | null {
  // Nearly every address is plain already: decided by one regex, not by splitting (100k+ per dump).
  if (PLAIN_IPV4.test(text)) return null;
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const parts = address.split(".");
  const decimal = parts.length <= 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
  const bytes = decimal ? [...parts.map(Number), 0, 0, 0].slice(0, 4) : inetAton(parts);
  if (bytes === null) return null;
  const plain = bytes.join(".");
  return plain === address ? null : plain + (slash < 0 ? "" : text.slice(slash));
}

const PLAIN_IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\/|$)/;

/** inet_aton(3): parts in C's bases (0x hex, leading 0 octal), the last filling the bytes left. */
function inetAton(parts: readonly string[]): number[] | null {
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const p of parts) {
    const v = /^0[xX][0-9a-fA-F]+$/.test(p) ? parseInt(p.slice(2), 16) : /^0[0-7]*$/.test(p) ? parseInt(p, 8) : /^[1-9][0-9]*$/.test(p) ? Number(p) : NaN;
    if (!Number.isFinite(v)) return null;
    values.push(v);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  const bytes = [...values];
  for (let k = 4 - values.length - 1; k >= 0; k--) bytes.push(Math.floor(last / 256 ** k) % 256);
  return bytes;
}

/** iptables reads addresses with inet_pton, which takes no `%zone` (ip-num does); IPv4 with one is no address to either. */
function zoneError(text: string): string {
  return `"${text}" is not an address iptables reads (no %zone)`;
}

/** A prefix that must belong to `family` (an IPv6 address in an IPv4 table is an error). */
export function parseFamilyPrefix(text: string, family: Family): Parsed<Prefix> {
  const p = parsePrefix(text);
  if ("error" in p) return fail(p.error);
  if (p.family === 6 && text.includes("%")) return fail(zoneError(text));
  if (p.family !== family) return fail(`IPv${p.family} address "${text}" in an IPv${family} ruleset`);
  return ok(p);
}

export function parseFamilyAddress(text: string, family: Family): Parsed<IpAddr> {
  const a = parseAddress(text);
  if ("error" in a) return fail(a.error);
  if (a.family === 6 && text.includes("%")) return fail(zoneError(text));
  if (a.family !== family) return fail(`IPv${a.family} address "${text}" in an IPv${family} ruleset`);
  return ok(a);
}

/** `A[-B][:P[-Q]]`, `[V6]:P`, `:P` — the --to-source / --to-destination syntax. */
export function parseNatRange(text: string, family: Family): Parsed<NatRange> {
  let addrPart = text;
  let portPart: string | null = null;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return fail(`missing "]" in "${text}"`);
    addrPart = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest.startsWith(":")) portPart = rest.slice(1);
    else if (rest !== "") return fail(`unexpected "${rest}" in "${text}"`);
  } else {
    // Unbracketed, IPv6 has a port only after its one colon (`:80`); with more, it is all address (ip6tables' reading).
    const colon = family === 4 ? text.lastIndexOf(":") : text.indexOf(":") === text.lastIndexOf(":") ? text.indexOf(":") : -1;
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  }
  let addrLo: IpAddr | null = null;
  let addrHi: IpAddr | null = null;
  if (addrPart !== "") {
    const dash = addrPart.indexOf("-");
    const lo = parseFamilyAddress(dash < 0 ? addrPart : addrPart.slice(0, dash), family);
    if ("error" in lo) return lo;
    // A single address is both ends of its range: one object (kube-proxy's DNAT has one per endpoint).
    const hi = dash < 0 ? lo : parseFamilyAddress(addrPart.slice(dash + 1), family);
    if ("error" in hi) return hi;
    addrLo = lo.value;
    addrHi = hi.value;
  }
  let ports: Range | null = null;
  if (portPart !== null) {
    const r = parsePortRange(portPart, "-");
    if ("error" in r) return r;
    ports = r.value;
  }
  if (addrLo === null && ports === null) return fail(`"${text}" names neither an address nor a port`);
  return ok({ addrLo, addrHi, ports });
}

/**
 * `N[/unit]` as libxt_limit reads it: the unit any prefix of second, minute, hour or day (in any
 * case; none is per second), at most 10,000 per second; the packets per second.
 */
export function parseLimitRate(text: string): Parsed<number> {
  const m = /^([0-9]+)(?:\/(.*))?$/.exec(text);
  const unit = m?.[2];
  const seconds = unit === undefined ? 1 : unit === "" ? undefined : ([["second", 1], ["minute", 60], ["hour", 3600], ["day", 86400]] as const).find(([name]) => name.startsWith(unit.toLowerCase()))?.[1];
  const n = Number(m?.[1] ?? 0);
  if (m === null || seconds === undefined || n === 0) return fail(`bad rate "${text}" (expected N/second, /minute, /hour or /day, N above 0)`);
  if (Math.floor((10000 * seconds) / n) === 0) return fail(`rate ${text} is too fast (at most 10000/second)`);
  return ok(n / seconds);
}

/** ICMP type names as iptables reads them (libxt_icmp): each a type, and a code or null for any code. */
const ICMP_TYPES: readonly (readonly [string, number | null, number | null])[] = [
  ["any", null, null], ["echo-reply", 0, null], ["pong", 0, null], ["destination-unreachable", 3, null],
  ["network-unreachable", 3, 0], ["host-unreachable", 3, 1], ["protocol-unreachable", 3, 2], ["port-unreachable", 3, 3],
  ["fragmentation-needed", 3, 4], ["source-route-failed", 3, 5], ["network-unknown", 3, 6], ["host-unknown", 3, 7],
  ["network-prohibited", 3, 9], ["host-prohibited", 3, 10], ["TOS-network-unreachable", 3, 11], ["TOS-host-unreachable", 3, 12],
  ["communication-prohibited", 3, 13], ["host-precedence-violation", 3, 14], ["precedence-cutoff", 3, 15],
  ["source-quench", 4, null], ["redirect", 5, null], ["network-redirect", 5, 0], ["host-redirect", 5, 1],
  ["TOS-network-redirect", 5, 2], ["TOS-host-redirect", 5, 3], ["echo-request", 8, null], ["ping", 8, null],
  ["router-advertisement", 9, null], ["router-solicitation", 10, null], ["time-exceeded", 11, null], ["ttl-exceeded", 11, null],
  ["ttl-zero-during-transit", 11, 0], ["ttl-zero-during-reassembly", 11, 1], ["parameter-problem", 12, null],
  ["ip-header-bad", 12, 0], ["required-option-missing", 12, 1], ["timestamp-request", 13, null], ["timestamp-reply", 14, null],
  ["address-mask-request", 17, null], ["address-mask-reply", 18, null],
];
/** The same for ICMPv6 (libip6t_icmp6; it has no `any`). */
const ICMPV6_TYPES: readonly (readonly [string, number | null, number | null])[] = [
  ["destination-unreachable", 1, null], ["no-route", 1, 0], ["communication-prohibited", 1, 1], ["beyond-scope", 1, 2],
  ["address-unreachable", 1, 3], ["port-unreachable", 1, 4], ["failed-policy", 1, 5], ["reject-route", 1, 6],
  ["packet-too-big", 2, null], ["time-exceeded", 3, null], ["ttl-exceeded", 3, null], ["ttl-zero-during-transit", 3, 0],
  ["ttl-zero-during-reassembly", 3, 1], ["parameter-problem", 4, null], ["bad-header", 4, 0], ["unknown-header-type", 4, 1],
  ["unknown-option", 4, 2], ["echo-request", 128, null], ["ping", 128, null], ["echo-reply", 129, null], ["pong", 129, null],
  ["router-solicitation", 133, null], ["router-advertisement", 134, null], ["neighbour-solicitation", 135, null],
  ["neighbor-solicitation", 135, null], ["neighbour-advertisement", 136, null], ["neighbor-advertisement", 136, null],
  ["redirect", 137, null],
];

/**
 * A name (any prefix of one, in any case, as iptables reads it: `echo-req`, but not `echo-re`,
 * which two names start with), `T` or `T/C`. Type null is IPv4's `any`.
 */
export function parseIcmpType(text: string, family: Family): Parsed<{ icmpType: number | null; code: number | null }> {
  if (!/^[0-9]/.test(text)) {
    const written = text.toLowerCase();
    const named = (family === 4 ? ICMP_TYPES : ICMPV6_TYPES).filter(([name]) => name.toLowerCase().startsWith(written));
    const [first, second] = named;
    if (first === undefined) return fail(`unknown ICMP${family === 6 ? "v6" : ""} type "${text}"`);
    if (second !== undefined) return fail(`ICMP${family === 6 ? "v6" : ""} type "${text}" is ambiguous: ${first[0]} or ${second[0]}?`);
    return ok({ icmpType: first[1], code: first[2] });
  }
  const [t, c] = text.split("/", 2);
  const type = parseNumber(t ?? "", 255);
  if ("error" in type) return fail(`unknown ICMP${family === 6 ? "v6" : ""} type "${text}"`);
  if (c === undefined) return ok({ icmpType: type.value, code: null });
  const code = parseNumber(c, 255);
  return "error" in code ? code : ok({ icmpType: type.value, code: code.value });
}
