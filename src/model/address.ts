/**
 * Addresses and prefixes in the compact numeric form the evaluator works on. ip-num validates and
 * parses text at the boundary; after that, matching is bigint arithmetic.
 */
import { ipNum } from "./ip-num.js";

export type Family = 4 | 6;

export interface IpAddr {
  family: Family;
  value: bigint;
}

/** A network prefix; `value` has the host bits cleared, as the kernel stores it. */
export interface Prefix {
  family: Family;
  value: bigint;
  len: number;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

/** Only digits, hex letters, `:` and `.` (then an optional `%zone`) can make an address. */
const ADDRESS_CHARS = /^[0-9a-fA-F:.]+(?:%|$)/;

export function familyOf(text: string): Family | null {
  // Most words asked about are not addresses (`COMMIT`, `*nat`): no need to load ip-num for them.
  if (!ADDRESS_CHARS.test(text)) return null;
  if (ipNum().Validator.isValidIPv4String(text)[0]) return 4;
  if (ipNum().Validator.isValidIPv6String(text)[0]) return 6;
  return null;
}

/** Dotted-quad IPv4 in canonical form (no leading zeros), the form every dump prints. */
function fastIPv4(text: string): bigint | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // A leading zero ("01") is left to ip-num to judge.
      if (digits > 0 && octet === 0) return null;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else {
      return null;
    }
  }
  if (digits === 0 || dots !== 3) return null;
  return BigInt(value * 256 + octet);
}

/** Parses a bare address; returns a reason when it is not one. */
export function parseAddress(text: string): IpAddr | { error: string } {
  const v4 = fastIPv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const family = familyOf(text);
  if (family === 4) return { family, value: ipNum().IPv4.fromString(text).getValue() };
  if (family === 6) return { family, value: ipNum().IPv6.fromString(text).getValue() };
  return { error: `"${text}" is not an IPv4 or IPv6 address` };
}

/** Parses `addr`, `addr/len` or `addr/dotted-mask` (iptables accepts masks). */
export function parsePrefix(text: string): Prefix | { error: string } {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  if ("error" in addr) return addr;
  const width = WIDTH[addr.family];
  let len = width;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(lenText)) {
      len = Number(lenText);
      if (len > width) return { error: `prefix length ${len} is larger than ${width} in "${text}"` };
    } else if (familyOf(lenText) === addr.family) {
      const maskLen = maskLength(lenText, width);
      if (maskLen === null) return { error: `mask ${lenText} is not contiguous in "${text}"` };
      len = maskLen;
    } else {
      return { error: `"${lenText}" is not a prefix length in "${text}"` };
    }
  }
  // A host prefix keeps its value as it is (no mask, so no new bigint: kube-proxy writes one per endpoint).
  return { family: addr.family, value: len === width ? addr.value : addr.value & maskOf(addr.family, len), len };
}

export function isError<T extends object>(v: T | { error: string }): v is { error: string } {
  return "error" in v;
}

/** `addr/mask` whose mask is an address of addr's family but not a prefix (iptables takes `10.0.0.0/255.0.255.0`). */
export function hasNonContiguousMask(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0) return false;
  const family = familyOf(text.slice(0, slash));
  const maskText = text.slice(slash + 1);
  return family !== null && familyOf(maskText) === family && maskLength(maskText, WIDTH[family]) === null;
}

function maskLength(maskText: string, width: number): number | null {
  const mask = width === 32 ? ipNum().IPv4.fromString(maskText).getValue() : ipNum().IPv6.fromString(maskText).getValue();
  return contiguousMaskLength(mask, width);
}

function contiguousMaskLength(mask: bigint, width: number): number | null {
  for (let len = 0; len <= width; len++) {
    if (maskOf(width === 32 ? 4 : 6, len) === mask) return len;
  }
  return null;
}

function masks(width: number): bigint[] {
  const out: bigint[] = [];
  for (let len = 0; len <= width; len++) out.push(((1n << BigInt(len)) - 1n) << BigInt(width - len));
  return out;
}
const MASKS4 = masks(32);
const MASKS6 = masks(128);

export function maskOf(family: Family, len: number): bigint {
  const mask = (family === 4 ? MASKS4 : MASKS6)[len];
  if (mask !== undefined) return mask;
  const width = BigInt(WIDTH[family]);
  return ((1n << BigInt(len)) - 1n) << (width - BigInt(len));
}

export function prefixContains(prefix: Prefix, addr: IpAddr): boolean {
  if (prefix.family !== addr.family) return false;
  // Host prefixes and the default route need no mask: no bigint is made (this runs for every ip rule,
  // route and -s/-d match a trace tests).
  if (prefix.len === WIDTH[prefix.family]) return addr.value === prefix.value;
  if (prefix.len === 0) return prefix.value === 0n;
  return (addr.value & maskOf(prefix.family, prefix.len)) === prefix.value;
}

/** True when every address of `inner` is inside `outer`. */
export function prefixCovers(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.len <= inner.len &&
    (inner.value & maskOf(outer.family, outer.len)) === outer.value;
}

export function hostPrefix(addr: IpAddr): Prefix {
  return { family: addr.family, value: addr.value, len: WIDTH[addr.family] };
}

export function anyPrefix(family: Family): Prefix {
  return { family, value: 0n, len: 0 };
}

/** fe80::/10: an IPv6 link-local address (or a prefix inside it). */
export function isIpv6LinkLocal(a: { family: Family; value: bigint }): boolean {
  return a.family === 6 && a.value >> 118n === 0x3fan;
}

export function formatAddress(addr: IpAddr): string {
  if (addr.family === 4) {
    // Dotted quad by arithmetic: this runs for every address of every trace printed.
    const n = Number(addr.value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  // An IPv4-mapped address ends in its IPv4 address, as RFC 5952 (§5) and `ip` write it.
  if (addr.value >> 32n === 0xffffn) return `::ffff:${formatAddress({ family: 4, value: addr.value & 0xffffffffn })}`;
  return compressIPv6(ipNum().IPv6.fromBigInt(addr.value).toString());
}

/** Formats as `ip` prints: a host prefix without `/32`, others with their length. */
export function formatPrefix(prefix: Prefix, alwaysLength = false): string {
  const addr = formatAddress(prefix);
  return !alwaysLength && prefix.len === WIDTH[prefix.family] ? addr : `${addr}/${prefix.len}`;
}

export function addressEquals(a: IpAddr, b: IpAddr): boolean {
  return a.family === b.family && a.value === b.value;
}

function compressIPv6(full: string): string {
  const groups = full.split(":").map((g) => g.replace(/^0+(?=.)/, ""));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(":");
  const head = groups.slice(0, bestStart).join(":");
  const tail = groups.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}
