/**
 * Shares the lowered form of what a dump repeats. kube-proxy writes `-p tcp`, `-m tcp --dport 443`,
 * `! -s 10.0.0.0/16`, `-m statistic --mode random --probability 0.5` and `-j KUBE-MARK-MASQ` on
 * thousands of rules: lowering each distinct group once, and letting every rule hold the same
 * (never mutated) objects, keeps the model of a big node small and its lowering quick.
 *
 * Only results lowered without a diagnostic are shared (the same text lowers to the same result,
 * so a later rule loses nothing), and keys are built only for groups that tend to repeat: not
 * comments, host addresses or NAT destinations, which are mostly one per rule (keeping comments
 * too made the peak memory of a 30k-service node larger, not smaller).
 */
import type { IptBaseOption, IptExtOption, IptMatchModule, IptTargetSpec } from "../parse/iptables-syntax.js";
import { isKnownTarget } from "./iptables-targets.js";
import type { Match, Target } from "./netfilter.js";

/** Groups with values in them that are mostly unique to one rule. */
const UNIQUE_MODULES = new Set(["comment"]);
const UNIQUE_TARGETS = new Set(["DNAT", "SNAT", "LOG", "NFLOG"]);

export class LoweringMemo {
  private readonly matches = new Map<string, readonly Match[]>();
  private readonly targets = new Map<string, Target>();

  /** `reported` counts the diagnostics lowering has made so far. */
  constructor(private readonly reported: () => number) {}

  /** The lowered matches of `item` (shared by `key`; null: not worth keeping), lowered by `lower` the first time. */
  matchesOf<I>(key: string | null, item: I, lower: (item: I) => readonly Match[]): readonly Match[] {
    return this.cached(this.matches, key, item, lower) ?? [];
  }

  targetOf<I>(key: string | null, item: I, lower: (item: I) => Target | null): Target | null {
    return this.cached(this.targets, key, item, lower);
  }

  private cached<I, T>(map: Map<string, T>, key: string | null, item: I, lower: (item: I) => T | null): T | null {
    if (key === null) return lower(item);
    const known = map.get(key);
    if (known !== undefined) return known;
    const before = this.reported();
    const value = lower(item);
    // No cap: entries are at most a few per rule, and the memo lives only while its listing is read.
    if (value !== null && this.reported() === before) map.set(key, value);
    return value;
  }
}

function valuesKey(o: IptBaseOption | IptExtOption): string {
  let k = `${o.negation ?? ""}`;
  for (const v of o.values) k += `\u0001${v.text}`;
  return k;
}

export function baseKey(o: IptBaseOption): string | null {
  // A host address (`-s 10.1.2.3/32`, kube-proxy's endpoint rules) rarely repeats.
  if (o.values.length === 1 && o.values[0]?.text.endsWith("/32") === true) return null;
  return `${o.flag}\u0000${valuesKey(o)}`;
}

export function moduleKey(m: IptMatchModule): string | null {
  if (UNIQUE_MODULES.has(m.module)) return null;
  let k = m.module;
  for (const o of m.options) k += `\u0000${o.name}\u0000${valuesKey(o)}`;
  return k;
}

/**
 * For the targets iptables defines only: what any other name lowers to depends on the chains of its
 * table (jumps to chains are shared per chain by the table itself).
 */
export function targetKey(t: IptTargetSpec): string | null {
  if (!isKnownTarget(t.name) || UNIQUE_TARGETS.has(t.name)) return null;
  let k = `${t.kind}\u0000${t.name}`;
  for (const o of t.options) k += `\u0000${o.name}\u0000${valuesKey(o)}`;
  return k;
}
