import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Core layers stay pure: no UI, CLI, filesystem or processes; each imports only from layers to its left
// (conventions: parse → model → eval → explain → cli/tui).
const IO = ["ink", "react", "commander", "node:fs", "fs", "node:child_process", "child_process"].map((name) => ({
  name,
  message: "core layers (parse, model, eval, explain) must not do I/O or UI",
}));
const later = (...layers) => layers.map((l) => `**/${l}/**`);
const layer = (files, forbidden) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", {
      paths: IO,
      patterns: [{ group: later(...forbidden), message: "a layer may only import from layers to its left" }],
    }],
  },
});

export default tseslint.config(
  { ignores: ["dist/**", "src/generated/**", "node_modules/**", "fixtures/**", "bench/out/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-control-regex": "off",
    },
  },
  {
    files: ["scripts/**", "bench/**", "test/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly" } },
  },
  layer(["src/parse/**", "src/diagnostics.ts"], ["eval", "explain", "cli", "tui"]),
  layer(["src/model/**"], ["eval", "explain", "cli", "tui"]),
  layer(["src/eval/**"], ["explain", "cli", "tui"]),
  layer(["src/cni/**"], ["explain", "cli", "tui"]),
  layer(["src/explain/**"], ["cli", "tui"]),
  layer(["src/check/**"], ["cli", "tui"]),
);
