/** The command line's diagnostics on standard error, filtered by level. */

/** Log levels, from least to most verbose. */
export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether `s` names a log level. */
export function isLogLevel(s: unknown): s is LogLevel {
  return typeof s === "string" && (LOG_LEVELS as readonly string[]).includes(s);
}

/** Writes messages at or above its level to standard error, each prefixed with `nnbench:`. */
export class Logger {
  level: LogLevel;

  constructor(level: LogLevel = "warn") {
    this.level = level;
  }

  #enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.level);
  }

  error(message: string): void {
    if (this.#enabled("error")) process.stderr.write(`nnbench: error: ${message}\n`);
  }
  warn(message: string): void {
    if (this.#enabled("warn")) process.stderr.write(`nnbench: warning: ${message}\n`);
  }
  info(message: string): void {
    if (this.#enabled("info")) process.stderr.write(`nnbench: ${message}\n`);
  }
  debug(message: string): void {
    if (this.#enabled("debug")) process.stderr.write(`nnbench: debug: ${message}\n`);
  }
  get isDebug(): boolean {
    return this.level === "debug";
  }
}
