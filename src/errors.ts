/**
 * Typed errors raised by nnbench. Every error carries a stable `code` so callers can branch on it
 * without matching message text.
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

/** A `.npy` or `.npz` file is malformed or holds something nnbench does not load. */
export class NpyFormatError extends NnbenchError {
  /** The file that was being read or written. */
  readonly path: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`${path}: ${reason}`, "ERR_NPY_FORMAT", options);
    this.path = path;
  }
}

/** The compiled native addon could not be found or loaded. */
export class AddonLoadError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_ADDON_LOAD", options);
  }
}

/** A benchmark's memory grew past its `memoryLimit`. */
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

/** The comparison is misconfigured: a bad comparison file, comparator or threshold. */
export class ComparisonError extends NnbenchError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_COMPARISON", options);
  }
}
