import { afterAll, describe, expect, it } from "vitest";

import { DTypeError, DisposedError, Tensor, gemmInfo, setGemmIsa } from "../../src/index.js";

// References computed here, independently of the library: every finite float16 / bfloat16 value
// enumerated from its definition, and the nearest one found by search (ties to the even pattern).

function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
}

function bf16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 7) & 0xff;
  const m = bits & 0x7f;
  if (e === 0xff) return m === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? m * 2 ** -133 : (128 + m) * 2 ** (e - 134));
}

/** Non-negative finite values of a 16-bit format, ascending, indexed by their bit pattern. */
function grid(value: (bits: number) => number, infBits: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < infBits; b++) out.push(value(b));
  return out;
}
const HALF = grid(halfValue, 0x7c00);
const BF16 = grid(bf16Value, 0x7f80);

/** Nearest-even rounding of `v` onto `values` (bits = index); past the top half-step, infinity. */
function nearest(v: number, values: number[], infBits: number, nanOf: (v: number) => number): number {
  if (Number.isNaN(v)) return nanOf(v);
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  const top = values[values.length - 1] as number;
  const step = top - (values[values.length - 2] as number);
  if (a > top + step / 2 || (a === top + step / 2)) return sign | infBits; // the top pattern is odd: a tie goes up
  let lo = 0;
  let hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - (values[lo] as number);
  const dh = (values[hi] as number) - a;
  const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
  return sign | ((values[pick] as number) <= a && dl === 0 ? lo : pick);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const nanBf16 = (v: number): number => {
  f32[0] = v;
  return ((u32[0] as number) >>> 16) | 0x40;
};
const nanHalf = (v: number): number => {
  f32[0] = v;
  const x = u32[0] as number;
  return ((x >>> 16) & 0x8000) | 0x7e00 | ((x & 0x7fffff) >>> 13);
};

/** Float32 inputs that exercise rounding: specials, ties, subnormals, edges, and random bits. */
function float32Cases(): Uint32Array {
  const special = [
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fbfffff,
    0x00000001, 0x80000001, 0x00008000, 0x00018000, 0x007fffff, 0x00800000, 0x00807fff, 0x00808000,
    0x3f808000, 0x3f818000, 0x3f807fff, 0x3f808001, 0x7f7fffff, 0xff7fffff, 0x7f7f7fff, 0x7f7f8000,
    0x33800000, 0x33000000, 0x33000001, 0x337fffff, 0x387fc000, 0x38800000, 0x477fefff, 0x477ff000, 0x477fe000,
    0x3f801000, 0x3f803000, 0x3f800fff, 0x3f802000,
  ];
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const out = new Uint32Array(200_003);
  out.set(special);
  for (let i = special.length; i < out.length; i++) {
    const r = random();
    // Half the cases near the float16 range, so its rounding and subnormals get exercised too.
    out[i] = i % 2 === 0 ? r : (r & 0x807fffff) | ((0x66 + (random() % 0x20)) << 23);
  }
  return out;
}

const isas = gemmInfo().availableIsas;
const initialIsa = gemmInfo().isa;
afterAll(() => {
  setGemmIsa(initialIsa);
});

describe.each(isas)("astype on the %s path", (isa) => {
  it("widens every float16 and bfloat16 pattern exactly", () => {
    expect(setGemmIsa(isa)).toBe(true);
    const bits = new Uint16Array(65536).map((_, i) => i);
    for (const [dtype, value] of [["float16", halfValue], ["bfloat16", bf16Value]] as const) {
      using t = Tensor.fromArray(bits, [65536], dtype);
      using wide = t.astype("float32");
      using wider = t.astype("float64");
      const got = wide.data();
      const got64 = wider.data();
      for (let i = 0; i < 65536; i++) {
        const want = value(i);
        if (Number.isNaN(want)) {
          expect(Number.isNaN(got[i])).toBe(true);
          expect(Number.isNaN(got64[i])).toBe(true);
        } else {
          expect(Object.is(got[i], want) && Object.is(got64[i], want)).toBe(true);
        }
      }
    }
  });

  it("narrows float32 to bfloat16 and float16 with nearest-even rounding, NaN kept", () => {
    expect(setGemmIsa(isa)).toBe(true);
    const cases = float32Cases();
    using source = Tensor.fromArray(new Float32Array(cases.buffer), [cases.length], "float32");
    const values = source.data();
    for (const [dtype, table, inf, nan] of [
      ["bfloat16", BF16, 0x7f80, nanBf16],
      ["float16", HALF, 0x7c00, nanHalf],
    ] as const) {
      using narrow = source.astype(dtype);
      const got = narrow.data();
      const mismatches: string[] = [];
      for (let i = 0; i < cases.length && mismatches.length < 5; i++) {
        const want = nearest(values[i] as number, table, inf, nan);
        if (got[i] !== want) mismatches.push(`0x${(cases[i] as number).toString(16)} -> 0x${(got[i] as number).toString(16)}, want 0x${want.toString(16)}`);
      }
      expect(mismatches, dtype).toEqual([]);
    }
  });

  it("narrows float64 with a single rounding and converts between the 16-bit types", () => {
    expect(setGemmIsa(isa)).toBe(true);
    // 1 + 2^-8 + 2^-30 lies just above a bfloat16 tie; through float32 it would land on the tie and round down.
    const doubles = [1 + 2 ** -8 + 2 ** -30, 1 + 2 ** -11 + 2 ** -40, -(2 ** -140), 3.4e38, 65519.99, 65520, 1e-8, Math.PI, NaN, -Infinity];
    using d = Tensor.fromArray(new Float64Array(doubles));
    for (const [dtype, table, inf, nan] of [
      ["bfloat16", BF16, 0x7f80, nanBf16],
      ["float16", HALF, 0x7c00, nanHalf],
    ] as const) {
      using narrow = d.astype(dtype);
      expect([...narrow.data()]).toEqual(doubles.map((v) => nearest(v, table, inf, nan)));
      using fromNumbers = Tensor.fromArray(doubles, [doubles.length], dtype);
      expect([...fromNumbers.data()]).toEqual([...narrow.data()]);
    }
    const halfBits = new Uint16Array(65536).map((_, i) => i);
    using h = Tensor.fromArray(halfBits, [65536], "float16");
    using b = h.astype("bfloat16");
    using back = b.astype("float16");
    const hb = b.data();
    const bh = back.data();
    for (let i = 0; i < 65536; i++) {
      const v = halfValue(i);
      // A NaN keeps its sign and leading payload bits, made quiet.
      expect(hb[i]).toBe(nearest(v, BF16, 0x7f80, () => (i & 0x8000) | 0x7fc0 | ((i & 0x3ff) >> 3)));
      const vb = bf16Value(hb[i] as number);
      if (!Number.isNaN(vb)) expect(bh[i]).toBe(nearest(vb, HALF, 0x7c00, nanHalf));
      else expect(Number.isNaN(halfValue(bh[i] as number))).toBe(true);
    }
  });

  it("converts large arrays split across threads, with ragged tails", () => {
    expect(setGemmIsa(isa)).toBe(true);
    const n = (5 << 20) + 13;
    using x = Tensor.empty([n], "float32");
    const data = x.data();
    for (let i = 0; i < n; i++) data[i] = (i % 4099) * 0.001953125 - 3.75; // exact in bfloat16 / float16 for many i
    using b = x.astype("bfloat16");
    using back = b.astype("float32");
    const bits = b.data();
    const wide = back.data();
    for (const i of [0, 1, 15, 16, 17, (1 << 21) - 1, 1 << 21, (2 << 21) + 5, n - 14, n - 1]) {
      expect(bits[i]).toBe(nearest(data[i] as number, BF16, 0x7f80, nanBf16));
      expect(wide[i]).toBe(bf16Value(bits[i] as number));
    }
    expect(back.sum()).toBeCloseTo(x.sum(), -3);
  });
});

describe("bfloat16 tensors", () => {
  it("fromArray rounds numbers, takes raw bits from a Uint16Array, and sums", () => {
    using t = Tensor.fromArray([1, 1.00390625, -2.5, 3e38], [4], "bfloat16");
    expect([...t.data()]).toEqual([0x3f80, 0x3f80, 0xc020, 0x7f62]);
    expect(t.sum()).toBe(1 + 1 - 2.5 + bf16Value(0x7f62));
    using raw = Tensor.fromArray(new Uint16Array([0x3f80, 0x4000]), [2], "bfloat16");
    expect([...raw.data()]).toEqual([0x3f80, 0x4000]);
    expect(raw.byteLength).toBe(4);
  });

  it("astype rejects integer dtypes and disposed tensors with typed errors", () => {
    using i = Tensor.zeros([2], "int32");
    expect(() => i.astype("bfloat16")).toThrow(DTypeError);
    const f = Tensor.zeros([2]);
    using same = f.astype("float32");
    expect(same.dtype).toBe("float32");
    f.dispose();
    expect(() => f.astype("bfloat16")).toThrow(DisposedError);
  });
});
