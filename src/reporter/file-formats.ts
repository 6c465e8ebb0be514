/**
 * Encoders and decoders of the result file formats. Each turns one result into bytes and any bytes
 * of its format back into results (a file may hold several runs, e.g. rows appended by other tools).
 *
 * - `json`: Python nnbench's `{ run, context, benchmarks, timestamp }` (an array of those also reads).
 * - `ndjson`, `yaml`: one row per benchmark, `{ run, context, timestamp, benchmark }`, with `context`
 *   and `benchmark` as JSON text, as Python nnbench writes them.
 * - `csv`, `parquet`: one row per benchmark in the flat column layout of `columns.ts`.
 */
import type { ColumnSource } from "hyparquet-writer";
import type { BenchmarkResult, JsonValue } from "../types.js";
import { csvLine, parseCsv } from "./csv.js";
import { COLUMNS, cellFromText, cellToText, cellsToRow, rowToCells, type Cell } from "./columns.js";
import { CsvSyntaxError, ResultFormatError } from "../errors.js";
import { optionalPackage } from "./optional.js";
import {
  isJsonObject,
  parseResult,
  parseRow,
  resultToJson,
  resultToRows,
  rowToJson,
  rowsToResults,
  type ResultRow,
} from "./records.js";

/** The names of the file formats. */
export type FileFormatName = "json" | "ndjson" | "yaml" | "csv" | "parquet";

/** A file format's codec. */
export interface FileFormat {
  readonly name: FileFormatName;
  /** File extensions (without dot) that select this format. */
  readonly extensions: readonly string[];
  encode(result: BenchmarkResult): Uint8Array | Promise<Uint8Array>;
  decode(bytes: Uint8Array, source: string): Promise<BenchmarkResult[]>;
}

// Loaded on first use: most programs never write these formats.
const loadYaml = async () => (await import("yaml")).default;
const loadParquetReader = optionalPackage("hyparquet", "reading Parquet results", () => import("hyparquet"));
const loadParquetWriter = optionalPackage("hyparquet-writer", "writing Parquet results", () => import("hyparquet-writer"));

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Uint8Array, source: string): string {
  try {
    return fromUtf8.decode(bytes);
  } catch {
    throw new ResultFormatError(source, "not valid UTF-8 text");
  }
}

function parseJsonText(s: string, source: string, where: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch (err) {
    throw new ResultFormatError(source, `${where}: invalid JSON (${(err as Error).message})`);
  }
}

/** Reads an already-parsed document: a result, a row, or an array of either. */
function fromDocument(doc: unknown, source: string): BenchmarkResult[] {
  const items = Array.isArray(doc) ? doc : [doc];
  const results: BenchmarkResult[] = [];
  const rows: ResultRow[] = [];
  items.forEach((item, i) => {
    const where = Array.isArray(doc) ? `[${i}]` : "document";
    if (isJsonObject(item) && Array.isArray(item.benchmarks)) results.push(parseResult(item, source, where));
    else rows.push(parseRow(item, source, where));
  });
  return [...results, ...rowsToResults(rows)];
}

const json: FileFormat = {
  name: "json",
  extensions: ["json"],
  encode: (result) => utf8.encode(JSON.stringify(resultToJson(result), null, 2) + "\n"),
  decode: async (bytes, source) => fromDocument(parseJsonText(text(bytes, source), source, "document"), source),
};

const ndjson: FileFormat = {
  name: "ndjson",
  extensions: ["ndjson", "jsonl"],
  encode: (result) =>
    utf8.encode(
      resultToRows(result)
        .map((r) => JSON.stringify(rowToJson(r)) + "\n")
        .join(""),
    ),
  decode: async (bytes, source) => {
    const rows: ResultRow[] = [];
    const results: BenchmarkResult[] = [];
    text(bytes, source)
      .split(/\r?\n/)
      .forEach((line, i) => {
        if (line.trim() === "") return;
        const where = `line ${i + 1}`;
        const item = parseJsonText(line, source, where);
        if (isJsonObject(item) && Array.isArray(item.benchmarks)) results.push(parseResult(item, source, where));
        else rows.push(parseRow(item, source, where));
      });
    return [...results, ...rowsToResults(rows)];
  },
};

