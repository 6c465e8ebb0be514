/** Errors raised while writing or reading benchmark results. */
import { NnbenchError } from "../errors.js";

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
