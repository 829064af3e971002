/** Lowers `ifconfig` syntax to interfaces; addresses get their prefix length from the netmask. */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { IfconfigInterface } from "../parse/ifconfig.js";
import { parseAddress, parsePrefix } from "./address.js";
import type { Interface } from "./routing.js";

const SCOPES: ReadonlyMap<string, string> = new Map(Object.entries({ global: "global", link: "link", host: "host", site: "site", compat: "global" }));

export function lowerIfconfig(ifaces: readonly IfconfigInterface[]): { interfaces: Interface[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const interfaces = ifaces.map((syntax): Interface => {
    const iface: Interface = {
      name: syntax.header.name, index: null, link: null, state: syntax.header.flags.includes("UP") ? "UP" : "DOWN",
      flags: syntax.header.flags, mtu: syntax.header.mtu, mac: null, linkType: null, addresses: [], origin: syntax.origin,
    };
    for (const { line, origin } of syntax.lines) {
      if (line.kind === "link") {
        iface.linkType = line.type === "loop" ? "link/loopback" : `link/${line.type}`;
        const mac = /^\s*([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(line.rest);
        if (mac) iface.mac = mac[1] ?? null;
        continue;
      }
      const opt = (name: string) => line.options.find((o) => o.name === name)?.value;
      const address = parseAddress(line.address.text);
      if ("error" in address) {
        diagnostics.push(diagnostic({ file: origin.file, line: origin.line, column: line.address.column }, "error", `ifconfig: ${address.error}`, origin.raw));
        continue;
      }
      let prefixLen = address.family === 4 ? 32 : 128;
      const mask = line.kind === "inet" ? opt("netmask") : opt("prefixlen");
      if (mask) {
        const p = parsePrefix(`${line.address.text}/${mask.text}`);
        if ("error" in p) diagnostics.push(diagnostic({ file: origin.file, line: origin.line, column: mask.column }, "error", `ifconfig: ${p.error}`, origin.raw));
        else prefixLen = p.len;
      }
      const scopeText = opt("scopeid")?.text ?? "";
      const scope = line.kind === "inet6" ? (SCOPES.get(scopeText) ?? "global") : line.address.text.startsWith("127.") ? "host" : "global";
      // ifconfig prints one IPv4 address per interface (the primary); aliases appear as eth0:1 interfaces.
      iface.addresses.push({ address, prefixLen, scope, secondary: false, flags: [], label: null, peer: opt("destination")?.text ?? null });
    }
    return iface;
  });
  return { interfaces, diagnostics };
}
