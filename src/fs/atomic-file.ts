/**
 * Crash-safe file replacement: bytes go to a temporary file in the target's directory, are flushed
 * to disk, and only then renamed over the target. A process that dies at any point leaves either
 * the old file or the complete new one in place, never a truncated mix.
 */
import { closeSync, fsyncSync, openSync, promises as fs, renameSync, rmSync, write } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const writeAsync = promisify(write);

/** Bytes to write: one buffer, or chunks produced one after another. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The temporary name used while `target` is being written. Starts with a dot and ends in `.tmp`. */
export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, "0")}.tmp`);
}

/**
 * Replaces `target` with what `fill` writes to the open file descriptor it is given. If `fill` or
 * the write fails, the temporary file is removed, `target` is left as it was, and the error is rethrown.
 */
export async function replaceFile(target: string, fill: (fd: number) => Promise<void>): Promise<void> {
  const tmp = temporaryPathFor(target);
  const handle = await fs.open(tmp, "wx", 0o644);
  let closed = false;
  try {
    await fill(handle.fd);
    await handle.sync();
    await handle.close();
    closed = true;
    await fs.rename(tmp, target);
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(path.dirname(target));
}

/** `replaceFile`, blocking. */
export function replaceFileSync(target: string, fill: (fd: number) => void): void {
  const tmp = temporaryPathFor(target);
  const fd = openSync(tmp, "wx", 0o644);
  let closed = false;
  try {
    fill(fd);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(tmp, target);
  } catch (err) {
    if (!closed) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

// Makes the rename itself durable. Some file systems do not allow opening a directory; the data is
// already safe then, only the directory entry may be lost on power failure.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* directory fsync is best effort */
  }
}

async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source;
}

/** Writes `source` to `target` atomically (see `replaceFile`). */
export function writeFileAtomic(target: string, source: ByteSource): Promise<void> {
  return replaceFile(target, async (fd) => {
    for await (const chunk of chunksOf(source)) {
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await writeAsync(fd, chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    }
  });
}
