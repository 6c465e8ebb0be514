export { ConsoleReporter, formatWallTime, shouldColor, type ConsoleReporterOptions } from "./console.js";
export { FILE_EXTENSIONS, FileReporter, fileFormatOf } from "./file.js";
export { FILE_FORMATS, type FileFormat, type FileFormatName } from "./file-formats.js";
export { formatBytes, formatDuration, formatParameters, formatValue } from "../text/units.js";
export { parseRecord, parseResult } from "./records.js";
export type { Reporter } from "./reporter.js";
export {
  POSTGRES_SCHEMA_VERSION,
  POSTGRES_SCHEMES,
  PostgresReporter,
  isPostgresTarget,
  parsePostgresTarget,
  redactPostgresTarget,
  type PostgresTarget,
} from "./postgres.js";
export { SQLITE_SCHEME, SQLiteReporter, parseSQLiteTarget, type SQLiteTarget } from "./sqlite.js";
export { SUPPORTED_TARGETS, displayTarget, getReporter, readResults, writeResult } from "./target.js";
export { writeFileAtomic, type ByteSource } from "../fs/atomic-file.js";
export { HtmlReporter, renderReport, writeReport } from "./html/report.js";
export type { ReportOptions } from "./html/model.js";
