/** Prints rules the way `iptables -S` / `iptables-save` print them. */
import type { IptItem, IptRuleSpec, IptValue, NegationPosition } from "./iptables-syntax.js";

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

function withNegation(flag: string, negation: NegationPosition, values: IptValue[]): string[] {
  const vals = values.map(printValue);
  if (negation === "before") return ["!", flag, ...vals];
  if (negation === "after") return [flag, "!", ...vals];
  return [flag, ...vals];
}

function printItem(item: IptItem): string[] {
  switch (item.type) {
    case "base":
      return withNegation(item.flag, item.negation, item.values);
    case "ext":
      return withNegation(`--${item.name}`, item.negation, item.values);
    case "match":
      return [item.flag, item.module, ...item.options.flatMap(printItem)];
    case "target":
      return [item.flag, item.name, ...item.options.flatMap(printItem)];
  }
}

export function printRuleSpec(spec: IptRuleSpec): string {
  return spec.items.flatMap(printItem).join(" ");
}

/** `-A CHAIN spec`, exactly as `iptables -S` prints a rule. */
export function printAppend(chain: string, spec: IptRuleSpec): string {
  const body = printRuleSpec(spec);
  return body === "" ? `-A ${chain}` : `-A ${chain} ${body}`;
}
