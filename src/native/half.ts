/**
 * IEEE 754 half-precision conversion, for creating float16 tensors from numbers.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits nearest to `value` (round to nearest, ties to even; overflow gives infinity). */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf or NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to signed zero
    mantissa |= 0x800000; // make the implicit bit explicit
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const rounded = rest > halfway || (rest === halfway && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  let bits = (e << 10) | half;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) bits += 1; // may carry into the exponent
  e = bits >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : bits);
}

