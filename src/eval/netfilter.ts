/**
 * One table at one hook: rules in order, jump/goto/RETURN on a call stack, user chains falling off
 * their end back to the caller, the built-in chain's policy as the last word. Unknowable matches,
 * and targets of unknown effect, fork the world; each fork carries the assumption it rests on.
 */
import type { Chain, Match, Rule, Ruleset, Table, TableName, Target, UnknownFlow } from "../model/netfilter.js";
import { chainIndex, keyMatchAt, nextCandidate, type ChainIndex } from "./index-chain.js";
import { evaluateMatch, type MatchContext } from "./matches.js";
import type { NodeFacts } from "./node-facts.js";
import { applyTarget, hasNoEffect, type Flow } from "./targets.js";
import type { Hook, RuleOutcome } from "./types.js";
import { fork, note, type World } from "./world.js";

export interface Limits {
  /** Steps a whole trace may take (all worlds, all tables) before evaluation stops (a pathological ruleset). */
  maxSteps: number;
  /** Worlds (outcomes) explored at most. */
  maxWorlds: number;
  /** Chain call depth at most. */
  maxDepth: number;
  /**
   * List each rule a dispatch index jumped over (index-chain.ts) as a rule step, as the kernel tried
   * it (default true: the full trace). False keeps only the rules actually evaluated, for batch use
   * where the verdict matters: verdicts, outcomes and explanations are the same either way.
   */
  listSkipped?: boolean;
  /**
   * Record the path at all (default true); false keeps only the outcomes, for verdict-only batches
   * (route decisions then do not list the ip rules checked either).
   */
  recordSteps?: boolean;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 200_000, maxWorlds: 256, maxDepth: 128 };

interface Frame {
  chain: string;
  index: number;
  /** The chain itself and its dispatch index, looked up once per call rather than per rule. */
  at: Chain | undefined;
  dispatch: ChainIndex | null;
}

function frameAt(table: Table, chain: string, index: number): Frame {
  return frameOf(chain, table.chains.get(chain), index);
}

function frameOf(chain: string, at: Chain | undefined, index: number): Frame {
  return { chain, index, at, dispatch: at === undefined ? null : chainIndex(at) };
}

interface Pending {
  world: World;
  frames: Frame[];
}

export interface TraverseResult {
  worlds: World[];
  truncated: boolean;
}

/** What stays the same for a whole trace. */
export interface TraverseContext {
  facts: NodeFacts;
  ruleset: Ruleset | null;
  limits: Limits;
  /** The user's answers for unknowable conditions, by the condition's text or module name. */
  assume: Record<string, boolean>;
  /**
   * Spent so far across the whole trace, every world and table together: forks, and steps (taken or
   * copied into a fork), so a pathological ruleset is bounded in time and memory as a whole.
   */
  budget: { worlds: number; steps: number };
}

/**
 * Runs `hook` of `table`; returns the worlds after it (verdict set for those it dropped or rejected).
 * This is the hot loop of a trace: its note() calls check `world.record` first, so that no step
 * object is built for a verdict-only trace.
 */
