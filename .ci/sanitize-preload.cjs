// Preloaded (NODE_OPTIONS=--require) into every node process of a sanitizer run.
"use strict";
const { isMainThread } = require("node:worker_threads");

if (isMainThread) {
  // Keep the addon loaded for the life of the process: test files run in worker threads, and an
  // addon unloaded when its last thread ends leaves LeakSanitizer with unnamed frames.
  try {
    if (process.env.NNBENCH_ADDON_PATH) require(process.env.NNBENCH_ADDON_PATH);
  } catch {
    // A process pointed at a missing addon on purpose reports that itself.
  }
  // Runners end worker processes with SIGTERM; a normal exit lets LeakSanitizer check them too.
  process.on("SIGTERM", () => process.exit(0));
}
