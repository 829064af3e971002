/**
 * ip-num, loaded with `require` on first use. It is a CommonJS package that re-exports some thirty
 * files and builds address constants as it loads (~25 ms); an ESM `import` would also make Node scan
 * each file for export names first. Canonical IPv4 text never needs it (address.ts reads that itself).
 */
import { createRequire } from "node:module";

let loaded: typeof import("ip-num") | null = null;

export function ipNum(): typeof import("ip-num") {
  return (loaded ??= createRequire(import.meta.url)("ip-num") as typeof import("ip-num"));
}
