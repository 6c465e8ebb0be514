/**
 * Every error nnbench throws on purpose, in one place. Each extends `NnbenchError` and carries a stable
 * `code`, so callers can branch on it without matching message text. Arguments of the wrong type or
 * out of range for a public function are the built-in `TypeError` and `RangeError`, as in Node.js.
 *
 * NnbenchError
 * ├─ DisposedError, ShapeError, DTypeError, AddonLoadError      tensors and the native addon
 * ├─ NpyFormatError                                              a .npy/.npz file is malformed
 * │  ├─ NpyHeaderError                                           ... in a .npy header
 * │  └─ ZipFormatError                                           ... in the .npz archive's zip structure
 * ├─ SafetensorsFormatError                                      a .safetensors file is malformed
 * ├─ ParameterSyntaxError, ParameterError                        defining benchmarks
 * ├─ CollectError, FixtureError, ContextKeyError, TimeoutError   running them
 * ├─ ResultFormatError, UnsupportedTargetError, CsvSyntaxError   reading and writing results
 * ├─ ComparisonError                                             comparing results
 * └─ UsageError, ConfigError, ContextArgumentError, CollectFailure   the command line
 */

/** Base class of every error nnbench raises on purpose. */
export class NnbenchError extends Error {
  /** A stable, machine-readable identifier of the error kind. */
  readonly code: string;

  constructor(message: string, code = "ERR_NNBENCH", options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

// Tensors and the native addon.

/** A tensor or model was used after `dispose()`. */
export class DisposedError extends NnbenchError {
  constructor(what: string) {
    super(`${what} is disposed: its native memory was freed and it can no longer be used`, "ERR_DISPOSED");
  }
}

/** Operand shapes do not fit the operation. */
export class ShapeError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_SHAPE");
  }
}

/** An operation does not support the operand's dtype, or two operands' dtypes differ. */
export class DTypeError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_DTYPE");
  }
}

/** The compiled native addon could not be found or loaded. */
export class AddonLoadError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_ADDON_LOAD", options);
  }
}

// NumPy files.

/** A `.npy` or `.npz` file is malformed or holds something nnbench does not load. */
export class NpyFormatError extends NnbenchError {
  /** The file that was being read or written; empty while a parser does not know it yet. */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(path === "" ? reason : `${path}: ${reason}`, "ERR_NPY_FORMAT", options);
    this.path = path;
    this.reason = reason;
  }
}

/** Where a format error was found, when the parser that found it knows the file. */
export interface FormatErrorOptions extends ErrorOptions {
  path?: string;
}

/** A `.npy` header is malformed, or describes an array nnbench does not load. */
export class NpyHeaderError extends NpyFormatError {
  constructor(reason: string, options?: FormatErrorOptions) {
    super(options?.path ?? "", reason, options);
  }
}

/** The zip structure of a `.npz` archive is malformed (directory, member headers, sizes, CRC, deflate data). */
export class ZipFormatError extends NpyFormatError {
  constructor(reason: string, options?: FormatErrorOptions) {
    super(options?.path ?? "", reason, options);
  }
}

/** A `.safetensors` file is malformed or holds something nnbench does not load. */
export class SafetensorsFormatError extends NnbenchError {
  /** The file that was being read or written; empty while a parser does not know it yet. */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(path === "" ? reason : `${path}: ${reason}`, "ERR_SAFETENSORS_FORMAT", options);
    this.path = path;
    this.reason = reason;
  }
}

// Defining and running benchmarks.

/** A function's parameter names could not be read from its source. */
export class ParameterSyntaxError extends NnbenchError {
  constructor(fnName: string, reason: string) {
    super(
      `cannot read the parameters of benchmark function ${fnName || "<anonymous>"}: ${reason}; ` +
        `destructure them ({ a, b }) => ... or name them with the \`params\` option`,
      "ERR_PARAMETER_SYNTAX",
    );
  }
}

/** A parameter a benchmark needs that nothing supplies, or one it does not take. */
export class ParameterError extends NnbenchError {
  /** The parameter's name. */
  readonly parameter: string;
  /** The benchmark's name. */
  readonly benchmark: string;

  constructor(message: string, parameter: string, benchmark: string, code = "ERR_PARAMETER") {
    super(message, code);
    this.parameter = parameter;
    this.benchmark = benchmark;
  }
}

