/**
 * Worker scripts that import nnbench's TypeScript sources (through tsx's ESM registration API), for
 * the worker_threads tests.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const TSX_API = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "esm", "api", "index.mjs")).href;
const NNBENCH = new URL("../../src/index.ts", import.meta.url).href;

/** Statements (for an async context) that register tsx and import nnbench as `nn`. */
export const IMPORT_NNBENCH = `
  const { register } = await import(${JSON.stringify(TSX_API)});
  register();
  const nn = await import(${JSON.stringify(NNBENCH)});
`;

/**
 * The source of a worker script (for `new Worker(source, { eval: true })`) that imports nnbench as
 * `nn` and runs `body` in an async function with `post` (to the parent) and `workerData` in scope.
 * An error is posted as `{ failed: stack }`.
 */
export function workerSource(body: string): string {
  return `
    const { parentPort, workerData } = require("node:worker_threads");
    const post = (message) => parentPort.postMessage(message);
    (async () => {
      ${IMPORT_NNBENCH}
      ${body}
    })().catch((error) => post({ failed: String(error && error.stack || error) }));
  `;
}
