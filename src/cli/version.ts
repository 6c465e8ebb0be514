/** The version of the running nnbench, from its package.json. */
import { readFileSync } from "node:fs";

/** This nnbench's version ("0.0.0" when its package.json cannot be read). */
export function nnbenchVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
