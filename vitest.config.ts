import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Benchmark names come from function names: keep them as written.
  esbuild: { keepNames: true },
  resolve: {
    // Benchmark files under test import "nnbench"; point them at the same module instance as the tests.
    alias: { nnbench: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // fast-check properties draw from a fixed seed (random, time-boxed fuzzing is .ci/fuzz's job).
    setupFiles: ["test/helpers/fast-check-seed.ts"],
    // In CI, also write a machine-readable summary for .ci/run to report.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".tmp/vitest-results.json" },
    pool: "forks",
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
