/**
 * Code identity of a distributed run: a content hash of the benchmark files, so that a worker never
 * runs a job against files that differ from the submitter's.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The files a job's code consists of, and their hash. */
export interface CodeIdentity {
  /** Paths relative to the submitter's working directory, sorted, with `/` separators. */
  files: string[];
  /** SHA-256 over each file's path and contents, hex. */
  hash: string;
  /** The submitter's nnbench version. */
  version: string;
}

/** Hashes `files` (relative to `base`): each path and its contents, in order; a missing file hashes as missing. */
export function hashFiles(files: readonly string[], base: string): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(`${f}\0`);
    try {
      const bytes = readFileSync(path.resolve(base, f));
      h.update(`${bytes.length}\0`);
      h.update(bytes);
    } catch {
      h.update("missing\0");
    }
  }
  return h.digest("hex");
}

/** The identity of the files at the absolute paths `files`, relative to `base`. */
export function codeIdentity(files: Iterable<string>, base: string, version: string): CodeIdentity {
  const rel = [...new Set([...files].map((f) => path.relative(base, f).split(path.sep).join("/")))].sort();
  return { files: rel, hash: hashFiles(rel, base), version };
}

/** A short form of a hash for messages. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
