/**
 * Lowers `ip addr`/`ip link` (full and brief) syntax to interfaces, merging the same interface seen
 * in several listings (`ip link` then `ip addr`, or `ip -br addr` then `ip -br link`).
 */
import type { Diagnostic } from "../diagnostics.js";
import type { AddrLineSyntax, BriefLineSyntax, HeaderLineSyntax, IpInterfaceSyntax, LocatedContinuation, Token } from "../parse/ip-syntax.js";
import { addressEquals, isError, isIpv6LinkLocal, parseAddress, parsePrefix, type Family } from "./address.js";
import { familyName, parseNumber, report } from "./lower-ip-common.js";
import type { Origin } from "./origin.js";
import { SOURCE_FLAGS, type AddressFlag, type Interface, type InterfaceAddress } from "./routing.js";

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };
const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$/;

export function lowerInterfaces(ifaces: IpInterfaceSyntax[]): { interfaces: Interface[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, Interface>();
  // Interfaces that a full listing described, and addresses only a brief listing showed (their scope
  // is a guess, and they lack labels and the secondary flag).
  const full = new WeakSet<Interface>();
  const guessed = new WeakSet<InterfaceAddress>();
  for (const syntax of ifaces) {
    const iface = syntax.format === "full"
      ? lowerFull(syntax.header, syntax.continuations, syntax.origin, diagnostics)
      : lowerBrief(syntax.brief, syntax.origin, diagnostics, guessed);
    const seen = byName.get(iface.name);
    if (seen === undefined) byName.set(iface.name, iface);
    else merge(seen, iface, !full.has(seen) && syntax.format === "full", guessed, diagnostics);
    if (syntax.format === "full") full.add(seen ?? iface);
  }
  return { interfaces: [...byName.values()], diagnostics };
}

function blank(name: string, origin: Origin): Interface {
  return { name, index: null, link: null, state: null, flags: [], mtu: null, mac: null, linkType: null, addresses: [], origin };
}

function lowerFull(header: HeaderLineSyntax, lines: LocatedContinuation[], origin: Origin, diagnostics: Diagnostic[]): Interface {
  const iface = blank(header.name.text, origin);
  iface.index = parseNumber(header.index.text);
  iface.link = header.link?.text ?? null;
  iface.flags = header.flags;
  for (const attribute of header.attributes) {
    if (attribute.value === null) continue;
    if (attribute.name === "state") iface.state = attribute.value.text;
    if (attribute.name === "mtu") {
      iface.mtu = parseNumber(attribute.value.text);
      if (iface.mtu === null) diagnostics.push(report(origin, attribute.value.column, "error", `ip addr: mtu "${attribute.value.text}" is not a number`));
    }
  }
  let detailReported = false;
  for (const { line, origin: at } of lines) {
    if (line.kind === "link") {
      iface.linkType = `link/${line.linkType.text}`;
      iface.mac = line.address?.text ?? null;
    } else if (line.kind === "addr") {
      const address = lowerAddress(line, iface.name, at, diagnostics);
      if (address !== null) iface.addresses.push(address);
    } else if (line.kind === "detail" && !detailReported) {
      // `ip -d` and similar lines: known to exist, not needed for routing; say so once per interface.
      diagnostics.push(report(at, at.column, "info", `ip addr: detail lines of ${iface.name} are not modelled`));
      detailReported = true;
    }
    // `valid_lft … preferred_lft …` and `altname …` lines do not affect forwarding.
  }
  return iface;
}

/** `inet A/len [peer P/len] [brd B] scope S [flags] [label]`. */
function lowerAddress(line: AddrLineSyntax, ifname: string, origin: Origin, diagnostics: Diagnostic[]): InterfaceAddress | null {
  const expected: Family = line.family === "inet" ? 4 : 6;
  const parsed = addressAndLength(line.address, line.peer, origin, diagnostics);
  if (parsed === null) return null;
  if (parsed.address.family !== expected) {
    diagnostics.push(report(origin, line.address.column, "error", `ip addr: address family mismatch: ${familyName(parsed.address.family)} address "${line.address.text}" on an ${line.family} line`));
    return null;
  }
  let scope = "global";
  let secondary = false;
  const flags: AddressFlag[] = [];
  let label: string | null = null;
  const extra: Token[] = [];
  for (const option of line.options) {
    if (option.type === "scope") scope = option.value.text;
    else if (option.type === "flag" && option.flag === "secondary") secondary = true;
    else if (option.type === "flag" && isSourceFlag(option.flag)) flags.push(option.flag);
    else if (option.type === "word") extra.push({ text: option.word, column: option.column });
    else if (option.type === "brd" || option.type === "any") {
      const brd = parseAddress(option.address.text);
      if (isError(brd) || brd.family !== expected) {
        diagnostics.push(report(origin, option.address.column, "error", `ip addr: ${option.type} "${option.address.text}" is not an ${familyName(expected)} address`));
      }
    }
  }
  // IPv4 addresses end with their label (`eth0`, `eth0:1`); other words are not understood.
  if (line.family === "inet" && extra.length > 0) label = extra.pop()?.text ?? null;
  const first = extra[0];
  if (first !== undefined) {
    diagnostics.push(report(origin, first.column, "warning", `ip addr: ignored "${extra.map((t) => t.text).join(" ")}" on an address of ${ifname}, which podpath does not understand`));
  }
  return { ...parsed, scope, secondary, flags, label };
}

/** The local address, and the prefix length from the peer when there is one (`inet A peer P/len`). */
function addressAndLength(local: Token, peer: Token | null, origin: Origin, diagnostics: Diagnostic[]): { address: InterfaceAddress["address"]; prefixLen: number; peer: string | null } | null {
  const slash = local.text.indexOf("/");
  const address = parseAddress(slash < 0 ? local.text : local.text.slice(0, slash));
  if (isError(address)) {
    diagnostics.push(report(origin, local.column, "error", `ip addr: bad address: ${address.error}`));
    return null;
  }
  const lengthFrom = peer ?? local;
  const prefix = parsePrefix(lengthFrom.text);
  if (isError(prefix)) {
    diagnostics.push(report(origin, lengthFrom.column, "error", `ip addr: bad ${peer === null ? "address" : "peer"}: ${prefix.error}`));
    return null;
  }
  if (prefix.family !== address.family) {
    diagnostics.push(report(origin, lengthFrom.column, "error", `ip addr: address family mismatch: peer "${lengthFrom.text}" is ${familyName(prefix.family)}, the address is ${familyName(address.family)}`));
    return null;
  }
  const prefixLen = peer === null && slash < 0 ? WIDTH[address.family] : prefix.len;
  return { address, prefixLen, peer: peer?.text ?? null };
}

function lowerBrief(brief: BriefLineSyntax, origin: Origin, diagnostics: Diagnostic[], guessed: WeakSet<InterfaceAddress>): Interface {
  const iface = blank(brief.name.text, origin);
  iface.link = brief.link?.text ?? null;
  iface.state = brief.state.text;
  for (const item of brief.items) {
    if (item.type === "flags") iface.flags = item.flags;
    else if (item.type === "word") {
      if (MAC.test(item.word.text) && iface.mac === null) iface.mac = item.word.text;
      else diagnostics.push(report(origin, item.column, "warning", `ip -br: ignored "${item.word.text}" for ${iface.name}, which podpath does not understand`));
    } else {
      const parsed = addressAndLength(item.address, item.peer, origin, diagnostics);
      if (parsed === null) continue;
      // Brief listings print neither scope nor flags; link-local and loopback scopes follow from the address.
      const address: InterfaceAddress = { ...parsed, scope: briefScope(parsed.address), secondary: false, flags: [], label: null };
      guessed.add(address);
      iface.addresses.push(address);
    }
  }
  return iface;
}

/** The scope the kernel gives an address by default, for listings that do not print it. */
function briefScope(address: InterfaceAddress["address"]): string {
  if (address.family === 4) return address.value >> 24n === 127n ? "host" : "global";
  if (address.value === 1n) return "host";
  return isIpv6LinkLocal(address) ? "link" : "global";
}

/** Fills what `into` lacks from `from`; reports values that disagree (two different interfaces of one name). */
function merge(into: Interface, from: Interface, fromKnowsMore: boolean, guessed: WeakSet<InterfaceAddress>, diagnostics: Diagnostic[]): void {
  const conflict = (what: string, a: string, b: string): void => {
    diagnostics.push(report(from.origin, from.origin.column, "warning", `ip addr: ${into.name} is listed with ${what} ${a} here and ${b} at line ${into.origin.line}; keeping ${b}`));
  };
  if (into.index !== null && from.index !== null && into.index !== from.index) conflict("ifindex", String(from.index), String(into.index));
  if (into.mtu !== null && from.mtu !== null && into.mtu !== from.mtu) conflict("mtu", String(from.mtu), String(into.mtu));
  if (into.mac !== null && from.mac !== null && into.mac.toLowerCase() !== from.mac.toLowerCase()) conflict("address", from.mac, into.mac);
  // A full listing's header is the better line to quote than a brief line.
  if (fromKnowsMore) into.origin = from.origin;
  into.index ??= from.index;
  into.link ??= from.link;
  into.state ??= from.state;
  into.mtu ??= from.mtu;
  into.mac ??= from.mac;
  into.linkType ??= from.linkType;
  if (into.flags.length === 0) into.flags = from.flags;
  for (const address of from.addresses) {
    const same = into.addresses.find((a) => addressEquals(a.address, address.address) && a.prefixLen === address.prefixLen);
    if (same === undefined) into.addresses.push(address);
    // A brief listing knows less (no scope, label or secondary flag); keep the fuller entry.
    else if (guessed.has(same) && !guessed.has(address)) into.addresses[into.addresses.indexOf(same)] = address;
  }
}

function isSourceFlag(flag: string): flag is AddressFlag {
  return (SOURCE_FLAGS as readonly string[]).includes(flag);
}
