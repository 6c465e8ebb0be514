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
 * Registers tsx's loaders once for the whole process. Global registration (not a namespaced
 * `tsImport`) is what makes a loaded file's `import "nnbench"` resolve to the running copy. The
 * CommonJS hook serves `.ts` files in packages that are not `"type": "module"`, which Node loads as
 * CommonJS.
 */
async function registerTypeScript(): Promise<void> {
  const g = globalThis as { [TSX_KEY]?: boolean };
  if (g[TSX_KEY] === true) return;
  const esm = (await import("tsx/esm/api")) as { register: () => unknown };
  esm.register();
  const cjs = (await import("tsx/cjs/api")) as { register: () => unknown };
  cjs.register();
  g[TSX_KEY] = true;
}

/**
 * The exports of an imported file. A TypeScript file loaded as CommonJS arrives as a namespace whose
 * `default` is its `module.exports` (marked `__esModule` by the compiler): its exports are in there.
 */
function exportsOf(namespace: Record<string, unknown>): Record<string, unknown> {
  const commonjs = namespace.default;
  if (typeof commonjs === "object" && commonjs !== null && (commonjs as { __esModule?: unknown }).__esModule === true) {
    const { default: _, ...named } = namespace;
    return { ...(commonjs as Record<string, unknown>), ...named };
  }
  return namespace;
}

function isTypeScript(path: string): boolean {
  return /\.(?:m|c)?tsx?$/.test(path);
}

/** Imports a `.ts`, `.mts`, `.js` or `.mjs` file by absolute path and returns its module namespace. */
export async function importFile(path: string): Promise<Record<string, unknown>> {
  if (isTypeScript(path) && !typescriptLoaderActive()) await registerTypeScript();
  const url = pathToFileURL(path).href;
  try {
    return exportsOf((await import(url)) as Record<string, unknown>);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && isTypeScript(path) && (globalThis as { [TSX_KEY]?: boolean })[TSX_KEY] !== true) {
      await registerTypeScript();
      return exportsOf((await import(url)) as Record<string, unknown>);
    }
    throw e;
  }
}
