import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/**/*.test.{ts,tsx}"], exclude: ["test/kernel/**"] } },
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
