/** Units for chart axes: one unit per chart, chosen from the largest value. */

export interface Unit {
  label: string;
  factor: number;
}

const TIME: Unit[] = [
  { label: "s", factor: 1e9 },
  { label: "ms", factor: 1e6 },
  { label: "µs", factor: 1e3 },
  { label: "ns", factor: 1 },
];
const BYTES: Unit[] = [
  { label: "GiB", factor: 1024 ** 3 },
  { label: "MiB", factor: 1024 ** 2 },
  { label: "KiB", factor: 1024 },
  { label: "B", factor: 1 },
];

function pick(units: Unit[], max: number): Unit {
  return units.find((u) => Math.abs(max) >= u.factor) ?? units[units.length - 1]!;
}

/** The time unit (from nanoseconds) that suits values up to `maxNs`. */
export function timeUnit(maxNs: number): Unit {
  return pick(TIME, maxNs);
}

/** The byte unit that suits values up to `maxBytes`. */
export function byteUnit(maxBytes: number): Unit {
  return pick(BYTES, maxBytes);
}
