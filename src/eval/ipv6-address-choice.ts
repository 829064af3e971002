/**
 * Which of a node's IPv6 addresses the kernel uses where a target needs one: MASQUERADE's source,
 * by source address selection (ipv6_dev_get_saddr, net/ipv6/addrconf.c: RFC 6724's rules in the
 * kernel's order) for the packet's destination; REDIRECT's destination (nf_nat_redirect_ipv6).
 *
 * Assumed, since a dump does not show them: the default address label table (`ip addrlabel`
 * unchanged), `use_tempaddr` below 2 (temporary addresses not preferred), `use_oif_addrs_only` off,
 * no optimistic DAD and no VRF.
 */
import { isIpv6LinkLocal, prefixContains, type IpAddr, type Prefix } from "../model/address.js";
import type { Interface, InterfaceAddress } from "../model/routing.js";

/** Scope values of __ipv6_addr_src_scope: ::1 counts as link-local scope (RFC 6724 3.1). */
const SCOPE_INTERFACE = 0x1;
const SCOPE_LINK = 0x2;
const SCOPE_SITE = 0x5;
const SCOPE_GLOBAL = 0xe;

const v6 = (hex: string, len: number): Prefix => ({ family: 6, value: BigInt(`0x${hex.padEnd(32, "0")}`), len });

/** The kernel's default label table (net/ipv6/addrlabel.c), longest prefix first. */
const LABELS: readonly [Prefix, number][] = [
  [v6("00000000000000000000000000000001", 128), 0],
  [v6("00000000000000000000ffff", 96), 4],
  [v6("", 96), 3],
  [v6("20010010", 28), 7],
  [v6("20010020", 28), 7],
  [v6("2001", 32), 6],
  [v6("2002", 16), 2],
  [v6("3ffe", 16), 12],
  [v6("fec0", 10), 11],
  [v6("fc", 7), 5],
  [v6("", 0), 1],
];

const MAPPED = v6("00000000000000000000ffff", 96);
const ORCHID = v6("20010010", 28);
const LOOPBACK = 1n;

const isMulticast = (a: IpAddr) => a.value >> 120n === 0xffn;

function scopeOf(a: IpAddr): number {
  if (a.value === LOOPBACK || isIpv6LinkLocal(a)) return SCOPE_LINK;
  if (a.value >> 118n === 0x3fbn) return SCOPE_SITE;
  // A multicast address carries its scope in its second byte's low nibble.
  if (isMulticast(a)) return Number((a.value >> 112n) & 0xfn);
  return SCOPE_GLOBAL;
}

function labelOf(a: IpAddr): number {
  for (const [prefix, label] of LABELS) if (prefixContains(prefix, a)) return label;
  return 1;
}

/** Leading bits two addresses share (ipv6_addr_diff). */
function commonBits(a: bigint, b: bigint): number {
  const x = a ^ b;
  return x === 0n ? 128 : 128 - x.toString(2).length;
}

interface Candidate {
  ifa: InterfaceAddress;
  dev: string;
}

/**
 * The kernel's comparison, rule by rule; the first rule that tells two candidates apart decides
 * (a tie keeps the one met first). Each entry scores a candidate: higher is better.
 */
function scores(c: Candidate, dst: IpAddr, dstScope: number, dstLabel: number, oif: string | null): number[] {
  const a = c.ifa.address;
  const flags = c.ifa.flags;
  const scope = scopeOf(a);
  const preferredType = a.value === LOOPBACK || prefixContains(MAPPED, a) || a.value >> 32n === 0n;
  return [
    // 1: the destination itself
    a.value === dst.value ? 1 : 0,
    // 2: the smallest scope that reaches the destination's; a smaller one only as a last resort
    scope >= dstScope ? -scope : scope - 128,
    // 3: avoid deprecated (and optimistic) addresses
    preferredType || !(flags.includes("deprecated") || flags.includes("optimistic")) ? 1 : 0,
    // 4: home addresses (Mobile IPv6) preferred
    flags.includes("home") ? 1 : 0,
    // 5: an address of the outgoing interface
    oif === null || c.dev === oif ? 1 : 0,
    // 6: the destination's label
    labelOf(a) === dstLabel ? 1 : 0,
    // 7: public rather than temporary
    flags.includes("temporary") ? 0 : 1,
    // ORCHID sources for ORCHID destinations only
    prefixContains(ORCHID, a) === prefixContains(ORCHID, dst) ? 1 : 0,
    // 8: the longest prefix shared with the destination, up to the address's own prefix length
    Math.min(commonBits(a.value, dst.value), c.ifa.prefixLen),
    // then not optimistic
    flags.includes("optimistic") ? 0 : 1,
  ];
}

/** The source address the kernel picks for `dst` leaving by `oif` (null: none, and the packet is dropped). */
export function ipv6SourceAddress(interfaces: readonly Interface[], oif: string | null, dst: IpAddr): IpAddr | null {
  const dstScope = scopeOf(dst);
  // Multicast and link-local destinations take only the outgoing interface's addresses.
  const devices = oif !== null && (isMulticast(dst) || dstScope <= SCOPE_LINK) ? interfaces.filter((i) => i.name === oif) : interfaces;
  const dstLabel = labelOf(dst);
  let best: { c: Candidate; s: number[] } | null = null;
  for (const iface of devices) {
    for (const ifa of iface.addresses) {
      const a = ifa.address;
      // The unspecified and multicast addresses are never candidates.
      if (a.family !== 6 || !isAssigned(ifa)) continue;
      if (a.value === 0n || isMulticast(a)) continue;
      const c = { ifa, dev: iface.name };
      const s = scores(c, dst, dstScope, dstLabel, oif);
      if (best === null || better(s, best.s)) best = { c, s };
    }
  }
  return best?.c.ifa.address ?? null;
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  }
  return false;
}

/** A tentative address (DAD not done, or failed) is not assigned to its interface yet, unless it is optimistic. */
function isAssigned(ifa: InterfaceAddress): boolean {
  return !ifa.flags.includes("dadfailed") && (!ifa.flags.includes("tentative") || ifa.flags.includes("optimistic"));
}

/** ipv6_addr_scope's classes: loopback, link-local and site-local addresses (and multicast scopes); null for global. */
function scopeClass(a: IpAddr): "loopback" | "link" | "site" | null {
  const scope = scopeOf(a);
  // ::1, and interface-local multicast (ff01::/16).
  if (a.value === LOOPBACK || scope === SCOPE_INTERFACE) return "loopback";
  return scope === SCOPE_LINK ? "link" : scope === SCOPE_SITE ? "site" : null;
}

/**
 * REDIRECT's new destination for a packet to `dst` arriving on `iface`: the interface's first
 * address (as `ip addr` lists them) that is assigned, not IPv4-mapped, and of the destination's
 * scope when that is narrower than global. Null: none, and the kernel drops the packet.
 */
export function ipv6RedirectAddress(iface: Interface, dst: IpAddr): IpAddr | null {
  const want = scopeClass(dst);
  for (const ifa of iface.addresses) {
    const a = ifa.address;
    if (a.family !== 6 || !isAssigned(ifa) || prefixContains(MAPPED, a)) continue;
    if (want !== null && scopeClass(a) !== want) continue;
    return a;
  }
  return null;
}
