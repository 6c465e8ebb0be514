/**
 * Byte sizes people write, such as `"512MiB"`. bytes-iec loads on the first size given as text, so
 * importing nnbench does not pay for it; this lives apart from `units.ts`, which the HTML report's
 * page script bundles for the browser.
 */
import { createRequire } from "node:module";

let bytesIecModule: typeof import("bytes-iec") | undefined;
function bytesIec(): typeof import("bytes-iec") {
  return (bytesIecModule ??= createRequire(import.meta.url)("bytes-iec") as typeof import("bytes-iec"));
}

/**
 * A byte size from a number of bytes or a string such as `"512MiB"`, `"2 GiB"` or `"500MB"` (IEC units are
 * powers of 1024, SI units powers of 1000). Throws a RangeError naming `what` for anything else.
 */
export function parseByteSize(value: number | string, what: string): number {
  const n = typeof value === "string" ? bytesIec().parse(value.trim()) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || (typeof value === "number" && !Number.isInteger(n)))
    throw new RangeError(`${what} must be a positive number of bytes or a size such as "512MiB", got ${JSON.stringify(value)}`);
  return Math.round(n);
}
