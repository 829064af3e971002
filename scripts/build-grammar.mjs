// Generates src/generated/<name>.js (+ .d.ts) from grammar/<name>.peggy. The generated parsers are
// build output: git ignores them and every build makes them anew.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "generated");
mkdirSync(out, { recursive: true });
const peggy = join(root, "node_modules", "peggy", "bin", "peggy.js");

for (const file of readdirSync(join(root, "grammar")).filter((f) => f.endsWith(".peggy"))) {
  const name = file.replace(/\.peggy$/, "");
  const src = join(root, "grammar", file);
  const target = join(out, `${name}.js`);
  if (existsSync(target) && statSync(target).mtimeMs > statSync(src).mtimeMs) continue;
  execFileSync(process.execPath, [peggy, "--format", "es", "--dts", "--allowed-start-rules", "*", "-o", target, src], {
    stdio: "inherit",
  });
}
