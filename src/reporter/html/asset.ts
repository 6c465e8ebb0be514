/**
 * The report page's script: the chart library and the page logic bundled into one file. The package
 * build writes it next to this module (`client.bundle.js`); running from the sources, it is bundled
 * from `client/main.ts` on first use with esbuild (a development dependency).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ReportAssetError } from "../../errors.js";

/** The bundle's file name, next to this module in the built package. */
export const CLIENT_BUNDLE = "client.bundle.js";

let cached: Promise<string> | undefined;

/** Bundles the page script at `entry` (a TypeScript file) into one minified browser script. */
export async function bundleClient(entry: string): Promise<string> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch (err) {
    throw new ReportAssetError(`cannot bundle the report script: esbuild is not installed (npm install --include=dev)`, { cause: err });
  }
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "eof",
    charset: "utf8",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

async function load(): Promise<string> {
  const built = new URL(`./${CLIENT_BUNDLE}`, import.meta.url);
  try {
    return await readFile(built, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const entry = fileURLToPath(new URL("./client/main.ts", import.meta.url));
  if (!existsSync(entry)) {
    throw new ReportAssetError(`the report script ${fileURLToPath(built)} is missing; reinstall nnbench or run npm run build:ts`);
  }
  return bundleClient(entry);
}

/** The page script's source, read (or bundled) once per process. */
export function clientScript(): Promise<string> {
  cached ??= load();
  cached.catch(() => (cached = undefined));
  return cached;
}
