/**
 * Finds and loads the compiled addon, and declares the whole native surface as one type.
 * This is the only module that touches the `.node` file. The addon is loaded on first use, not on
 * import, so `import "nnbench"` (and commands that read results without tensors) costs no native
 * library.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { AddonLoadError } from "../errors.js";
import type { GemmBinding } from "./gemm-binding.js";

/** Native bytes of one tensor. Owned by exactly one `Tensor`. */
export interface NativeStorage {
  readonly byteLength: number;
  readonly disposed: boolean;
  /** The one external ArrayBuffer over the bytes; empty once disposed. */
  arrayBuffer(): ArrayBuffer;
  /** Detaches every view and frees the bytes (deferred while an async operation uses them). */
  dispose(): void;
}

/** Native memory held by tensors, process-wide. */
export interface NativeMemoryStats {
  /** Bytes tensors hold now (elements x item size). */
  bytes: number;
  /** The most bytes held at once since the last `resetNativePeak()`. */
  peakBytes: number;
  /** Tensors alive now. */
  tensors: number;
}

/** Storage, accounting and byte-moving functions of the addon. */
export interface CoreBinding {
  /** Allocates `byteLength` bytes, or with `fd` maps that many bytes of the file from `position` (copy-on-write). */
  Storage: new (byteLength: number, zero: boolean, fd?: number, position?: number) => NativeStorage;
  nativeMemory(): NativeMemoryStats;
  resetNativePeak(): void;
  readInto(fd: number, position: number, storage: NativeStorage, offset: number, length: number): number;
  readIntoAsync(fd: number, position: number, storage: NativeStorage, offset: number, length: number): Promise<number>;
  /**
   * `readInto` that also continues the CRC-32 `crc` (default 0) over the bytes read, on the threads
   * that read them.
   */
  readIntoChecked(fd: number, position: number, storage: NativeStorage, offset: number, length: number, crc?: number): CheckedRead;
  readIntoCheckedAsync(fd: number, position: number, storage: NativeStorage, offset: number, length: number, crc?: number): Promise<CheckedRead>;
  writeFrom(fd: number, position: number, storage: NativeStorage, offset: number, length: number): void;
  writeFromAsync(fd: number, position: number, storage: NativeStorage, offset: number, length: number): Promise<void>;
  byteSwap(storage: NativeStorage, itemSize: number): void;
  fortranToC(src: NativeStorage, dst: NativeStorage, shape: readonly number[], itemSize: number): void;
  sum(storage: NativeStorage, dtypeCode: number): number;
  copyBytes(src: NativeStorage, dst: NativeStorage): void;
  /** zlib's `crc32(value, data)` (the ZIP polynomial), hardware-accelerated where the CPU allows. */
  crc32(data: Uint8Array, value?: number, implementation?: Crc32Implementation): number;
  /** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
  crc32Combine(crcA: number, crcB: number, lengthB: number): number;
  /** The CRC-32 implementations this machine runs; `crc32` uses the first. */
  crc32Implementations(): Crc32Implementation[];
  /** Converts `count` elements between floating-point dtypes (by code), from element srcStart into element dstStart. */
  convert(src: NativeStorage, srcDtype: number, srcStart: number, dst: NativeStorage, dstDtype: number, dstStart: number, count: number): void;
  /** The instructions float32 <-> the 16-bit dtype (by code) conversions run now. */
  convertPath(dtypeCode: number): string;
}

/** The highest readings of a native memory sampler since its last reset, in bytes. */
export interface NativeSamplerPeaks {
  rssBytes: number;
  nativeBytes: number;
  externalBytes: number;
  heapBytes: number;
}

/** Samples moved out of a native memory sampler, oldest first (one entry per sample in every array). */
export interface NativeSamples {
  tMs: Float64Array;
  rss: Float64Array;
  native: Float64Array;
  external: Float64Array;
  phase: Int32Array;
}

