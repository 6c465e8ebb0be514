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
  "AbsDiffLessEqual", "AddonLoadError", "BUILTIN_COMPARATORS", "CONF_FILES", "CPUInfo", "CollectError",
  "CollectFailure", "ComparisonError", "ConfigError", "ConsoleReporter", "ContextArgumentError",
  "ContextKeyError", "CsvSyntaxError", "DTYPES", "DTypeError", "DisposedError", "FILE_EXTENSIONS",
  "FILE_FORMATS", "FileReporter", "FixtureError", "GitEnvironmentInfo", "GreaterEqual", "HtmlReporter",
  "LessEqual", "MEMORY_FIELDS", "Memo", "MissingDependencyError", "Model", "NativeInfo", "NnbenchError",
  "NodeInfo", "NpyFormatError", "NpyHeaderError", "ParameterError", "ParameterSyntaxError",
  "ReportAssetError", "ResultFormatError", "SQLITE_SCHEME", "SQLiteReporter", "STATS_FIELDS",
  "SUPPORTED_TARGETS", "ShapeError", "THRESHOLD_FIELDS", "Tensor", "TimeoutError", "UnsupportedTargetError",
  "UsageError", "ZipFormatError", "benchmark", "buildContext", "cachedMemo", "clearMemoCache", "collect",
  "compare", "contextWarnings", "cpuarch", "disposeValue", "evictMemo", "fileFormatOf", "fmaPeak",
  "formatBytes", "formatDuration", "formatParamValue", "formatParameters", "formatValue", "formatWallTime",
  "gemmInfo", "getMemoByValue", "getNumThreads", "getReporter", "isBenchmark", "isBenchmarkFamily", "isMemo",
  "isMemoCached", "itemSize", "loadComparisonFile", "loadNpy", "loadNpySync", "loadNpz", "loadNpzSync",
  "makeComparator", "mannWhitneyU", "matmul", "matmulAsync", "memo", "memoCacheSize", "nativeMemory",
  "nodeVersion", "npzKeysSync", "parametrize", "parseRecord", "parseResult", "parseSQLiteTarget",
  "parseThreshold", "percentile", "product", "readNpyInfoSync", "readResults", "renderComparison",
  "renderReport", "resetNativePeak", "run", "saveNpy", "saveNpySync", "saveNpz", "saveNpzSync", "setGemmIsa",
  "setNumThreads", "shouldColor", "summarize", "system", "toJsonValue", "writeFileAtomic", "writeReport",
  "writeResult",
];

/** Types and interfaces. */
const TYPES = [
  "AcceptsParams", "Alternative", "ArrayInput", "Benchmark", "BenchmarkDefinition", "BenchmarkFamily",
  "BenchmarkFunction", "BenchmarkOptions", "BenchmarkOrigin", "BenchmarkRecord", "BenchmarkResult",
  "BenchmarkStart", "ByteSource", "CheckResult", "CollectOptions", "CommonOptions", "Comparator",
  "ComparatorSpec", "CompareOptions", "Comparison", "ComparisonRow", "ConsoleReporterOptions",
  "ContextInput", "ContextProvider", "DType", "DefaultDType", "ErrorKind", "EvictOptions", "FamilyOptions",
  "FileFormat", "FileFormatName", "FormatErrorOptions", "GemmBlocking", "GemmInfo", "GemmIsa", "Hook",
  "JsonObject", "JsonValue", "Jsonifier", "LoadNpyOptions", "LoadNpzOptions", "MannWhitneyMethod",
  "MannWhitneyResult", "MatmulOptions", "MemoValue", "MemoryRecord", "ModelLoadOptions", "NativeMemoryStats",
  "NpyInfo", "ParamInterface", "Params", "RenderComparisonOptions", "ReportOptions", "Reporter",
  "ResolvedParams", "RunOptions", "Runnable", "SQLiteTarget", "SampleStats", "SaveNpzOptions", "State",
  "TensorTypedArray", "Threshold", "TypedArrayFor",
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
