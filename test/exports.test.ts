/**
 * The public API of "nnbench": every name `src/index.ts` exports, values and types, against an
 * explicit sorted list, so that removing or renaming one fails here first. Adding a name means
 * adding it to the list.
 */
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as nnbench from "nnbench";

/** Functions, classes and constants. */
const VALUES = [
  "AbsDiffLessEqual", "AddonLoadError", "BUILTIN_COMPARATORS", "CONF_FILES", "CPUInfo", "CodeMismatchError",
  "CollectError", "CollectFailure", "ComparisonError", "ConfigError", "ConsoleReporter",
  "ContextArgumentError", "ContextKeyError", "CsvSyntaxError", "DEFAULT_MEMORY_INTERVAL_MS", "DTYPES",
  "DTypeError", "DisposedError", "FILE_EXTENSIONS", "FILE_FORMATS", "FileReporter", "FixtureError",
  "GitEnvironmentInfo", "GreaterEqual", "HtmlReporter", "LessEqual", "MEMORY_FIELDS", "MEMORY_PHASES",
  "Memo", "MemoryLimitError", "MemorySampler", "MissingDependencyError", "Model", "NativeInfo",
  "NnbenchError", "NodeInfo", "NpyFormatError", "NpyHeaderError", "POSTGRES_SCHEMA_VERSION",
  "POSTGRES_SCHEMES", "ParameterError", "ParameterSyntaxError", "PostgresReporter", "QueueAddressError",
  "ReportAssetError", "ResultFormatError", "SQLITE_SCHEME", "SQLiteReporter", "STATS_FIELDS",
  "SUPPORTED_TARGETS", "SafetensorsFormatError", "ShapeError", "THRESHOLD_FIELDS", "Tensor", "TimeoutError",
  "UnsupportedTargetError", "UsageError", "ZipFormatError", "benchmark", "buildContext", "cachedMemo",
  "cachedMemos", "clearMemoCache", "collect", "compare", "contextWarnings", "cpuarch", "displayTarget",
  "disposeValue", "evictMemo", "evictMemoAsync", "fileFormatOf", "fmaPeak", "formatBytes", "formatDuration",
  "formatParamValue", "formatParameters", "formatValue", "formatWallTime", "gemmInfo", "getMemoByValue",
  "getNumThreads", "getReporter", "isBenchmark", "isBenchmarkFamily", "isMemo", "isMemoCached",
  "isPostgresTarget", "itemSize", "loadComparisonFile", "loadNpy", "loadNpySync", "loadNpz", "loadNpzSync",
  "loadSafetensors", "loadSafetensorsSync", "makeComparator", "mannWhitneyU", "matmul", "matmulAsync",
  "memo", "memoCacheSize", "nativeMemory", "nodeVersion", "npzKeysSync", "parametrize",
  "parsePostgresTarget", "parseRecord", "parseResult", "parseSQLiteTarget", "parseThreshold", "percentile",
  "product", "readNpyInfoSync", "readResults", "redactPostgresTarget", "renderComparison", "renderReport",
  "resetNativePeak", "residentBytes", "run", "safetensorsInfoSync", "saveNpy", "saveNpySync", "saveNpz",
  "saveNpzSync", "saveSafetensors", "saveSafetensorsSync", "setGemmIsa", "setMemoBytes", "setNumThreads",
  "shouldColor", "summarize", "system", "toJsonValue", "workerWarnings", "writeFileAtomic", "writeReport", "writeResult",
];

/** Types and interfaces. */
const TYPES = [
  "AcceptsParams", "Alternative", "ArrayInput", "Benchmark", "BenchmarkDefinition", "BenchmarkFamily",
  "BenchmarkFunction", "BenchmarkOptions", "BenchmarkOrigin", "BenchmarkRecord", "BenchmarkResult",
  "BenchmarkStart", "ByteSource", "CachedMemoInfo", "CheckResult", "CollectOptions", "CommonOptions",
  "Comparator", "ComparatorSpec", "CompareOptions", "Comparison", "ComparisonRow", "ConsoleReporterOptions",
  "ContextInput", "ContextProvider", "DType", "DefaultDType", "Disposer", "ErrorKind", "EvictOptions",
  "FamilyOptions", "FileFormat", "FileFormatName", "FloatDType", "FormatErrorOptions", "GemmBlocking",
  "GemmInfo", "GemmIsa", "Hook", "JsonObject", "JsonValue", "Jsonifier", "LoadNpyOptions", "LoadNpzOptions",
  "LoadSafetensorsOptions", "MannWhitneyMethod", "MannWhitneyResult", "MatmulOptions", "MemoOptions",
  "MemoValue", "MemoryPeaks", "MemoryPhase", "MemoryRecord", "MemorySamplerOptions", "MemoryTimeline",
  "MemoryTimelinePhase", "MemoryTimelineRecord", "ModelLoadOptions", "NativeMemoryStats", "NpyInfo",
  "ParamInterface", "Params", "PostgresTarget", "RenderComparisonOptions", "ReportOptions", "Reporter",
  "ResolvedParams", "RunOptions", "Runnable", "SQLiteTarget", "SafetensorsInfo", "SampleStats",
  "SaveNpzOptions", "SaveSafetensorsOptions", "State", "TensorTypedArray", "Threshold", "TypedArrayFor",
];

/** The names src/index.ts exports, as the TypeScript compiler sees them, split into values and types. */
function exportsOfIndex(): { values: string[]; types: string[] } {
  const root = path.resolve(__dirname, "..");
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const index = path.join(root, "src", "index.ts");
  const program = ts.createProgram([index], config?.options ?? {});
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.getName());
  }
  return { values: values.sort(), types: types.sort() };
}

describe("the public API", () => {
  it("is sorted here, so a diff shows what changed", () => {
    expect(VALUES).toEqual([...VALUES].sort());
    expect(TYPES).toEqual([...TYPES].sort());
  });

  it("exports exactly these values at run time", () => {
    expect(Object.keys(nnbench).sort()).toEqual(VALUES);
  });

  it("declares exactly these values and types", () => {
    expect(exportsOfIndex()).toEqual({ values: VALUES, types: TYPES });
  }, 60_000);
});
