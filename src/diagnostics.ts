/** Problems found in the input. Parsing and lowering report them; nothing in podpath throws on bad input. */

export type Severity = "error" | "warning" | "info";

/** A position in one input file; line and column are 1-based. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic extends SourceRef {
  severity: Severity;
  message: string;
  /** The offending input line (cleaned of colour escapes), for showing under the message. */
  excerpt: string;
}

export function diagnostic(
  at: SourceRef,
  severity: Severity,
  message: string,
  excerpt: string,
): Diagnostic {
  return { file: at.file, line: at.line, column: at.column, severity, message, excerpt };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Orders diagnostics by file, then position, so output is stable whatever order layers found them in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}
