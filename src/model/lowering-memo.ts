/**
 * Shares the lowered form of what a dump repeats. kube-proxy writes `-p tcp`, `-m tcp --dport 443`,
 * `! -s 10.0.0.0/16`, `-m statistic --mode random --probability 0.5` and `-j KUBE-MARK-MASQ` on
 * thousands of rules: lowering each distinct group once, and letting every rule hold the same
 * (never mutated) objects, keeps the model of a big node small and its lowering quick.
 *
 * Groups are keyed by their text in the line. Only results lowered without a diagnostic are shared
 * (the same text lowers to the same result, so a later rule loses nothing), and only groups that
 * tend to repeat are kept: not host addresses or NAT destinations, which are mostly one per rule
 * (keeping comments by their text made the peak memory of a 30k-service node larger, not smaller;
 * they are kept by their shape instead, see VALUE_FREE_MODULES).
 */
import type { RuleItems } from "../parse/iptables-syntax.js";
import type { Match, Target } from "./netfilter.js";

/**
 * Modules whose option values change neither what they lower to nor what lowering says (a comment
 * is text for people): with one option of one value, shared by their text up to that value.
 */
const VALUE_FREE_MODULES = new Set(["comment"]);
const UNIQUE_TARGETS = new Set(["DNAT", "SNAT", "LOG", "NFLOG"]);

/** Lowers item `k` of `items` (the first time the memo sees its key). */
type Lower<T> = (items: RuleItems, k: number) => T;

export class LoweringMemo {
  private readonly matches = new Map<string, readonly Match[]>();
  private readonly targets = new Map<string, Target>();

  /** `reported` counts the diagnostics lowering has made so far. */
  constructor(private readonly reported: () => number) {}

  /** The lowered matches of item `k` (shared by `key`; null: not worth keeping), lowered by `lower` the first time. */
  matchesOf(key: string | null, items: RuleItems, k: number, lower: Lower<readonly Match[]>): readonly Match[] {
    return this.cached(this.matches, key, items, k, lower) ?? [];
  }

  targetOf(key: string | null, items: RuleItems, k: number, lower: Lower<Target | null>): Target | null {
    return this.cached(this.targets, key, items, k, lower);
  }

  private cached<T>(map: Map<string, T>, key: string | null, items: RuleItems, k: number, lower: Lower<T | null>): T | null {
    if (key === null) return lower(items, k);
    const known = map.get(key);
    if (known !== undefined) return known;
    const before = this.reported();
    const value = lower(items, k);
    // No cap: entries are at most a few per rule, and the memo lives only while its listing is read.
    if (value !== null && this.reported() === before) map.set(key, value);
    return value;
  }
}

/**
 * The key item `k` (`name`: its RuleItems name) is shared by: its text in the line, up to the next
 * item. Null for groups not worth keeping. Only targets iptables defines may be keyed (the caller
 * knows which): what any other name lowers to depends on the chains of its table (jumps to chains
 * are shared per chain by the table itself).
 */
export function memoKey(items: RuleItems, k: number, name: string): string | null {
  switch (items.typeOf(k)) {
    case "base":
      // A host address (`-s 10.1.2.3/32`, kube-proxy's endpoint rules) rarely repeats.
      if (items.onlyValue(k)?.endsWith("/32") === true) return null;
      break;
    case "match":
      if (VALUE_FREE_MODULES.has(name)) return items.textToOnlyValue(k);
      break;
    case "target":
      if (UNIQUE_TARGETS.has(name)) return null;
      break;
    case "ext":
      return null;
  }
  // Cut from the line, not built: no string is made for a key (hashing a built one would copy it).
  return items.text(k);
}
