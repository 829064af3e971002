/** Prints rules the way `iptables -S` / `iptables-save` print them. */
import type { IptItem, IptRuleSpec, IptValue } from "./iptables-syntax.js";

// xtables_save_string: values made only of these characters are printed bare, others quoted.
const BARE = /^[A-Za-z0-9_-]+$/;

export function quoteValue(text: string): string {
  return `"${text.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

function printValue(v: IptValue): string {
  return v.quoted ? quoteValue(v.text) : v.text;
}

/** A string value (comment, log prefix) as iptables would print it in a rule podpath generates. */
export function saveValue(text: string): IptValue {
  return { text, quoted: !BARE.test(text), column: 0 };
}

/** Appends the words of one item to `out` (one list for the whole rule: this prints every rule a full trace lists). */
function printItem(out: string[], item: IptItem): void {
  switch (item.type) {
    case "base":
    case "ext": {
      const flag = item.type === "base" ? item.flag : `--${item.name}`;
      if (item.negation === "before" || item.negation === "both") out.push("!");
      out.push(flag);
      if (item.negation === "after" || item.negation === "both") out.push("!");
      for (const v of item.values) out.push(printValue(v));
      return;
    }
    case "match":
      out.push(item.flag, item.module);
      for (const o of item.options) printItem(out, o);
      return;
    case "target":
      out.push(item.flag, item.name);
      for (const o of item.options) printItem(out, o);
      return;
  }
}

export function printRuleSpec(spec: IptRuleSpec): string {
  const out: string[] = [];
  for (const item of spec.items) printItem(out, item);
  return out.join(" ");
}

/** `-A CHAIN spec`, exactly as `iptables -S` prints a rule. */
export function printAppend(chain: string, spec: IptRuleSpec): string {
  const body = printRuleSpec(spec);
  return body === "" ? `-A ${chain}` : `-A ${chain} ${body}`;
}
