/**
 * Parses `ip addr`, `ip link` (full format) and `ip -br addr`, `ip -br link` listings. Indented lines
 * belong to the interface header above them; each line is parsed alone, so a bad line gives one
 * diagnostic and parsing goes on.
 */
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import * as grammar from "../generated/ip-addr.js";
import {
  lineOrigin, type BriefLineSyntax, type ContinuationLineSyntax, type HeaderLineSyntax, type IpInterfaceSyntax,
  type LocatedContinuation,
} from "./ip-syntax.js";
import { parseLine, type PeggyParser } from "./peggy-line.js";
import type { SourceLine } from "./source.js";

const parser: PeggyParser<HeaderLineSyntax | ContinuationLineSyntax | BriefLineSyntax> = grammar;

const HEADER_SHAPE = /^\s*\d+:\s/;

export function parseIpAddrSection(lines: SourceLine[]): { interfaces: IpInterfaceSyntax[]; diagnostics: Diagnostic[] } {
  const interfaces: IpInterfaceSyntax[] = [];
  const diagnostics: Diagnostic[] = [];
  // Continuation lines go here; null when there is no header above, or the header was bad.
  let block: LocatedContinuation[] | null = null;
  let orphanReported = false;
  for (const line of lines) {
    if (line.raw.trim() === "") continue;
    const origin = lineOrigin(line);
    if (/^\s/.test(line.raw)) {
      const result = parseLine(parser, line, "ip addr", { startRule: "ContinuationLine" });
      if (!result.ok) diagnostics.push(result.diagnostic);
      else if (block !== null && isContinuation(result.value)) block.push({ line: result.value, origin });
      else if (!orphanReported) {
        // One report per run of orphan lines: a paste that starts mid-block is common.
        diagnostics.push(diagnostic(origin, "warning", "ip addr: indented line without an interface header above it; ignored", line.raw));
        orphanReported = true;
      }
      continue;
    }
    orphanReported = false;
    block = null;
    if (HEADER_SHAPE.test(line.raw)) {
      const result = parseLine(parser, line, "ip addr", { startRule: "HeaderLine" });
      if (!result.ok || result.value.kind !== "header") {
        if (!result.ok) diagnostics.push(result.diagnostic);
        orphanReported = true; // the header was reported; its indented lines need no more words
        continue;
      }
      block = [];
      interfaces.push({ type: "ip-interface", format: "full", header: result.value, continuations: block, origin });
      continue;
    }
    const result = parseLine(parser, line, "ip -br addr", { startRule: "BriefLine" });
    if (!result.ok) diagnostics.push(result.diagnostic);
    else if (result.value.kind === "brief") interfaces.push({ type: "ip-interface", format: "brief", brief: result.value, origin });
  }
  return { interfaces, diagnostics };
}

function isContinuation(line: HeaderLineSyntax | ContinuationLineSyntax | BriefLineSyntax): line is ContinuationLineSyntax {
  return line.kind !== "header" && line.kind !== "brief";
}
