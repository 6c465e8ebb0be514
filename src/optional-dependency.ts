/** Loading optional packages on first use, so that `import "nnbench"` stays lean. */
import { MissingDependencyError } from "./errors.js";

function isMissing(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown }).code;
  const message = (err as { message?: unknown }).message;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && typeof message === "string" && message.includes(`'${name}'`);
}

/**
 * Imports the optional package `name` for `feature`; throws {@link MissingDependencyError} naming the
 * package when it is not installed. `load` is the `import()` call itself, so bundlers and type checkers see it.
 */
export async function importOptional<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissing(err, name)) throw new MissingDependencyError(name, feature, { cause: err });
    throw err;
  }
}
