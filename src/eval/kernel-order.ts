/**
 * The kernel's order, as data: which tables run at each hook (by netfilter priority), and the path a
 * packet takes through hooks and routing decisions. Checking fidelity means reading this file.
 */
import type { TableName } from "../model/netfilter.js";
import type { Hook, PathKind } from "./types.js";

/** Tables at each hook, in priority order (raw -300, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100). */
export const HOOK_TABLES: Record<Hook, readonly TableName[]> = {
  PREROUTING: ["raw", "mangle", "nat"],
  INPUT: ["mangle", "filter", "security", "nat"],
  FORWARD: ["mangle", "filter", "security"],
  OUTPUT: ["raw", "mangle", "nat", "filter", "security"],
  POSTROUTING: ["mangle", "nat"],
};

/** Which NAT a hook's nat table performs: destination before routing, source after. */
export const NAT_MANIP: Partial<Record<Hook, "dst" | "src">> = {
  PREROUTING: "dst",
  OUTPUT: "dst",
  INPUT: "src",
  POSTROUTING: "src",
};

export type Stage =
  | { type: "hook"; hook: Hook }
  /** The routing decision; `reroute` is ip_route_me_harder after OUTPUT when mark or destination changed. */
  | { type: "route"; reroute: boolean }
  /** After routing: local delivery or leaving the node. */
  | { type: "branch"; local: readonly Stage[]; remote: readonly Stage[] };

const hook = (h: Hook): Stage => ({ type: "hook", hook: h });

export const PATHS: Record<PathKind, readonly Stage[]> = {
  // A packet arriving on an interface (a pod's veth, an ENI).
  forward: [
    hook("PREROUTING"),
    { type: "route", reroute: false },
    { type: "branch", local: [hook("INPUT")], remote: [hook("FORWARD"), hook("POSTROUTING")] },
  ],
  // A packet the node generates: routed first, then OUTPUT, re-routed if OUTPUT changed it.
  output: [
    { type: "route", reroute: false },
    hook("OUTPUT"),
    { type: "route", reroute: true },
    { type: "branch", local: [hook("POSTROUTING"), hook("INPUT")], remote: [hook("POSTROUTING")] },
  ],
};