export function traverseTable(ctx: TraverseContext, tableName: TableName, hook: Hook, start: World): TraverseResult {
  const { facts, ruleset, limits, budget } = ctx;
  const table = ruleset?.tables.get(tableName);
  if (start.record) note(start, { type: "hook", hook, table: tableName, present: table !== undefined });
  const chain0 = table?.chains.get(hook);
  if (!table || !chain0) return { worlds: [start], truncated: false };

  const done: World[] = [];
  let truncated = false;
  // The built-in chain is looked up once (a big table has tens of thousands of chains to hash among).
  const queue: Pending[] = [{ world: start, frames: [frameOf(hook, chain0, 0)] }];
  while (queue.length > 0) {
    const { world, frames } = queue.pop() as Pending;
    const mctx: MatchContext = { world, hook, facts };
    for (;;) {
      if (++budget.steps > limits.maxSteps || frames.length > limits.maxDepth) {
        if (world.record) note(world, { type: "limit", what: "steps" });
        truncated = true;
        done.push(world);
        break;
      }
      const frame = frames[frames.length - 1] as Frame;
      const chain = frame.at;
      const depth = frames.length - 1;
      const rule = chain?.rules[frame.index];
      if (!chain || rule === undefined) {
        // End of chain: a user chain returns to its caller; a built-in one applies its policy.
        if (frames.length > 1 && chain && !chain.builtin) {
          if (world.record) note(world, { type: "return", chain: frame.chain, table: tableName, fellOff: true, depth });
          frames.pop();
          continue;
        }
        const policy = chain0.policy ?? "ACCEPT";
        if (world.record) note(world, { type: "policy", table: tableName, chain: hook, policy, depth: 0 });
        if (policy === "DROP") {
          world.verdict = "dropped";
          world.decidedBy = { policy: "DROP", table: tableName, chain: hook };
        }
        done.push(world);
        break;
      }
      // A long run of rules keyed on destination address/port: go straight to the next candidate.
      const index = frame.dispatch;
      const next = index === null ? null : nextCandidate(index, frame.index, world);
      if (index !== null && next !== null && next > frame.index && budget.steps + (next - frame.index) <= limits.maxSteps) {
        if (limits.listSkipped !== false) {
          for (let r = frame.index; r < next; r++) {
            const skipped = chain.rules[r] as Rule;
            note(world, { type: "rule", rule: skipped, outcome: missAt(failedAt(skipped, keyMatchAt(index, r), mctx)), depth });
          }
        }
        budget.steps += next - frame.index - 1;
        frame.index = next;
        continue;
      }
      frame.index++;
      const outcome = matchRule(ctx, rule, mctx, queue, frames);
      if (outcome === "forked-out") truncated = true;
      if (world.record) note(world, { type: "rule", rule, outcome: outcome === "forked-out" ? missAt(-1) : outcome, depth });
      if (outcome === "forked-out" || !outcome.matched || rule.target === null) continue;

      const applied = applyTarget(rule.target, { world, hook, facts, rule });
      const { effect } = applied;
      if (effect.type === "mark" || effect.type === "packet-mark-restored" || effect.type === "dnat") world.rerouteNeeded = true;
      if (world.record) note(world, { type: "target", rule, target: rule.target, effect, depth });
      let flow = applied.flow;
      if (flow.type === "unknown") {
        const forked = forkUnknown(ctx, rule, flow.may, world, frames, queue, done);
        truncated ||= forked.truncated;
        flow = forked.flow;
      }
      if (flow.type === "continue") continue;
      if (flow.type === "jump" || flow.type === "goto") {
        if (flow.type === "goto") frames.pop();
        frames.push(frameAt(table, flow.chain, 0));
        continue;
      }
      if (flow.type === "return") {
        if (frames.length > 1) {
          if (world.record) note(world, { type: "return", chain: frame.chain, table: tableName, fellOff: false, depth });
          frames.pop();
          continue;
        }
        // RETURN in a built-in chain: its policy decides.
        frames[0] = frameOf(hook, chain0, Number.MAX_SAFE_INTEGER);
        continue;
      }
      if (flow.type === "drop" || flow.type === "reject") {
        world.verdict = flow.type === "drop" ? "dropped" : "rejected";
        world.decidedBy = rule;
      }
      done.push(world);
      break;
    }
  }
  return { worlds: done, truncated };
}

/**
 * A target of unknown effect: this world takes the first thing it may do, and a fork each of the
 * others (one that lets the packet go on waits in `queue`; one that accepts or drops is done with
 * the table). `truncated`: the outcome budget was spent before every fork was made.
 */
