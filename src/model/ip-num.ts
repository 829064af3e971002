/**
 * ip-num, loaded with `require`. It is a CommonJS package that re-exports some thirty files; an ESM
 * `import` of it makes Node scan each of them for export names first, about 40 ms of every start.
 */
import { createRequire } from "node:module";

const ipNum = createRequire(import.meta.url)("ip-num") as typeof import("ip-num");

export const { IPv4, IPv6, Validator } = ipNum;
