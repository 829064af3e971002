// tsc does not copy the generated .js parsers; the build puts them beside the compiled modules.
import { cpSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
cpSync(join(root, "src", "generated"), join(root, "dist", "generated"), { recursive: true });
