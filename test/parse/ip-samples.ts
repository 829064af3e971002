/** Loads the captured iproute2 samples in test/parse/samples as source lines. */
import { readFileSync } from "node:fs";
import { splitLines, type SourceLine } from "../../src/parse/source.js";

export function sampleText(name: string): string {
  return readFileSync(new URL(`./samples/${name}`, import.meta.url), "utf8");
}

export function sample(name: string): SourceLine[] {
  return splitLines(sampleText(name), name);
}

export function lines(text: string, file = "paste.txt"): SourceLine[] {
  return splitLines(text, file);
}

export const SAMPLE_FILES = [
  "ip-rule.txt", "ip-6-rule.txt", "ip-d-rule.txt", "ip-c-rule.txt", "handwritten-eks-rule.txt",
  "ip-route.txt", "ip-route-table-all.txt", "ip-6-route-table-all.txt", "ip-c-route-table-all.txt", "handwritten-route.txt",
  "ip-addr.txt", "ip-c-addr.txt", "ip-link.txt", "ip-br-addr.txt", "ip-c-br-addr.txt", "ip-br-link.txt",
];
