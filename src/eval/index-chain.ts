/**
 * Dispatch indexes for long chains (kube-proxy's KUBE-SERVICES and KUBE-NODEPORTS hold one rule per
 * service port). A run of consecutive rules that each test a fixed destination prefix or destination
 * port — after only `-p` and comments — is indexed by that key, so the traversal can jump to the
 * next rule that could match the packet. First-match order stays exact: candidates are visited in
 * chain order, and every rule jumped over provably fails (its key match is false, and nothing before
 * the key can be unknowable), at a match index `failedAt` computes exactly as a linear scan would.
 */
import { maskOf } from "../model/address.js";
import type { Chain, Match, Rule } from "../model/netfilter.js";
import type { World } from "./world.js";

type KeyKind = "dst" | "dport";

/** A run of indexed rules `[start, end)` in one chain. */
interface Block {
  kind: KeyKind;
  start: number;
  end: number;
  /** dst: per prefix length, masked network → ascending rule indexes. */
  byPrefix: Map<number, Map<number | bigint, number[]>>;
  /** dport: port → ascending rule indexes. */
  byPort: Map<number, number[]>;
  /** Per rule (from `start`): the index of its key match. */
  keyAt: Uint8Array;
}

export interface ChainIndex {
  /** Block id per rule index, -1 when the rule is not indexed. */
  blockOf: Int32Array;
  blocks: Block[];
}

/** Runs shorter than this are scanned as they are. */
const MIN_BLOCK = 8;

const cache = new WeakMap<Chain, { rules: Rule[]; length: number; index: ChainIndex | null }>();

/** The key of a rule: its first destination-prefix or single destination-port match, after only `-p`. */
function keyOf(rule: Rule): { kind: KeyKind; at: number } | null {
  const ms = rule.matches;
  for (let i = 0; i < ms.length && i < 255; i++) {
    const m = ms[i] as Match;
    if (m.type === "protocol") continue;
    if (m.type === "destination" && !m.negated) return { kind: "dst", at: i };
    if (m.type === "port" && m.which === "dst" && !m.negated && m.range.lo === m.range.hi) return { kind: "dport", at: i };
    return null;
  }
  return null;
}

function add<K>(map: Map<K, number[]>, key: K, index: number): void {
  const list = map.get(key);
  if (list) list.push(index);
  else map.set(key, [index]);
}

function build(chain: Chain): ChainIndex | null {
  const rules = chain.rules;
  if (rules.length < MIN_BLOCK) return null;
  const keys = rules.map(keyOf);
  const blockOf = new Int32Array(rules.length).fill(-1);
  const blocks: Block[] = [];
  let i = 0;
  while (i < rules.length) {
    const k = keys[i];
    if (!k) { i++; continue; }
    let j = i + 1;
    while (j < rules.length && keys[j]?.kind === k.kind) j++;
    if (j - i >= MIN_BLOCK) {
      const block: Block = { kind: k.kind, start: i, end: j, byPrefix: new Map(), byPort: new Map(), keyAt: new Uint8Array(j - i) };
      for (let r = i; r < j; r++) {
        const key = keys[r] as { kind: KeyKind; at: number };
        block.keyAt[r - i] = key.at;
        const m = (rules[r] as Rule).matches[key.at] as Match;
        if (m.type === "destination") {
          let byValue = block.byPrefix.get(m.prefix.len);
          if (!byValue) block.byPrefix.set(m.prefix.len, (byValue = new Map()));
          add(byValue, m.prefix.family === 4 ? Number(m.prefix.value) : m.prefix.value, r);
        } else if (m.type === "port") {
          add(block.byPort, m.range.lo, r);
        }
        blockOf[r] = blocks.length;
      }
      blocks.push(block);
    }
    i = j;
  }
  return blocks.length > 0 ? { blockOf, blocks } : null;
}

/** The chain's index (built on first use, rebuilt if its rules changed), or null when it has no long runs. */
export function chainIndex(chain: Chain): ChainIndex | null {
  // Most chains are short: no index, and no cache lookup for them.
  if (chain.rules.length < MIN_BLOCK) return null;
  const cached = cache.get(chain);
  if (cached && cached.rules === chain.rules && cached.length === chain.rules.length) return cached.index;
  const index = build(chain);
  cache.set(chain, { rules: chain.rules, length: chain.rules.length, index });
  return index;
}

/** First element of ascending `list` that is >= `from`, or Infinity. */
function firstFrom(list: number[] | undefined, from: number): number {
  if (list === undefined) return Infinity;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? (list[lo] as number) : Infinity;
}

/**
 * When rule `from` is in an indexed block: the index of the next rule at or after it that could
 * match `world` (or the block's end when none can). Null when `from` is not indexed.
 */
export function nextCandidate(index: ChainIndex, from: number, world: World): number | null {
  const b = index.blockOf[from];
  if (b === undefined || b < 0) return null;
  const block = index.blocks[b] as Block;
  let next = Infinity;
  if (block.kind === "dst") {
    const dst = world.dst;
    for (const [len, byValue] of block.byPrefix) {
      const net = dst.value & maskOf(dst.family, len);
      next = Math.min(next, firstFrom(byValue.get(dst.family === 4 ? Number(net) : net), from));
    }
  } else if (world.dport !== null) {
    next = firstFrom(block.byPort.get(world.dport), from);
  }
  return next === Infinity ? block.end : next;
}

/** The index of the key match of indexed rule `r` (where a rule jumped over fails, unless `-p` failed first). */
export function keyMatchAt(index: ChainIndex, r: number): number {
  const block = index.blocks[index.blockOf[r] as number] as Block;
  return block.keyAt[r - block.start] as number;
}
