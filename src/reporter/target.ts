/** Choosing a reporter by the form of a target: a file extension, a `sqlite://` or a `postgres://` URI. */
import type { BenchmarkResult } from "../types.js";
import { UnsupportedTargetError } from "../errors.js";
import { FILE_EXTENSIONS, FileReporter, fileFormatOf } from "./file.js";
import { HTML_EXTENSIONS, HtmlReporter, isHtmlTarget } from "./html/report.js";
import type { Reporter } from "./reporter.js";
import { isPostgresTarget, PostgresReporter, redactPostgresTarget } from "./postgres.js";
import { SQLITE_SCHEME, SQLiteReporter } from "./sqlite.js";

/** Every form a target may take, as listed in error messages. */
export const SUPPORTED_TARGETS: readonly string[] = [
  ...FILE_EXTENSIONS.map((e) => `*${e}`),
  "sqlite://path/to/results.db",
  "postgres://user:password@host:port/database",
  ...HTML_EXTENSIONS.map((e) => `*${e} (report)`),
];

/**
 * The reporter for `target`: `sqlite://…` selects SQLite, `postgres://…` or `postgresql://…`
 * PostgreSQL, a file path selects the file format of its extension (`.json`, `.ndjson`, `.csv`,
 * `.yaml`, `.parquet`, each optionally `.gz`), and `.html` an HTML report (written only).
 * Throws {@link UnsupportedTargetError} listing the supported forms for anything else.
 */
export function getReporter(target: string): Reporter {
  if (target.startsWith(SQLITE_SCHEME)) return new SQLiteReporter();
  if (isPostgresTarget(target)) return new PostgresReporter();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target);
  if (scheme) throw new UnsupportedTargetError(displayTarget(target), SUPPORTED_TARGETS, `unknown scheme "${scheme[1]}://"`);
  if (fileFormatOf(target)) return new FileReporter();
  if (isHtmlTarget(target)) return new HtmlReporter();
  throw new UnsupportedTargetError(target, SUPPORTED_TARGETS, "unknown file extension");
}

/** Writes `result` to `target` with the reporter its form selects. */
export async function writeResult(result: BenchmarkResult, target: string): Promise<void> {
  await getReporter(target).write(result, target);
}

/** Reads every run stored at `target` with the reporter its form selects. */
export async function readResults(target: string): Promise<BenchmarkResult[]> {
  return getReporter(target).read(target);
}

/** `target` as it may be shown in logs and messages: a database password is replaced by `***`. */
export function displayTarget(target: string): string {
  return redactPostgresTarget(target);
}
