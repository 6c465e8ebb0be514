/** Plain-text tables whose cells may carry ANSI colour codes. */
import { stripVTControlCharacters } from "node:util";

/** The number of terminal columns `text` occupies (colour codes take none). */
export function visibleWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - visibleWidth(text)));
  return align === "left" ? text + fill : fill + text;
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Per column; default left. */
  align?: ("left" | "right")[];
  /** Applied to the header line, e.g. bold. */
  header?: (text: string) => string;
}

/** Renders rows under a header, columns separated by two spaces and a rule under the header. */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))));
  const align = (i: number) => options.align?.[i] ?? "left";
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0, align(i)))
      .join("  ")
      .trimEnd();
  const head = line(headers);
  const out = [options.header ? options.header(head) : head, widths.map((w) => "─".repeat(w)).join("  ")];
  for (const r of rows) out.push(line(headers.map((_, i) => r[i] ?? "")));
  return out.join("\n") + "\n";
}