/** A benchmark file or directory could not be collected. */
export class CollectError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_COLLECT", options);
  }
}

/** A fixture failed, depends on itself, or cannot be read. */
export class FixtureError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_FIXTURE", options);
  }
}

/** Two context providers gave the same key. */
export class ContextKeyError extends NnbenchError {
  readonly key: string;
  constructor(key: string) {
    super(`context key ${JSON.stringify(key)} is given by more than one context provider`, "ERR_CONTEXT_KEY");
    this.key = key;
  }
}

/** A benchmark call did not settle within its `timeout`; recorded with `error_kind: "timeout"`. */
export class TimeoutError extends NnbenchError {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`, "ERR_TIMEOUT");
  }
}

// Results.

/** The target names no format or database nnbench can write to or read from. */
export class UnsupportedTargetError extends NnbenchError {
  /** The target as given. */
  readonly target: string;
  /** The forms a target may take. */
  readonly supported: readonly string[];

  constructor(target: string, supported: readonly string[], reason?: string) {
    super(
      `unsupported result target ${JSON.stringify(target)}${reason ? ` (${reason})` : ""}; ` +
        `supported: ${supported.join(", ")}`,
      "ERR_UNSUPPORTED_TARGET",
    );
    this.target = target;
    this.supported = supported;
  }
}

/** A results file or database holds something that is not a valid benchmark result. */
export class ResultFormatError extends NnbenchError {
  /** The file, database or stream being read. */
  readonly source: string;

  constructor(source: string, reason: string, options?: ErrorOptions) {
    super(`${source}: ${reason}`, "ERR_RESULT_FORMAT", options);
    this.source = source;
  }
}

/** CSV text is malformed; `line` is 1-based. Reading a results file reports it as a `ResultFormatError`. */
export class CsvSyntaxError extends NnbenchError {
  readonly line: number;

  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`, "ERR_CSV_SYNTAX");
    this.line = line;
  }
}

/** A feature needs an optional package that is not installed (for example Parquet or SQLite support). */
export class MissingDependencyError extends NnbenchError {
  /** The npm package to install. */
  readonly packageName: string;
  /** What needed it. */
  readonly feature: string;

  constructor(packageName: string, feature: string, options?: ErrorOptions) {
    super(`${feature} needs the optional package "${packageName}", which is not installed: npm install ${packageName}`, "ERR_MISSING_DEPENDENCY", options);
    this.packageName = packageName;
    this.feature = feature;
  }
}

/** A worker's copy of the benchmark files (or its nnbench version) differs from the submitter's. */
export class CodeMismatchError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_CODE_MISMATCH");
  }
}

/** A `redis://` queue address nnbench cannot use. */
export class QueueAddressError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_QUEUE_ADDRESS");
  }
}

/** The comparison is misconfigured: a bad comparison file, comparator or threshold. */
export class ComparisonError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_COMPARISON", options);
  }
}

/** The HTML report's bundled script is missing and cannot be built (a broken install). */
export class ReportAssetError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_REPORT_ASSET", options);
  }
}

// The command line.

/** A mistake in how a command was called (exit code 2). */
export class UsageError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_USAGE");
  }
}

/** The configuration is missing, unreadable or holds something invalid. */
export class ConfigError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_CONFIG", options);
  }
}

/** A `--context` entry is neither `key=value` nor a known provider. */
export class ContextArgumentError extends NnbenchError {
  constructor(message: string) {
    super(message, "ERR_CONTEXT_ARGUMENT");
  }
}

/** Collecting benchmarks failed in a child process; carries the child's stack for `--log-level debug`. */
export class CollectFailure extends NnbenchError {
  readonly childStack: string | undefined;

  constructor(message: string, childStack?: string) {
    super(message, "ERR_COLLECT_FAILURE");
    this.childStack = childStack;
  }
}

/** A benchmark's memory grew past its `memoryLimit`; recorded with `error_kind: "memory_limit"`. */
export class MemoryLimitError extends NnbenchError {
  /** RSS growth over the benchmark's start when the limit was seen exceeded, in bytes. */
  readonly grownBytes: number;
  readonly limitBytes: number;

  constructor(message: string, grownBytes: number, limitBytes: number) {
    super(message, "ERR_MEMORY_LIMIT");
    this.grownBytes = grownBytes;
    this.limitBytes = limitBytes;
  }
}
