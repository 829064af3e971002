/**
 * IP protocol names as a node's tools read and print them. iptables, ip6tables and `ip rule` look
 * names up in /etc/protocols (iptables-save prints `-p vrrp`, `-p ospf`, `-p gre` from it), so a
 * dump names any protocol that file lists: these are the names of Debian's netbase (IANA's keywords,
 * lower case). Amazon Linux's fuller file (all of IANA's) names these protocols the same way, and
 * rarer ones too, which podpath does not know: an error names them.
 */
const ETC_PROTOCOLS: Readonly<Record<string, number>> = {
  ip: 0, hopopt: 0, icmp: 1, igmp: 2, ggp: 3, ipencap: 4, st: 5, tcp: 6, egp: 8, igp: 9, pup: 12,
  udp: 17, hmp: 20, "xns-idp": 22, rdp: 27, "iso-tp4": 29, dccp: 33, xtp: 36, ddp: 37, "idpr-cmtp": 38,
  ipv6: 41, "ipv6-route": 43, "ipv6-frag": 44, idrp: 45, rsvp: 46, gre: 47, esp: 50, ah: 51, skip: 57,
  "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, rspf: 73, vmtp: 81, eigrp: 88, ospf: 89,
  "ax.25": 93, ipip: 94, etherip: 97, encap: 98, pim: 103, ipcomp: 108, vrrp: 112, l2tp: 115, isis: 124,
  sctp: 132, fc: 133, "mobility-header": 135, udplite: 136, "mpls-in-ip": 137, manet: 138, hip: 139,
  shim6: 140, wesp: 141, rohc: 142, ethernet: 143, mptcp: 262,
};

/** Names iptables knows itself, when /etc/protocols does not list them (xtables_chain_protos). */
const XTABLES_PROTOCOLS: Readonly<Record<string, number>> = { all: 0, icmpv6: 58, "ipv6-mh": 135, mh: 135 };

const NUMBERS: ReadonlyMap<string, number> = new Map(Object.entries({ ...XTABLES_PROTOCOLS, ...ETC_PROTOCOLS }));

/** The number of a protocol name (iptables lower-cases what it reads first), or undefined. */
export function protocolNumber(name: string): number | undefined {
  return NUMBERS.get(name.toLowerCase());
}

/**
 * Protocols ip6tables compares but never sees: the kernel matches `-p` against the header after
 * IPv6's extension headers, so `-p ipv6-frag` matches nothing (ip6tables warns so).
 */
export const IPV6_EXTENSION_HEADERS: ReadonlySet<number> = new Set([43, 44, 51, 60]);
