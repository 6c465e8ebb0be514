/**
 * Crash-safe file replacement: bytes go to a temporary file in the target's directory, are flushed
 * to disk, and only then renamed over the target. A process that dies at any point leaves either
 * the old file or the complete new one in place, never a truncated mix.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

/** Bytes to write: one buffer, or chunks produced one after another. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The temporary name used while `target` is being written. Starts with a dot and ends in `.tmp`. */
export function temporaryPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source;
}

/**
 * Writes `source` to `target` atomically. If producing or writing the bytes fails, the temporary file
 * is removed, the previous content of `target` (if any) is left untouched, and the error is rethrown.
 */
export async function writeFileAtomic(target: string, source: ByteSource): Promise<void> {
  const tmp = temporaryPathFor(target);
  const handle = await fs.open(tmp, "wx", 0o644);
  let closed = false;
  try {
    for await (const chunk of chunksOf(source)) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    closed = true;
    await fs.rename(tmp, target);
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  // Make the rename itself durable. Some file systems do not allow opening a directory; the data
  // is already safe in that case, only the directory entry may be lost on power failure.
  try {
    const dir = await fs.open(path.dirname(target), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* directory fsync is best effort */
  }
}
