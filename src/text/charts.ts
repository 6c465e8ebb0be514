/**
 * Compact charts for the terminal: bars, one-line box plots and delta bars, drawn with Unicode block
 * characters on a capable terminal and plain ASCII otherwise.
 */

/** How charts are drawn: Unicode blocks, or ASCII for terminals that cannot show them. */
export type ChartStyle = "unicode" | "ascii";

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** Whether the terminal described by `env` shows Unicode block characters. */
export function supportsUnicode(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (env.TERM === "dumb") return false;
  if (platform === "win32") return Boolean(env.WT_SESSION || env.TERM_PROGRAM || env.ConEmuTask);
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return /utf-?8/i.test(locale);
}

/**
 * The chart style for output to `stream`: none (undefined) when it is not a terminal unless `force`
 * is set (`--charts`), Unicode when the terminal supports it, ASCII otherwise.
 */
export function chartStyleFor(
  stream: { isTTY?: boolean } | undefined,
  force = false,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): ChartStyle | undefined {
  if (!force && stream?.isTTY !== true) return undefined;
  return supportsUnicode(env, platform) ? "unicode" : "ascii";
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** A bar `width` characters wide holding `value` out of `max`, left-aligned and padded with spaces. */
export function bar(value: number, max: number, width: number, style: ChartStyle): string {
  const frac = max > 0 ? clamp01(value / max) : 0;
  if (style === "ascii") {
    const n = Math.round(frac * width);
    return "#".repeat(n).padEnd(width);
  }
  const eighths = Math.round(frac * width * 8);
  const full = Math.floor(eighths / 8);
  const text = "█".repeat(full) + EIGHTHS[eighths % 8]!;
  // A value above zero always shows at least a sliver.
  return (text === "" && value > 0 && max > 0 ? EIGHTHS[1]! : text).padEnd(width);
}

/** The five numbers a box plot draws. */
export interface BoxSummary {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/**
 * A one-line box plot of `s` on the scale `lo`..`hi`, `width` characters wide: whiskers from min to
 * max, the box from the first to the third quartile, a mark at the median.
 * Unicode `├──░░█░──┤`, ASCII `|--==#==--|`.
 */
export function boxPlot(s: BoxSummary, lo: number, hi: number, width: number, style: ChartStyle): string {
  const span = hi - lo;
  const at = (x: number): number => (span > 0 ? Math.round(clamp01((x - lo) / span) * (width - 1)) : Math.floor((width - 1) / 2));
  const u = style === "unicode";
  const cells = Array.from({ length: width }, () => " ");
  const fill = (from: number, to: number, ch: string): void => {
    for (let i = from; i <= to; i++) cells[i] = ch;
  };
  fill(at(s.min), at(s.max), u ? "─" : "-");
  fill(at(s.q1), at(s.q3), u ? "░" : "=");
  cells[at(s.min)] = u ? "├" : "|";
  cells[at(s.max)] = u ? "┤" : "|";
  cells[at(s.median)] = u ? "█" : "#";
  return cells.join("");
}

/**
 * A bar for a relative change, centred on zero: growth extends right of the centre mark, shrinking
 * extends left, scaled so that `maxAbs` fills half of `width`.
 */
export function deltaBar(delta: number, maxAbs: number, width: number, style: ChartStyle): string {
  const half = Math.max(1, Math.floor((width - 1) / 2));
  const n = maxAbs > 0 && Number.isFinite(delta) ? Math.round(clamp01(Math.abs(delta) / maxAbs) * half) : 0;
  const block = style === "unicode" ? "█" : delta > 0 ? "+" : "-";
  const centre = style === "unicode" ? "│" : "|";
  const left = delta < 0 ? " ".repeat(half - n) + block.repeat(n) : " ".repeat(half);
  const right = delta > 0 ? block.repeat(n) + " ".repeat(half - n) : " ".repeat(half);
  return left + centre + right;
}
