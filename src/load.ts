/**
 * Importing benchmark and fixture files, TypeScript included, into this process so that they share
 * this process's single nnbench (memo cache, memory accounting).
 */

import { pathToFileURL } from "node:url";

const TSX_KEY = Symbol.for("nnbench.tsxRegistered");

/** Whether the process already runs under a loader that imports TypeScript (vitest, tsx, ts-node). */
function typescriptLoaderActive(): boolean {
  const g = globalThis as { [TSX_KEY]?: boolean };
  if (g[TSX_KEY] === true) return true;
  if (process.env.VITEST !== undefined) return true;
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
  return /\btsx\b|ts-node|@swc-node|@esbuild-kit/.test(flags);
}

/**
 * Registers tsx's ESM loader once for the whole process. Global registration (not a namespaced
 * `tsImport`) is what makes a loaded file's `import "nnbench"` resolve to the running copy.
 */
async function registerTypeScript(): Promise<void> {
  const g = globalThis as { [TSX_KEY]?: boolean };
  if (g[TSX_KEY] === true) return;
  const api = (await import("tsx/esm/api")) as { register: () => unknown };
  api.register();
  g[TSX_KEY] = true;
}

function isTypeScript(path: string): boolean {
  return /\.(?:m|c)?tsx?$/.test(path);
}

/** Imports a `.ts`, `.mts`, `.js` or `.mjs` file by absolute path and returns its module namespace. */
export async function importFile(path: string): Promise<Record<string, unknown>> {
  if (isTypeScript(path) && !typescriptLoaderActive()) await registerTypeScript();
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && isTypeScript(path) && (globalThis as { [TSX_KEY]?: boolean })[TSX_KEY] !== true) {
      await registerTypeScript();
      return (await import(url)) as Record<string, unknown>;
    }
    throw e;
  }
}
