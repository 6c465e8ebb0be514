/**
 * Results in files: the format follows the file extension (`.json`, `.ndjson`, `.csv`, `.yaml`,
 * `.parquet`), and a further `.gz` compresses it with gzip. Writes replace the file atomically.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { BenchmarkResult } from "../types.js";
import { writeFileAtomic } from "../fs/atomic-file.js";
import { ResultFormatError, UnsupportedTargetError } from "../errors.js";
import { FILE_FORMATS, fileFormat, type FileFormat, type FileFormatName } from "./file-formats.js";
import type { Reporter } from "./reporter.js";

/** gzip and gunzip, loaded with node:zlib on the first `.gz` file. */
async function gzipCodec(): Promise<{ gzip: (b: Uint8Array, o: import("node:zlib").ZlibOptions) => Promise<Buffer>; gunzip: (b: Uint8Array) => Promise<Buffer> }> {
  const zlib = await import("node:zlib");
  return { gzip: promisify(zlib.gzip), gunzip: promisify(zlib.gunzip) };
}

/** The file extensions results may be written to, `.gz` variants included. */
export const FILE_EXTENSIONS: readonly string[] = FILE_FORMATS.flatMap((f) =>
  f.extensions.flatMap((e) => [`.${e}`, `.${e}.gz`]),
);

/** The format and compression a file path names, or undefined when its extension is not known. */
export function fileFormatOf(path: string): { format: FileFormat; gzip: boolean } | undefined {
  const lower = path.toLowerCase();
  const gz = lower.endsWith(".gz");
  const stem = gz ? lower.slice(0, -3) : lower;
  for (const format of FILE_FORMATS) {
    if (format.extensions.some((e) => stem.endsWith(`.${e}`))) return { format, gzip: gz };
  }
  return undefined;
}

/** Writes and reads results as files. */
export class FileReporter implements Reporter {
  readonly #format: FileFormatName | undefined;
  readonly #gzip: boolean | undefined;

  /**
   * @param format The format to use; by default it follows each target's extension.
   * @param options.gzip Compress (and expect compressed files); by default true for `.gz` targets.
   */
  constructor(format?: FileFormatName, options: { gzip?: boolean } = {}) {
    this.#format = format;
    this.#gzip = options.gzip;
  }

  #resolve(target: string): { format: FileFormat; gzip: boolean } {
    const byName = fileFormatOf(target);
    if (this.#format) {
      return { format: fileFormat(this.#format), gzip: this.#gzip ?? byName?.gzip ?? target.toLowerCase().endsWith(".gz") };
    }
    if (!byName) throw new UnsupportedTargetError(target, FILE_EXTENSIONS, "unknown file extension");
    return { format: byName.format, gzip: this.#gzip ?? byName.gzip };
  }

  /** Writes `result` to the file `target`, replacing it atomically. Parent directories are created. */
  async write(result: BenchmarkResult, target: string): Promise<void> {
    const { format, gzip: compress } = this.#resolve(target);
    let bytes = await format.encode(result);
    if (compress) bytes = await (await gzipCodec()).gzip(bytes, { level: 6 });
    await fs.mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, bytes);
  }

  /** Reads every run stored in the file `target`. */
  async read(target: string): Promise<BenchmarkResult[]> {
    const { format, gzip: compressed } = this.#resolve(target);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new ResultFormatError(target, "no such file", { cause: err });
      if (code === "EISDIR") throw new ResultFormatError(target, "is a directory, not a results file", { cause: err });
      throw err;
    }
    if (compressed) {
      try {
        bytes = await (await gzipCodec()).gunzip(bytes);
      } catch (err) {
        throw new ResultFormatError(target, `not a valid gzip file (${(err as Error).message})`, { cause: err });
      }
    }
    return format.decode(bytes, target);
  }
}