const yaml: FileFormat = {
  name: "yaml",
  extensions: ["yaml", "yml"],
  encode: async (result) => utf8.encode((await loadYaml()).stringify(resultToRows(result).map(rowToJson))),
  decode: async (bytes, source) => {
    const YAML = await loadYaml();
    let doc: unknown;
    try {
      doc = YAML.parse(text(bytes, source)) as unknown;
    } catch (err) {
      throw new ResultFormatError(source, `invalid YAML (${(err as Error).message})`);
    }
    if (doc === null || doc === undefined) return [];
    return fromDocument(doc as JsonValue, source);
  },
};

const csv: FileFormat = {
  name: "csv",
  extensions: ["csv"],
  encode: (result) => {
    let out = csvLine(COLUMNS.map((c) => c.name));
    for (const row of resultToRows(result)) {
      const cells = rowToCells(row);
      out += csvLine(COLUMNS.map((c) => cellToText(cells[c.name] ?? null)));
    }
    return utf8.encode(out);
  },
  decode: async (bytes, source) => {
    let table: string[][];
    try {
      table = parseCsv(text(bytes, source));
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw new ResultFormatError(source, `invalid CSV at ${err.message}`);
      throw err;
    }
    const header = table[0];
    if (!header) return [];
    for (const required of ["run", "name"]) {
      if (!header.includes(required)) throw new ResultFormatError(source, `CSV header lacks the column "${required}"`);
    }
    const specs = header.map((h) => COLUMNS.find((c) => c.name === h));
    const rows = table.slice(1).map((fields, i) => {
      const where = `row ${i + 2}`;
      if (fields.length !== header.length) {
        throw new ResultFormatError(source, `${where}: ${fields.length} fields, the header has ${header.length}`);
      }
      const cells: Record<string, Cell> = {};
      fields.forEach((f, j) => {
        const spec = specs[j];
        if (spec) cells[spec.name] = cellFromText(spec, f, source, where);
      });
      return cellsToRow(cells, source, where);
    });
    return rowsToResults(rows);
  },
};

const PARQUET_TYPES = { string: "STRING", json: "STRING", number: "DOUBLE", boolean: "BOOLEAN" } as const;

const parquet: FileFormat = {
  name: "parquet",
  extensions: ["parquet"],
  encode: async (result) => {
    const { parquetWriteBuffer } = await loadParquetWriter();
    const rows = resultToRows(result).map(rowToCells);
    const columnData: ColumnSource[] = COLUMNS.map((c) => ({
      name: c.name,
      type: PARQUET_TYPES[c.kind],
      nullable: true,
      data: rows.map((r) => r[c.name] ?? null),
    }));
    return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: "nnbench" }));
  },
  decode: async (bytes, source) => {
    const { parquetReadObjects } = await loadParquetReader();
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    let objects: Record<string, unknown>[];
    try {
      objects = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    } catch (err) {
      throw new ResultFormatError(source, `invalid Parquet file (${(err as Error).message})`);
    }
    const rows = objects.map((o, i) => {
      const cells: Record<string, Cell> = {};
      for (const c of COLUMNS) {
        const v = o[c.name];
        cells[c.name] =
          v === undefined || v === null
            ? null
            : typeof v === "bigint"
              ? Number(v)
              : (v as Cell);
      }
      return cellsToRow(cells, source, `row ${i + 1}`);
    });
    return rowsToResults(rows);
  },
};

/** Every file format, in the order they are listed in messages. */
export const FILE_FORMATS: readonly FileFormat[] = [json, ndjson, yaml, csv, parquet];

/** The format with this name. */
export function fileFormat(name: FileFormatName): FileFormat {
  const f = FILE_FORMATS.find((x) => x.name === name);
  if (!f) throw new Error(`unknown file format ${name}`);
  return f;
}
