/** Turning `--context` entries (and the configuration's `context` list) into context providers. */
import { CPUInfo, GitEnvironmentInfo, NativeInfo, NodeInfo, cpuarch, nodeVersion, system, type ContextProvider } from "../run/context.js";
import { callProvider, loadProvider, type LoadedConfig } from "./config.js";
import { ContextArgumentError } from "../errors.js";
import type { JsonObject } from "../types.js";

/** Built-in providers by the names `--context` accepts. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  system,
  cpuarch,
  nodeVersion,
  node_version: nodeVersion,
  NodeInfo,
  node: NodeInfo,
  GitEnvironmentInfo,
  git: GitEnvironmentInfo,
  CPUInfo,
  cpu: CPUInfo,
  NativeInfo,
  native: NativeInfo,
};

/**
 * Resolves entries: `key=value` is a literal string value, `provider=NAME` or a bare `NAME` is a
 * provider (built in, or defined in the configuration's `providers`).
 */
export async function contextFromEntries(entries: readonly string[], loaded: LoadedConfig): Promise<(ContextProvider | JsonObject)[]> {
  const out: (ContextProvider | JsonObject)[] = [];
  const defined = new Map((loaded.config.providers ?? []).map((p) => [p.name, p] as const));
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    let providerName: string | undefined;
    if (eq < 0) providerName = entry;
    else if (entry.slice(0, eq) === "provider") providerName = entry.slice(eq + 1);
    if (providerName === undefined) {
      const key = entry.slice(0, eq);
      if (key === "") throw new ContextArgumentError(`context entry "${entry}" has no key; use key=value or a provider name`);
      out.push({ [key]: entry.slice(eq + 1) });
      continue;
    }
    const spec = defined.get(providerName);
    if (spec) {
      out.push(await loadProvider(spec, loaded.dir));
      continue;
    }
    const builtin = BUILTIN_PROVIDERS[providerName];
    if (!builtin) {
      const known = [...Object.keys(BUILTIN_PROVIDERS), ...defined.keys()].join(", ");
      throw new ContextArgumentError(`unknown context provider "${providerName}"; known: ${known}; or give key=value`);
    }
    out.push(() => callProvider(builtin as (...args: unknown[]) => unknown, [], `context provider "${providerName}"`));
  }
  return out;
}
