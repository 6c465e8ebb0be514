/**
 * Loads the libraries of optional formats on first use, so that importing nnbench does not pay for
 * formats a program never writes, and a missing optional package says which one to install.
 */
import { MissingDependencyError } from "../errors.js";

/** Whether `error` says that `packageName` itself (not something it imports) cannot be found. */
function isMissing(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return typeof message === "string" && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}

/**
 * Imports an optional package once and returns it; a missing package becomes a
 * MissingDependencyError naming it and the feature that needs it.
 */
export function optionalPackage<T>(packageName: string, feature: string, load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      if (isMissing(error, packageName)) throw new MissingDependencyError(packageName, feature, { cause: error });
      throw error;
    }));
}
