/**
 * 16-bit float conversions for single numbers: IEEE 754 half precision (float16) and bfloat16
 * (the upper half of a float32), for creating tensors from numbers and reading them back. Numbers
 * round once, to nearest, ties to even, as the native conversions of float64 tensors do.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 bits of `value`, which must be exact in float32 (or NaN, or out of its range). */
function float32Bits(value: number): number {
  f32[0] = value;
  return u32[0] ?? 0;
}

/**
 * `value` rounded onto the grid of a binary format with `mantissaBits` stored bits and least
 * normal exponent `emin` (nearest, ties to even), or infinity past `maxFinite`. The result is exact
 * in float32.
 */
function roundToFormat(value: number, mantissaBits: number, emin: number, maxFinite: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  let exponent = Math.max(Math.floor(Math.log2(magnitude)), emin);
  // log2 may be off by one next to powers of two: settle the exponent exactly.
  if (exponent > emin && magnitude < 2 ** exponent) exponent -= 1;
  if (magnitude >= 2 ** (exponent + 1)) exponent += 1;
  const quantum = 2 ** (exponent - mantissaBits);
  const scaled = magnitude / quantum;
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const steps = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  const rounded = steps * quantum;
  const limited = rounded > maxFinite ? Number.POSITIVE_INFINITY : rounded;
  return value < 0 ? -limited : limited;
}

/** The float16 bits nearest to `value` (round to nearest, ties to even; overflow gives infinity; NaN stays NaN). */
export function floatToHalfBits(value: number): number {
  const x = float32Bits(Number.isNaN(value) ? value : roundToFormat(value, 10, -14, 65504));
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0); // Inf or NaN
  if (exponent === 0) return sign; // zero
  const e = exponent - 127 + 15;
  if (e <= 0) return sign | ((mantissa | 0x800000) >>> (14 - e)); // subnormal, exact after rounding
  return sign | (e << 10) | (mantissa >>> 13);
}

/** The bfloat16 bits nearest to `value` (round to nearest, ties to even; overflow gives infinity; NaN stays NaN). */
export function floatToBfloat16Bits(value: number): number {
  if (Number.isNaN(value)) return ((float32Bits(value) >>> 16) | 0x40) & 0xffff;
  return float32Bits(roundToFormat(value, 7, -126, 3.3895313892515355e38)) >>> 16;
}