function forkUnknown(ctx: TraverseContext, rule: Rule, may: readonly UnknownFlow[], world: World, frames: Frame[], queue: Pending[], done: World[]): { flow: Flow; truncated: boolean } {
  const { limits, budget } = ctx;
  const target = rule.target as Extract<Target, { type: "unknown" }>;
  // The user may say what the queue's reader does (`--assume NFQUEUE=true`: it accepts).
  if (target.why === "queue" && Object.hasOwn(ctx.assume, target.name)) {
    const taken = ctx.assume[target.name] === true ? "accept" : "drop";
    world.assumptions.push({ type: "target", rule, target, taken, given: true });
    return { flow: { type: taken }, truncated: false };
  }
  let truncated = false;
  for (const taken of may.slice(1)) {
    if (budget.worlds >= limits.maxWorlds) {
      note(world, { type: "limit", what: "outcomes" });
      truncated = true;
      break;
    }
    budget.worlds++;
    budget.steps += world.steps.length;
    const other = fork(world);
    other.assumptions.push({ type: "target", rule, target, taken, given: false });
    if (taken === "continue") queue.push({ world: other, frames: frames.map((f) => ({ ...f })) });
    else {
      if (taken === "drop") {
        other.verdict = "dropped";
        other.decidedBy = rule;
      }
      done.push(other);
    }
  }
  const taken = may[0] ?? "continue";
  world.assumptions.push({ type: "target", rule, target, taken, given: false });
  return { flow: { type: taken }, truncated };
}

const MISSES = new Map<number, RuleOutcome>();
const MATCHED: RuleOutcome = { matched: true };

/** The outcome "failed at match i" (shared: outcomes are read-only data). */
function missAt(i: number): RuleOutcome {
  let o = MISSES.get(i);
  if (o === undefined) MISSES.set(i, (o = { matched: false, failedMatch: i }));
  return o;
}

/** Where a rule the index jumped over fails: a `-p` before its key, or its key. */
function failedAt(rule: Rule, keyAt: number, mctx: MatchContext): number {
  for (let i = 0; i < keyAt; i++) {
    const m = rule.matches[i] as Match;
    if (m.type === "protocol" && evaluateMatch(m, mctx) === false) return i;
  }
  return keyAt;
}

/**
 * Evaluates a rule's matches in order. When one cannot be known, the world forks: the copy that
 * assumes "no" is queued to continue after this rule; this world assumes "yes" and goes on.
 */
function matchRule(
  ctx: TraverseContext,
  rule: Rule,
  mctx: MatchContext,
  queue: Pending[],
  frames: Frame[],
): RuleOutcome | "forked-out" {
  const { limits, budget } = ctx;
  const world = mctx.world;
  for (let i = 0; i < rule.matches.length; i++) {
    const m = rule.matches[i];
    if (m === undefined) continue;
    const answer = evaluateMatch(m, mctx);
    if (answer === true) continue;
    if (answer === false) return missAt(i);
    // Unknowable, but the rule changes nothing either way: no need to fork.
    if (hasNoEffect(rule.target)) return missAt(i);
    if ("opaque" in answer && m.type === "opaque") {
      // Own keys only: a module a dump names `constructor` is not an answer the user gave.
      const told = (k: string) => (Object.hasOwn(ctx.assume, k) ? ctx.assume[k] : undefined);
      const given = told(m.what) ?? told(m.module) ?? null;
      if (given !== null) {
        world.assumptions.push({ type: "opaque", rule, match: m, matched: given, given: true });
        if (given) continue;
        return missAt(i);
      }
    }
    const p = "random" in answer ? answer.random : 0.5;
    if (budget.worlds >= limits.maxWorlds) {
      note(world, { type: "limit", what: "outcomes" });
      return "forked-out";
    }
    budget.worlds++;
    // The fork's copy of the history counts against the step budget too.
    budget.steps += world.steps.length;
    const other = fork(world);
    const otherFrames = frames.map((f) => ({ ...f }));
    if ("random" in answer) {
      other.probability *= 1 - p;
      other.assumptions.push({ type: "random", rule, matched: false, probability: 1 - p });
      world.probability *= p;
      world.assumptions.push({ type: "random", rule, matched: true, probability: p });
    } else if (m.type === "opaque") {
      other.assumptions.push({ type: "opaque", rule, match: m, matched: false, given: false });
      world.assumptions.push({ type: "opaque", rule, match: m, matched: true, given: false });
    } else {
      const what = { type: "opaque" as const, module: m.type, what: `${m.type} condition` };
      other.assumptions.push({ type: "opaque", rule, match: what, matched: false, given: false });
      world.assumptions.push({ type: "opaque", rule, match: what, matched: true, given: false });
    }
    note(other, { type: "rule", rule, outcome: missAt(i), depth: frames.length - 1 });
    queue.push({ world: other, frames: otherFrames });
  }
  return MATCHED;
}
