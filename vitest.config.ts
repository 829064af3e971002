import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      // Property and fuzz tests run thousands of cases; a loaded 2-core CI machine needs headroom.
      { test: { name: "unit", include: ["test/**/*.test.{ts,tsx}"], exclude: ["test/kernel/**"], testTimeout: 60_000 } },
      {
        test: {
          name: "kernel",
          include: ["test/kernel/**/*.test.ts"],
          // One namespace-building run at a time: the harness is heavy and must clean up in order.
          fileParallelism: false,
          testTimeout: 1_200_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
