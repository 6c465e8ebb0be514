/**
 * One implementation of each file format, two ways to run it. Readers and writers are generators
 * that yield I/O requests; `runSync` serves them with blocking calls and `runAsync` with the libuv
 * pool, so `loadNpy` and `loadNpySync` share every line of format logic.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";

import { replaceFile, replaceFileSync } from "../../fs/atomic-file.js";
import { addon, type CheckedRead, type NativeStorage } from "../addon.js";

/** A request a format generator makes of its file. */
export type IoRequest =
  | { readonly op: "read"; readonly position: number; readonly length: number }
  | { readonly op: "readInto"; readonly position: number; readonly storage: NativeStorage; readonly offset: number; readonly length: number }
  | { readonly op: "readIntoChecked"; readonly position: number; readonly storage: NativeStorage; readonly offset: number; readonly length: number; readonly crc: number }
  | { readonly op: "map"; readonly position: number; readonly length: number }
  | { readonly op: "write"; readonly position: number; readonly bytes: Uint8Array }
  | { readonly op: "writeFrom"; readonly position: number; readonly storage: NativeStorage; readonly offset: number; readonly length: number };

/** What a request returns: bytes read, a count of bytes moved (with their CRC-32), or mapped storage. */
export type IoReply = Uint8Array | number | CheckedRead | NativeStorage | undefined;

/** A format reader or writer. */
export type IoSteps<T> = Generator<IoRequest, T, IoReply>;

/** Reads up to `length` bytes at `position` (fewer at end of file). */
export function* readBytes(position: number, length: number): IoSteps<Uint8Array> {
  return (yield { op: "read", position, length }) as Uint8Array;
}

/** Reads up to `length` bytes at `position` straight into native storage; returns the count read. */
export function* readInto(position: number, storage: NativeStorage, offset: number, length: number): IoSteps<number> {
  return (yield { op: "readInto", position, storage, offset, length }) as number;
}

/**
 * `readInto` that also returns `crc` (a CRC-32, 0 to start one) continued over the bytes read,
 * computed by the threads that read them while the bytes are in their cache.
 */
export function* readIntoChecked(position: number, storage: NativeStorage, offset: number, length: number, crc = 0): IoSteps<CheckedRead> {
  return (yield { op: "readIntoChecked", position, storage, offset, length, crc }) as CheckedRead;
}

/** Maps `length` bytes of the file from `position` into new storage, copy-on-write (O(1): pages load on first touch). */
export function* mapRange(position: number, length: number): IoSteps<NativeStorage> {
  return (yield { op: "map", position, length }) as NativeStorage;
}

/** Writes `bytes` at `position`. */
export function* writeBytes(position: number, bytes: Uint8Array): IoSteps<void> {
  yield { op: "write", position, bytes };
}

/** Writes native storage bytes at `position` without copying them through JavaScript. */
export function* writeFrom(position: number, storage: NativeStorage, offset: number, length: number): IoSteps<void> {
  yield { op: "writeFrom", position, storage, offset, length };
}

/** Reads `path` with the steps `make(size)` describes, with blocking I/O. */
export function readFileSync<T>(path: string, make: (size: number) => IoSteps<T>): T {
  const fd = openSync(path, "r");
  try {
    return serveSync(fd, make(fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}

/** Reads `path` with the steps `make(size)` describes, off the JavaScript thread. */
export async function readFileAsync<T>(path: string, make: (size: number) => IoSteps<T>): Promise<T> {
  const handle = await open(path, "r");
  try {
    return await serveAsync(handle.fd, make((await handle.stat()).size));
  } finally {
    await handle.close();
  }
}

/**
 * Writes `path` atomically: the steps write a temporary file beside it, which replaces `path` only
 * once complete and flushed. A failure leaves any earlier file untouched.
 */
export function writeFileSync(path: string, steps: IoSteps<void>): void {
  replaceFileSync(path, (fd) => serveSync(fd, steps));
}

/** `writeFileSync` off the JavaScript thread. */
export function writeFileAsync(path: string, steps: IoSteps<void>): Promise<void> {
  return replaceFile(path, (fd) => serveAsync(fd, steps));
}

/**
 * Runs `steps`, answering each request with `serve`. A request that fails is thrown into the steps
 * at the `yield` that made it, so their own cleanup (disposing a tensor they made) runs.
 */
function serveSync<T>(fd: number, steps: IoSteps<T>): T {
  let next = steps.next();
  while (!next.done) {
    let reply: IoReply;
    try {
      reply = serveOneSync(fd, next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(reply);
  }
  return next.value;
}

async function serveAsync<T>(fd: number, steps: IoSteps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let reply: IoReply;
    try {
      reply = await serveOneAsync(fd, next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(reply);
  }
  return next.value;
}

function serveOneSync(fd: number, request: IoRequest): IoReply {
  switch (request.op) {
    case "read": {
      const buffer = new Uint8Array(request.length);
      let got = 0;
      while (got < request.length) {
        const n = readSync(fd, buffer, got, request.length - got, request.position + got);
        if (n === 0) break;
        got += n;
      }
      return got === request.length ? buffer : buffer.subarray(0, got);
    }
    case "readInto":
      return addon.readInto(fd, request.position, request.storage, request.offset, request.length);
    case "readIntoChecked":
      return addon.readIntoChecked(fd, request.position, request.storage, request.offset, request.length, request.crc);
    case "map":
      return new addon.Storage(request.length, false, fd, request.position);
    case "write": {
      let put = 0;
      while (put < request.bytes.length) {
        put += writeSync(fd, request.bytes, put, request.bytes.length - put, request.position + put);
      }
      return put;
    }
    case "writeFrom":
      addon.writeFrom(fd, request.position, request.storage, request.offset, request.length);
      return request.length;
  }
}

async function serveOneAsync(fd: number, request: IoRequest): Promise<IoReply> {
  switch (request.op) {
    case "readInto":
      return addon.readIntoAsync(fd, request.position, request.storage, request.offset, request.length);
    case "readIntoChecked":
      return addon.readIntoCheckedAsync(fd, request.position, request.storage, request.offset, request.length, request.crc);
    case "writeFrom":
      await addon.writeFromAsync(fd, request.position, request.storage, request.offset, request.length);
      return request.length;
    default:
      // Small reads and writes (headers, directories) and mappings: a blocking call costs less than a trip to the pool.
      return serveOneSync(fd, request);
  }
}
