import type { SourceRef } from "../diagnostics.js";

/** Where a model element came from: its source position and the exact line, so explanations can quote it. */
export interface Origin extends SourceRef {
  raw: string;
}
