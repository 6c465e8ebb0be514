/**
 * The NumPy fixtures in test/fixtures and their manifest (written by NumPy; see test/fixtures/README.md).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The fixtures folder, inside the repository. */
export const FIXTURES = resolve(fileURLToPath(new URL("../fixtures", import.meta.url)));

export interface ArrayEntry {
  name?: string;
  dtype: string;
  shape: number[];
  size: number;
  nbytes: number;
  fortran_order: boolean;
  format_version: string;
  sum: number | [number, number];
  abs_sum: number | [number, number];
  first4: (number | string | [number, number])[];
  last4: (number | string | [number, number])[];
  first4_str?: string[];
  last4_str?: string[];
  sha256: string;
  may_refuse?: boolean;
}

export interface FileEntry extends Partial<ArrayEntry> {
  file: string;
  kind: "npy" | "npz" | "bad" | "matmul";
  file_bytes: number;
  members?: ArrayEntry[];
  target?: "npy" | "npz";
  expected?: "error" | "error_or_load";
  reason?: string;
  rtol?: number;
  atol?: number;
  m?: number;
  k?: number;
  n?: number;
}

export const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as { files: FileEntry[] };

/** Manifest entries of one kind. */
export function entries(kind: FileEntry["kind"]): FileEntry[] {
  return manifest.files.filter((f) => f.kind === kind);
}

/** Absolute path of a fixture file. */
export function fixture(file: string): string {
  return join(FIXTURES, file);
}

/** sha256 of bytes, hex. */
export function sha256(bytes: ArrayBufferView): string {
  return createHash("sha256").update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest("hex");
}

/** Compares a float64 sum the way the manifest asks: relative to the sum of absolute values. */
export function sumClose(got: number, entry: Pick<ArrayEntry, "sum" | "abs_sum">): boolean {
  const want = entry.sum as number;
  const scale = Math.max(1, entry.abs_sum as number);
  return Math.abs(got - want) <= 1e-9 * scale;
}
