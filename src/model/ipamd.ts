/**
 * ipamd's introspection JSON (`localhost:61679/v1/enis`, `/v1/pods`, `/v1/networkutils-env-settings`,
 * and the EKS log collector's `ipamd/*.json`): plain JSON.parse plus validation, no grammar.
 */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { SourceLine } from "../parse/source.js";

export interface Eni {
  id: string;
  deviceNumber: number | null;
  isPrimary: boolean;
  /** Addresses in the ENI's pool: assigned to a pod or free. */
  addresses: { address: string; assigned: boolean }[];
  /** Delegated prefixes (prefix delegation), as text. */
  prefixes: string[];
  subnet: string | null;
}

export interface Pod {
  namespace: string;
  name: string;
  ip: string;
  /** Container or sandbox ID, when given. */
  container: string | null;
}

export interface IpamdInfo {
  enis: Eni[];
  pods: Pod[];
  /** The CNI's settings as ipamd reports them (AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS, …). */
  settings: Record<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined): string | null {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
}

export function emptyIpamd(): IpamdInfo {
  return { enis: [], pods: [], settings: {} };
}

/** Reads one JSON document into `into`; returns diagnostics for what it could not use. */
export function readIpamdJson(lines: readonly SourceLine[], into: IpamdInfo): Diagnostic[] {
  const first = lines[0];
  if (!first) return [];
  const text = lines.map((l) => l.raw).join("\n");
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const at = pos ? locate(lines, Number(pos[1])) : { line: first, column: 1 };
    return [diagnostic({ file: at.line.file, line: at.line.line, column: at.column }, "error", `JSON: ${message}`, at.line.raw)];
  }
  const before = into.enis.length + into.pods.length + Object.keys(into.settings).length;
  readEnis(doc, into);
  readPods(doc, into);
  readSettings(doc, into);
  // ipamd answers unknown paths with its list of commands; the log collector saves that as pods.json.
  if (isObject(doc) && "AvailableCommands" in doc) return [];
  if (into.enis.length + into.pods.length + Object.keys(into.settings).length === before) {
    return [diagnostic({ file: first.file, line: first.line, column: 1 }, "warning", "JSON document is not one ipamd knows (/v1/enis, /v1/pods, /v1/networkutils-env-settings): ignored", first.raw)];
  }
  return [];
}

function locate(lines: readonly SourceLine[], offset: number): { line: SourceLine; column: number } {
  let rest = offset;
  for (const line of lines) {
    if (rest <= line.raw.length) return { line, column: rest + 1 };
    rest -= line.raw.length + 1;
  }
  const last = lines[lines.length - 1] as SourceLine;
  return { line: last, column: Math.max(1, last.raw.length) };
}

/** `/v1/enis`: `{ TotalIPs, AssignedIPs, ENIs: { "eni-…": { ID, IsPrimary, DeviceNumber, AvailableIPv4Cidrs | IPv4Addresses } } }`, possibly per network card. */
function readEnis(doc: Json, into: IpamdInfo): void {
  const roots: Json[] = Array.isArray(doc) ? doc : [doc];
  for (const root of roots) {
    if (!isObject(root)) continue;
    const enis = root.ENIs ?? root.enis;
    if (!isObject(enis)) continue;
    for (const [key, raw] of Object.entries(enis)) {
      if (!isObject(raw)) continue;
      const eni: Eni = {
        id: str(raw.ID) ?? key,
        deviceNumber: typeof raw.DeviceNumber === "number" ? raw.DeviceNumber : null,
        isPrimary: raw.IsPrimary === true,
        addresses: [],
        prefixes: [],
        subnet: str(raw.SubnetCIDR ?? raw.subnetCIDR ?? null),
      };
      const cidrs = raw.AvailableIPv4Cidrs ?? raw.IPv4Addresses;
      if (isObject(cidrs)) {
        for (const [cidr, info] of Object.entries(cidrs)) {
          if (!isObject(info)) continue;
          const ips = info.IPAddresses ?? info.IPv4Addresses;
          if (info.IsPrefix === true) eni.prefixes.push(cidr);
          if (isObject(ips)) {
            for (const [ip, ipInfo] of Object.entries(ips)) {
              eni.addresses.push({ address: ip, assigned: isObject(ipInfo) && isAssigned(ipInfo) });
              // Current ipamd keeps the pod's name with its address (there is no /v1/pods any more).
              const meta = isObject(ipInfo) ? ipInfo.IPAMMetadata : undefined;
              const key = isObject(ipInfo) ? ipInfo.IPAMKey : undefined;
              if (isObject(meta) && typeof meta.k8sPodName === "string" && typeof meta.k8sPodNamespace === "string") {
                into.pods.push({ namespace: meta.k8sPodNamespace, name: meta.k8sPodName, ip, container: isObject(key) ? str(key.containerID) : null });
              }
            }
          } else if (info.IsPrefix !== true) {
            eni.addresses.push({ address: cidr.replace(/\/32$/, ""), assigned: isAssigned(info) });
          }
        }
      }
      into.enis.push(eni);
    }
  }
}

function isAssigned(info: { [k: string]: Json }): boolean {
  const key = info.IPAMKey;
  if (isObject(key)) return str(key.containerID) !== null && str(key.containerID) !== "";
  return info.Assigned === true || (typeof info.AssignedTime === "string" && !info.AssignedTime.startsWith("0001-"));
}

/** `/v1/pods`: `{ "name_namespace_container": { IP, DeviceNumber, … } }`, or a list of `{ namespace, name, ip }`. */
function readPods(doc: Json, into: IpamdInfo): void {
  if (Array.isArray(doc)) {
    for (const p of doc) {
      if (!isObject(p)) continue;
      const ip = str(p.IP ?? p.ip ?? p.podIP ?? null);
      const name = str(p.Name ?? p.name ?? p.podName ?? null);
      const namespace = str(p.Namespace ?? p.namespace ?? p.podNamespace ?? null);
      if (ip && name && namespace) into.pods.push({ namespace, name, ip, container: str(p.Container ?? p.containerID ?? null) });
    }
    return;
  }
  if (!isObject(doc) || "ENIs" in doc || "AvailableCommands" in doc) return;
  for (const [key, raw] of Object.entries(doc)) {
    if (!isObject(raw)) continue;
    const ip = str(raw.IP ?? raw.IPv4Addr ?? null);
    if (ip === null) continue;
    const [name = key, namespace = "", container = null] = key.split("_");
    into.pods.push({
      namespace: str(raw.Namespace ?? null) ?? namespace,
      name: str(raw.Name ?? null) ?? name,
      ip,
      container: str(raw.ContainerID ?? null) ?? container,
    });
  }
}

/** `/v1/networkutils-env-settings`: a flat object of the CNI's environment settings. */
function readSettings(doc: Json, into: IpamdInfo): void {
  if (!isObject(doc)) return;
  for (const [key, v] of Object.entries(doc)) {
    if (!/^(AWS_|ENABLE_|WARM_|MINIMUM_|POD_|DISABLE_|ANNOTATE_)/.test(key)) continue;
    into.settings[key] = Array.isArray(v) ? v.map((x) => String(x)).join(",") : v === null ? "" : String(v);
  }
}
