/** `--set NAME=VALUE` for what-if: the CNI's environment variable names, validated values. */
import { parsePrefix } from "../model/address.js";
import { SETTING_NAMES, type CniSettings, type Randomize } from "./settings.js";

const BY_NAME = new Map<string, keyof CniSettings>(Object.entries(SETTING_NAMES).map(([k, v]) => [v, k as keyof CniSettings]));

function cidrList(name: string, value: string): string[] | { error: string } {
  const out: string[] = [];
  for (const part of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const p = parsePrefix(part);
    if ("error" in p) return { error: `${name}: ${p.error}` };
    if (p.family !== 4 || !part.includes("/")) return { error: `${name}: "${part}" is not an IPv4 CIDR` };
    out.push(part);
  }
  return out;
}

function bool(name: string, value: string): boolean | { error: string } {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return { error: `${name}: expected true or false, found "${value}"` };
}

/** Parses one `NAME=VALUE`; the names are the CNI's own environment variables. */
export function parseAssignment(text: string): Partial<CniSettings> | { error: string } {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? "" : text.slice(eq + 1);
  const key = BY_NAME.get(name);
  if (eq < 0 || key === undefined) {
    return { error: `--set ${text}: expected NAME=VALUE with NAME one of ${[...BY_NAME.keys()].join(", ")}` };
  }
  switch (key) {
    case "excludeSnatCidrs":
    case "externalServiceCidrs": {
      const v = cidrList(name, value);
      return Array.isArray(v) ? { [key]: v } : v;
    }
    case "externalSnat":
    case "nodePortSupport":
    case "podEni": {
      const v = bool(name, value);
      return typeof v === "boolean" ? { [key]: v } : v;
    }
    case "randomizeSnat":
      return ["prng", "hashrandom", "none"].includes(value.toLowerCase())
        ? { randomizeSnat: value.toLowerCase() as Randomize }
        : { error: `${name}: expected prng, hashrandom or none, found "${value}"` };
    case "connmark": {
      const n = Number(value);
      return Number.isInteger(n) && n > 0 && n <= 0xffffffff ? { connmark: n } : { error: `${name}: expected a mark such as 0x80, found "${value}"` };
    }
    case "vethPrefix":
      return /^[a-z][a-z0-9]{0,9}$/i.test(value) ? { vethPrefix: value } : { error: `${name}: expected an interface name prefix such as eni, found "${value}"` };
  }
}
