/**
 * Line classifiers for iproute2 listings, used to split an unlabelled paste into sections. They
 * look at a line's shape only (keywords and address shapes), are pure, and never throw. Each is
 * written so that it rejects the other iproute2 formats and iptables' `-S`, `-save` and `-L` lines.
 */
import { familyOf } from "../model/address.js";

const ROUTE_TYPES = new Set([
  "unicast", "local", "broadcast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "anycast", "nat",
]);

/** Words that can follow a route's destination as `ip route` prints it. */
const ROUTE_KEYWORDS = new Set([
  "via", "dev", "table", "proto", "protocol", "scope", "src", "from", "metric", "preference", "priority", "pref",
  "tos", "dsfield", "nhid", "mtu", "advmss", "expires", "error", "hoplimit", "realm", "realms", "onlink",
  "linkdown", "dead", "rt_offload", "rt_trap", "rt_offload_failed", "encap",
]);

/** Words that can follow a rule's `from` selector as `ip rule` prints it. */
const RULE_KEYWORDS = new Set([
  "to", "iif", "oif", "fwmark", "tos", "dsfield", "ipproto", "sport", "dport", "uidrange", "l3mdev", "proto",
  "protocol", "lookup", "table", "goto", "nop", "blackhole", "unreachable", "prohibit", "suppress_prefixlength",
  "suppress_ifgroup", "realms", "dscp", "flowlabel",
]);

const OPER_STATES = new Set(["UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", "DORMANT", "NOTPRESENT", "TESTING"]);

const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$/;
const FLAGS = /^<[A-Za-z0-9_,-]*>$/;

function isAddress(text: string): boolean {
  return familyOf(text) !== null;
}

/** An address, or an address with a `/len` that fits its family. */
function isAddressOrPrefix(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0) return isAddress(text);
  const addr = text.slice(0, slash);
  const len = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len)) return false;
  const family = familyOf(addr);
  return family !== null && Number(len) <= (family === 4 ? 32 : 128);
}

function words(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/);
}

/** `0:\tfrom all lookup local`, `not from all to 10.0.0.0/8 lookup main`, `from 10.0.0.1 lookup 2`. */
export function isIpRuleLine(text: string): boolean {
  const w = words(text);
  let i = 0;
  if (w[i] !== undefined && /^\d+:$/.test(w[i] ?? "")) i++;
  if (w[i] === "not") i++;
  if (w[i] !== "from") return false;
  const selector = w[i + 1];
  if (selector === undefined || !(selector === "all" || isAddressOrPrefix(selector))) return false;
  const next = w[i + 2];
  return next !== undefined && RULE_KEYWORDS.has(next);
}

/** `default via 192.168.1.1 dev eth0`, `local 10.0.0.1 dev eth0 table local …`, `blackhole 10.0.0.0/8`. */
export function isIpRouteLine(text: string): boolean {
  if (/^\s/.test(text)) return false;
  const w = words(text);
  let i = 0;
  const typed = w[0] !== undefined && ROUTE_TYPES.has(w[0]);
  if (typed) i++;
  const dst = w[i];
  if (dst === undefined || !(dst === "default" || isAddressOrPrefix(dst))) return false;
  const next = w[i + 1];
  // An untyped route always names a gateway, device, nexthop id or at least a protocol/metric.
  if (next === undefined) return typed;
  return ROUTE_KEYWORDS.has(next);
}

/** `\tnexthop via 10.0.0.1 dev eth0 weight 1` under a multipath route. */
export function isIpRouteContinuation(text: string): boolean {
  return /^\s+nexthop(?:\s+(?:via|dev|weight|encap|onlink|dead|linkdown)(?:\s|$)|\s*$)/.test(text);
}

/** `2: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 …` (ip addr and ip link). */
export function isIpAddrHeader(text: string): boolean {
  return /^\s*\d+:\s+[^\s:@]+(?:@[^\s:]+)?:\s+<[A-Za-z0-9_,-]*>(?:\s|$)/.test(text);
}

/** The indented lines of an `ip addr`/`ip link` block: `link/ether …`, `inet …`, `valid_lft …`, `altname …`. */
export function isIpAddrContinuation(text: string): boolean {
  return /^\s+(?:link\/[\w-]+(?:\s|$)|inet6?\s+[0-9a-fA-F:.]+[/\s]|valid_lft\s+\S+\s+preferred_lft\s|altname\s+\S)/.test(text);
}

/** `lo  UNKNOWN  127.0.0.1/8 ::1/128` (ip -br addr) or `eth0 UP 0a:…:ff <BROADCAST,…>` (ip -br link). */
export function isIpBriefLine(text: string): boolean {
  if (/^\s/.test(text)) return false;
  const w = words(text);
  const [name, state, ...items] = w;
  if (name === undefined || state === undefined || !OPER_STATES.has(state)) return false;
  // Interface names never start with these; iptables lines (`-A`, `*nat`, `:CHAIN`) do.
  if (/^[-*:#[]/.test(name) || name.includes(":")) return false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? "";
    if (item === "peer" && i > 0 && isAddress(items[i - 1] ?? "") && isAddressOrPrefix(items[i + 1] ?? "")) continue;
    if (isAddressOrPrefix(item) || MAC.test(item) || FLAGS.test(item)) continue;
    return false;
  }
  return true;
}
