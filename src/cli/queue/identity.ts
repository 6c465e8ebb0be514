/**
 * Code identity of a distributed run: a content hash of the benchmark files, so that a worker never
 * runs a job against files that differ from the submitter's.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
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

/**
 * {@link hashFiles} that hashes again only when a file's size or modification time has changed: a
 * worker checks every job's files, and most jobs share them.
 */
export class FileHashCache {
  readonly #known = new Map<string, { stamp: string; hash: string }>();

  hash(files: readonly string[], base: string): string {
    const key = `${base}\0${files.join("\0")}`;
    const stamp = files
      .map((f) => {
        try {
          const st = statSync(path.resolve(base, f));
          return `${st.size}:${st.mtimeMs}:${st.ino}`;
        } catch {
          return "missing";
        }
      })
      .join("\0");
    const known = this.#known.get(key);
    if (known?.stamp === stamp) return known.hash;
    const hash = hashFiles(files, base);
    this.#known.set(key, { stamp, hash });
    return hash;
  }
}
