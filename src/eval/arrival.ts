/**
 * What the kernel decides for an arriving packet from its addresses alone, before any ip rule or
 * route is consulted: martian addresses are dropped, IPv4's limited broadcast is delivered locally.
 * IPv6 checks them on receipt (ip6_rcv_core), before PREROUTING; IPv4 in its input route lookup
 * (ip_route_input_slow), after PREROUTING.
 */
import { isIpv6LinkLocal, type IpAddr } from "../model/address.js";

export type ArrivalCheck =
  | { type: "martian"; which: "source" | "destination"; why: string }
  | { type: "broadcast" }
  /** A multicast group the arrival interface has joined: delivered locally (ip_route_input_mc). */
  | { type: "multicast" }
  /** A multicast group it has not joined (as far as podpath knows): dropped, and never forwarded. */
  | { type: "not-member" }
  | null;

const martian = (which: "source" | "destination", why: string): ArrivalCheck => ({ type: "martian", which, why });

/**
 * ip_route_input_slow's checks, in its order. `routeLocalnet`: whether loopback addresses may arrive
 * from outside (the route_localnet sysctl).
 */
export function inputCheck4(src: IpAddr, dst: IpAddr, routeLocalnet: boolean): ArrivalCheck {
  const s = Number(src.value);
  const d = Number(dst.value);
  // A multicast destination is decided before everything else (ip_route_input_rcu): delivered when the
  // interface has joined the group — every interface joins all-hosts 224.0.0.1, and a dump does not
  // list other memberships (ip maddr) — else dropped; without multicast routing nothing is forwarded.
  if (d >>> 28 === 0xe) {
    if (d !== ALL_HOSTS) return { type: "not-member" };
    if (s >>> 28 === 0xe || s === 0xffffffff) return martian("source", "a multicast or limited-broadcast source address");
    if (s >>> 24 === 127 && !routeLocalnet) return martian("source", "a loopback source arriving from outside, with route_localnet 0");
    // (0.0.0.0 may send to 224.0.0.0/24, the local groups.)
    return { type: "multicast" };
  }
  if (s >>> 28 === 0xe) return martian("source", "a multicast source address");
  if (s === 0xffffffff) return martian("source", "the limited broadcast address as source");
  if (d === 0xffffffff || (s === 0 && d === 0)) return { type: "broadcast" };
  // 0.0.0.0 itself only: the rest of 0.0.0.0/8 is unicast since Linux 5.3 (EKS's kernels are later).
  if (s === 0) return martian("source", "the source address 0.0.0.0");
  if (d === 0) return martian("destination", "the destination address 0.0.0.0");
  if (d >>> 24 === 127) return routeLocalnet ? null : martian("destination", "a loopback destination arriving from outside, with route_localnet 0");
  if (s >>> 24 === 127) return routeLocalnet ? null : martian("source", "a loopback source arriving from outside, with route_localnet 0");
  return null;
}

/** All hosts on this network: the group every interface joins. */
const ALL_HOSTS = 0xe0000001;

/** Whether an IPv4 address is in 127.0.0.0/8. */
export function isLoopback4(a: IpAddr): boolean {
  return a.family === 4 && Number(a.value) >>> 24 === 127;
}

const LOOPBACK6 = 1n;
const isMulticast6 = (v: bigint) => v >> 120n === 0xffn;
/** The scope nibble of a multicast address (1 interface-local, 0 reserved). */
const mcScope6 = (v: bigint) => Number((v >> 112n) & 0xfn);

/**
 * ip6_rcv_core's checks of a packet received on an interface other than loopback, in its order. (An
 * IPv4-mapped source is forwarded: the kernel suite showed it.)
 */
export function receiveCheck6(src: IpAddr, dst: IpAddr): ArrivalCheck {
  if (src.value === LOOPBACK6) return martian("source", "the loopback source ::1 arriving from outside");
  if (dst.value === LOOPBACK6) return martian("destination", "the loopback destination ::1 arriving from outside");
  if (isMulticast6(dst.value) && mcScope6(dst.value) === 1) return martian("destination", "an interface-local multicast destination arriving from outside");
  if (isMulticast6(dst.value) && mcScope6(dst.value) === 0) return martian("destination", "a multicast destination of reserved scope 0");
  if (isMulticast6(src.value)) return martian("source", "a multicast source address");
  return null;
}

const ALL_NODES6 = 0xff02n << 112n | 1n;
const ALL_ROUTERS6 = 0xff02n << 112n | 2n;
const SITE_ROUTERS6 = 0xff05n << 112n | 2n;
const SOLICITED6 = 0xff02n << 112n | 0x1ff000000n;

/**
 * Whether an interface with IPv6 addresses `own` has joined multicast group `group` as the kernel
 * joins them by itself: all-nodes, all-routers (forwarding is on) and each address's solicited-node
 * group. A dump does not list the others (ip maddr).
 */
export function joinedGroup6(group: IpAddr, own: readonly IpAddr[]): boolean {
  const g = group.value;
  if (g === ALL_NODES6 || g === ALL_ROUTERS6 || g === SITE_ROUTERS6) return true;
  return own.some((a) => (SOLICITED6 | (a.value & 0xffffffn)) === g);
}

/** ip6_forward's "security critical" check of the source, for a packet leaving by another interface: null when it passes. */
export function forwardScope6(src: IpAddr): "unspecified" | "link-local" | null {
  if (src.value === 0n) return "unspecified";
  return isIpv6LinkLocal(src) ? "link-local" : null;
}
