/**
 * The flat column layout of tabular formats (CSV, Parquet): one row per benchmark, scalar fields in
 * their own typed columns, memory and stats spread into dotted columns, nested values as JSON text,
 * and any key this project does not know kept in an `extra` JSON column so nothing is lost.
 */
import { MEMORY_FIELDS, STATS_FIELDS, type JsonObject, type JsonValue } from "../types.js";
import { ResultFormatError } from "../errors.js";
import { isJsonObject, parseRow, type ResultRow } from "./records.js";

/** How a column's cells are stored. */
export type ColumnKind = "string" | "number" | "boolean" | "json";

/** A cell: null means the field is absent. */
export type Cell = string | number | boolean | null;

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}

/** Memory fields held as text; the timeline stays in `extra` as JSON. */
const MEMORY_TEXT_FIELDS = ["rss_method"];
/** The record's objects whose numeric fields get a column each. */
const GROUPS: readonly (readonly ["memory" | "stats", readonly string[]])[] = [
  ["memory", MEMORY_FIELDS],
  ["stats", STATS_FIELDS],
];

/** Every column, in file order. */
export const COLUMNS: readonly ColumnSpec[] = [
  { name: "run", kind: "string" },
  { name: "timestamp", kind: "number" },
  { name: "partial", kind: "boolean" },
  { name: "context", kind: "json" },
  { name: "name", kind: "string" },
  { name: "function", kind: "string" },
  { name: "description", kind: "string" },
  { name: "error_occurred", kind: "boolean" },
  { name: "error_message", kind: "string" },
  { name: "error_kind", kind: "string" },
  { name: "parameters", kind: "json" },
  { name: "value", kind: "json" },
  { name: "time_ns", kind: "number" },
  ...MEMORY_FIELDS.map((f) => ({ name: `memory.${f}`, kind: "number" as const })),
  ...MEMORY_TEXT_FIELDS.map((f) => ({ name: `memory.${f}`, kind: "string" as const })),
  { name: "samples_ns", kind: "json" },
  ...STATS_FIELDS.map((f) => ({ name: `stats.${f}`, kind: "number" as const })),
  { name: "tags", kind: "json" },
  { name: "extra", kind: "json" },
];

const RECORD_KEYS = new Set([
  "name",
  "function",
  "description",
  "error_occurred",
  "error_message",
  "error_kind",
  "parameters",
  "value",
  "time_ns",
  "memory",
  "samples_ns",
  "stats",
  "tags",
]);

/** Flattens a row into cells by column name. JSON columns hold JSON text. */
export function rowToCells(row: ResultRow): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  for (const c of COLUMNS) cells[c.name] = null;
  cells.run = row.run;
  cells.timestamp = row.timestamp;
  cells.partial = row.partial ? true : null;
  cells.context = JSON.stringify(row.context);
  const b = row.benchmark;
  if (b === null) return cells;
  const rec = b as unknown as JsonObject;
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(rec)) if (!RECORD_KEYS.has(k) && v !== undefined) extra[k] = v;
  cells.name = b.name;
  cells.function = b.function;
  cells.description = b.description;
  cells.error_occurred = b.error_occurred;
  cells.error_message = b.error_message;
  cells.error_kind = b.error_kind ?? null;
  cells.parameters = JSON.stringify(b.parameters);
  cells.value = b.value === undefined ? null : JSON.stringify(b.value);
  cells.time_ns = b.time_ns;
  for (const [group, fields] of GROUPS) {
    const obj = rec[group];
    if (!isJsonObject(obj)) continue;
    for (const [k, v] of Object.entries(obj)) {
      if (fields.includes(k) && typeof v === "number") cells[`${group}.${k}`] = v;
      else if (group === "memory" && MEMORY_TEXT_FIELDS.includes(k) && typeof v === "string") cells[`${group}.${k}`] = v;
      else extra[`${group}.${k}`] = v;
    }
  }
  cells.samples_ns = b.samples_ns === undefined ? null : JSON.stringify(b.samples_ns);
  cells.tags = b.tags === undefined ? null : JSON.stringify(b.tags);
  cells.extra = Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
  return cells;
}

function jsonCell(value: Cell | undefined, source: string, where: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch (err) {
    throw new ResultFormatError(source, `${where}: invalid JSON text (${(err as Error).message})`);
  }
}

/** Rebuilds a row from cells by column name; validates it like any other row. */
export function cellsToRow(cells: Record<string, Cell | undefined>, source: string, where: string): ResultRow {
  const header: JsonObject = {
    run: cells.run ?? null,
    timestamp: cells.timestamp ?? 0,
    context: jsonCell(cells.context, source, `${where}.context`) ?? {},
  };
  if (cells.partial === true) header.partial = true;
  if (cells.name === null || cells.name === undefined || cells.name === "") {
    return parseRow({ ...header, benchmark: null }, source, where);
  }
  const rec: JsonObject = {};
  const extra = jsonCell(cells.extra, source, `${where}.extra`);
  const nested: Record<"memory" | "stats", JsonObject> = { memory: {}, stats: {} };
  if (extra !== undefined) {
    if (!isJsonObject(extra)) throw new ResultFormatError(source, `${where}.extra: expected a JSON object`);
    for (const [k, v] of Object.entries(extra)) {
      const dot = k.indexOf(".");
      const group = dot > 0 ? k.slice(0, dot) : "";
      if (group === "memory" || group === "stats") nested[group][k.slice(dot + 1)] = v;
      else rec[k] = v;
    }
  }
  for (const key of ["name", "function", "description", "error_message", "error_kind"]) {
    const v = cells[key];
    if (v !== null && v !== undefined) rec[key] = v;
  }
  if (cells.error_occurred !== null && cells.error_occurred !== undefined) rec.error_occurred = cells.error_occurred;
  if (cells.time_ns !== null && cells.time_ns !== undefined) rec.time_ns = cells.time_ns;
  for (const key of ["parameters", "value", "samples_ns", "tags"]) {
    const v = jsonCell(cells[key], source, `${where}.${key}`);
    if (v !== undefined) rec[key] = v;
  }
  for (const [group, fields] of GROUPS) {
    for (const f of group === "memory" ? [...fields, ...MEMORY_TEXT_FIELDS] : fields) {
      const v = cells[`${group}.${f}`];
      if (v !== null && v !== undefined) nested[group][f] = v;
    }
    if (Object.keys(nested[group]).length > 0) rec[group] = nested[group];
  }
  return parseRow({ ...header, benchmark: rec }, source, where);
}

/** Converts a CSV text cell to the column's type. Empty means absent. */
export function cellFromText(spec: ColumnSpec, text: string, source: string, where: string): Cell {
  if (text === "") {
    // Required text fields are empty strings, not absent.
    return ["description", "error_message", "function", "run"].includes(spec.name) ? "" : null;
  }
  switch (spec.kind) {
    case "string":
    case "json":
      return text;
    case "number": {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new ResultFormatError(source, `${where}.${spec.name}: expected a number, got ${JSON.stringify(text)}`);
      return n;
    }
    case "boolean": {
      const t = text.toLowerCase();
      if (t === "true" || t === "1") return true;
      if (t === "false" || t === "0") return false;
      throw new ResultFormatError(source, `${where}.${spec.name}: expected true or false, got ${JSON.stringify(text)}`);
    }
  }
}

/** Converts a cell to CSV text. */
export function cellToText(cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  if (typeof cell === "boolean") return cell ? "true" : "false";
  return cell;
}