/** A sampler thread reading RSS and native bytes at an interval (see native/core/sampler.h). */
export interface NativeSampler {
  readonly running: boolean;
  /** Starts the thread; false when the system refuses one. */
  start(intervalUs: number, capacity: number, keepSamples: boolean): boolean;
  stop(): void;
  /** Empty buffer, peaks from now, clock from 0; publishes the V8 figures when given. */
  reset(externalBytes?: number, heapBytes?: number): void;
  /** Enters `phase`, publishes the V8 figures when given, samples now; returns ms since reset. */
  mark(phase: number, externalBytes?: number, heapBytes?: number): number;
  peaks(): NativeSamplerPeaks;
  takeSamples(): NativeSamples;
  /** Kills the process (SIGKILL, after writing `message` to stderr) once RSS exceeds `bytes`; 0 turns it off. */
  killAbove(bytes: number, message: string): void;
}

/** The memory sampler and a direct RSS reading. */
export interface SamplerBinding {
  MemorySampler: new () => NativeSampler;
  /** Resident set size in bytes now, or -1 where the system does not tell. */
  residentBytes(): number;
}

/** Bytes read and their CRC-32. */
export interface CheckedRead {
  bytes: number;
  crc32: number;
}

export type Crc32Implementation = "vpclmulqdq" | "pclmulqdq" | "table";

/**
 * @internal Test hooks compiled into the addon, inert unless armed; not part of nnbench's API.
 */
export interface InternalBinding {
  /**
   * Makes the `count` native allocations ("alloc") or worker thread creations ("thread") after the
   * next `skip` fail as the system would fail them; `count` 0 disarms.
   */
  _injectFault(kind: "alloc" | "thread", count: number, skip?: number): void;
}

export type Addon = CoreBinding & GemmBinding & SamplerBinding & InternalBinding;

/** Environment variable naming an addon file to load instead of the built one (e.g. a sanitizer build). */
export const ADDON_PATH_ENV = "NNBENCH_ADDON_PATH";

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The C library a Linux prebuild must match, as node-gyp-build decides it at install time. */
function linuxLibc(): string {
  return process.env.LIBC ?? (existsSync("/etc/alpine-release") ? "musl" : "glibc");
}

/** The places the addon may be, in the order they are tried: a local build, then the prebuild. */
export function addonCandidates(root = packageRoot): string[] {
  const override = process.env[ADDON_PATH_ENV];
  const prebuilds = join(root, "prebuilds", `${process.platform}-${process.arch}`);
  const found = [
    join(root, "build", "Release", "nnbench.node"),
    join(root, "build", "Debug", "nnbench.node"),
    ...(process.platform === "linux" ? [join(prebuilds, `nnbench.${linuxLibc()}.node`)] : []),
    join(prebuilds, "nnbench.node"),
  ];
  return override ? [resolve(override)] : found;
}

function loadAddon(): Addon {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!existsSync(candidate)) {
      tried.push(`${candidate} (missing)`);
      continue;
    }
    try {
      return require(candidate) as Addon;
    } catch (error) {
      tried.push(`${candidate} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  throw new AddonLoadError(
    [
      "nnbench could not load its native addon. Tried:",
      ...tried.map((t) => `  - ${t}`),
      `Build it with \`npm run build:native\` (needs python3, make and a C++17 compiler) in ${packageRoot},`,
      `or point ${ADDON_PATH_ENV} at a built nnbench.node.`,
    ].join("\n"),
  );
}

let loaded: Addon | undefined;

/** The addon, loaded now if it was not yet; throws `AddonLoadError` when it cannot be. */
function loadedAddon(): Addon {
  if (loaded === undefined) {
    const native = loadAddon();
    // Products may use every core this process may run on (the addon alone would count every core of the machine).
    native.setGemmThreads(Math.max(1, Math.min(1024, availableParallelism())));
    loaded = native;
  }
  return loaded;
}

/**
 * The addon. It is loaded when one of its members is first read, so a missing or broken addon
 * raises `AddonLoadError` at the first native call, not at import.
 */
export const addon: Addon = new Proxy({} as Addon, {
  get: (_target, key) => Reflect.get(loadedAddon(), key),
});
