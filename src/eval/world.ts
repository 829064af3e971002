/** The state of one possible history of the packet while it is traced; forks copy it. */
import type { IpAddr } from "../model/address.js";
import type { CtState, Rule } from "../model/netfilter.js";
import type { Assumption, Outcome, RouteDecision, TargetEffect, TraceStep, Verdict } from "./types.js";

export interface World {
  src: IpAddr;
  dst: IpAddr;
  sport: number | null;
  dport: number | null;
  proto: number;
  /** The connection's original tuple (before any NAT), as conntrack matches see it. */
  origSrc: IpAddr;
  origDst: IpAddr;
  origSport: number | null;
  origDport: number | null;
  iif: string | null;
  oif: string | null;
  mark: number;
  ctmark: number;
  ctstate: CtState;
  tracked: boolean;
  snat: (TargetEffect & { type: "snat" }) | null;
  snatRule: Rule | null;
  dnat: (TargetEffect & { type: "dnat" }) | null;
  dnatRule: Rule | null;
  natDone: NatDone;
  route: RouteDecision | null;
  probability: number;
  assumptions: Assumption[];
  steps: TraceStep[];
  /** Record the path (steps), or only the outcome (batch verdicts). */
  record: boolean;
  /** A target changed the mark or the destination: a local packet must be routed again after OUTPUT. */
  rerouteNeeded: boolean;
  /** Set when the packet's fate is sealed. */
  verdict: Verdict | null;
  decidedBy: Outcome["decidedBy"];
}

export function fork(w: World): World {
  return { ...w, natDone: { ...w.natDone }, assumptions: [...w.assumptions], steps: [...w.steps] };
}

/** Which NAT bindings conntrack has set up for this connection (nat is consulted once per kind). */
export interface NatDone {
  src: boolean;
  dst: boolean;
}

/** Records a step of the path, when this trace keeps one. */
export function note(w: World, step: TraceStep): void {
  if (w.record) w.steps.push(step);
}
