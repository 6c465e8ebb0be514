import { afterEach, describe, expect, it, vi } from "vitest";
import {
  benchmark,
  cachedMemo,
  formatParamValue,
  isBenchmark,
  isBenchmarkFamily,
  Memo,
  ParameterError,
  ParameterSyntaxError,
  parametrize,
  product,
  type Benchmark,
  type BenchmarkFamily,
  type JsonValue,
} from "nnbench";
import { parseParameters } from "../../src/define/params.js";

function names(family: BenchmarkFamily): string[] {
  return [...family].map((b) => b.name);
}

function info(fn: (...args: never[]) => unknown) {
  const p = parseParameters(fn);
  if (p.kind !== "destructured") throw new Error(`not destructured: ${JSON.stringify(p)}`);
  return p.info;
}

describe("benchmark()", () => {
  it("is named after its function and records options", () => {
    const bm = benchmark(function multiply({ a, b }: { a: number; b: number }) {
      return a * b;
    }, { tags: ["fast"], description: "Multiplies two integers.", repeat: 3, warmup: 1, timeout: 500 });
    expect(isBenchmark(bm)).toBe(true);
    expect(bm.name).toBe("multiply");
    expect(bm.functionName).toBe("multiply");
    expect(bm.tags).toEqual(["fast"]);
    expect(bm.description).toBe("Multiplies two integers.");
    expect(bm.interface.names).toEqual(["a", "b"]);
    expect(bm.interface.required).toEqual(["a", "b"]);
    expect([bm.repeat, bm.warmup, bm.timeout]).toEqual([3, 1, 500]);
    expect([bm.family, bm.familySize, bm.familyIndex]).toEqual(["multiply", 1, 0]);
  });

  it("takes a name option and arrow functions get their variable's name", () => {
    const power = ({ a, b }: { a: number; b: number }) => a ** b;
    expect(benchmark(power).name).toBe("power");
    expect(benchmark(power, { name: "pow" }).name).toBe("pow");
  });

  it("rejects a non-destructuring function unless params names its parameters", () => {
    const f = (p: { a: number }) => p.a;
    expect(() => benchmark(f)).toThrow(ParameterSyntaxError);
    expect(() => benchmark(f)).toThrow(/params/);
    expect(benchmark(f, { params: ["a"] }).interface.names).toEqual(["a"]);
    expect(benchmark(() => 1).interface.names).toEqual([]);
  });

  it("checks its arguments", () => {
    expect(() => benchmark(42 as never)).toThrow(TypeError);
    expect(() => benchmark(() => 1, { repeat: 0 })).toThrow(RangeError);
    expect(() => benchmark(() => 1, { warmup: 1.5 })).toThrow(RangeError);
    expect(() => benchmark(() => 1, { setUp: "x" as never })).toThrow(TypeError);
    expect(() => benchmark(() => 1, { tags: "fast" as never })).toThrow(TypeError);
  });
});

describe("reading parameter names", () => {
  it("understands defaults, renames, nested patterns and rest", () => {
    const i = info(({ n = 10, model: m, opts: { depth = 2 } = {}, ...rest }: Record<string, any>) => [n, m, depth, rest]);
    expect(i.names).toEqual(["n", "model", "opts"]);
    expect(i.required).toEqual(["model"]);
    expect(i.defaults).toEqual({ n: 10 });
    expect(i.rest).toBe(true);
  });

  it("is not fooled by commas and braces in strings, templates, regexes and comments", () => {
    const src = [
      "async function weird(",
      "  /* { fake, params } */ {",
      "    a = 'x, y}',",
      '    b = "{ c, d }", // e, f }',
      "    g = `t ${ { h: 1 }.h }, }`,",
      "    r = /,}/g,",
      "    k = [1, { l: 2 }],",
      "    m = (x => x)(3),",
      "    \"quoted-key\": q = -1.5,",
      "    last",
      "  },",
      "  ignored",
      ") { return 1; }",
    ].join("\n");
    const fn = new Function(`return (${src})`)() as (...args: never[]) => unknown;
    const i = info(fn);
    expect(i.names).toEqual(["a", "b", "g", "r", "k", "m", "quoted-key", "last"]);
    expect(i.required).toEqual(["last"]);
    expect(i.defaults).toEqual({ a: "x, y}", b: "{ c, d }", "quoted-key": -1.5 });
  });

  it("handles arrow, async, generator and method forms", () => {
    expect(info(async ({ a }: { a: number }) => a).names).toEqual(["a"]);
    expect(info(function* gen({ a, b = false }: { a: number; b?: boolean }) { yield a; yield b; }).defaults).toEqual({ b: false });
    const obj = { method({ x, y }: { x: number; y: number }) { return x + y; }, async am({ z }: { z: number }) { return z; } };
    expect(info(obj.method).names).toEqual(["x", "y"]);
    expect(info(obj.am).names).toEqual(["z"]);
    expect(parseParameters((x: number) => x).kind).toBe("positional");
    expect(parseParameters(((x: number) => x) as never).kind).toBe("positional");
    expect(parseParameters(() => 1).kind).toBe("none");
    const key = "computed";
    const cls = class {
      static s({ p = `a${"}"}b` }: { p?: string }) { return p; }
      [key]({ q }: { q: number }) { return q; }
    };
    expect(info(cls.s).defaults).toEqual({});
    expect(info(cls.s).names).toEqual(["p"]);
    expect(info(new cls()[key]).names).toEqual(["q"]);
    expect(parseParameters(cls as never).kind).toBe("positional");
    expect(parseParameters(Math.max).kind).toBe("positional");
    expect(parseParameters((function f(this: unknown, { a }: { a: number }) { return a; }).bind(null)).kind).toBe("positional");
  });

  it("reads what a tokenizer's regex-or-division guess gets wrong, as JavaScript reads it", () => {
    const read = (src: string) => info(new Function(`return (${src})`)() as (...args: never[]) => unknown);
    const cases: [string, string[], string[], Record<string, JsonValue>][] = [
      // Division right after a closing brace, or after a property named like a keyword, is not a regex.
      ["({ a = {} / 2, b = '}', c }) => c", ["a", "b", "c"], ["c"], { b: "}" }],
      ["({ half = range.in / 2, quarter = sizes.of / 4, last }) => last", ["half", "quarter", "last"], ["last"], {}],
      ["({ a = 10 / 2 / 5, b = (4) / 2, c = [8][0] / 2, d }) => d", ["a", "b", "c", "d"], ["d"], {}],
      // Regular expressions holding braces, slashes and quotes.
      ["({ re = /[/{]\\/}'/g, s = '/', t }) => t", ["re", "s", "t"], ["t"], { s: "/" }],
      ["({ f = (x) => /}/.test(x) ? /{/ : /\\//, g }) => g", ["f", "g"], ["g"], {}],
      // Templates with substitutions, nested templates and braces in strings inside them.
      ["({ t = `${'}'}/${`${1}}`}`, u = `plain {`, v }) => v", ["t", "u", "v"], ["v"], { u: "plain {" }],
      // Comments holding braces and commas.
      ["({ /* } */ a = 1 /* { , */, // }, x\n b }) => b", ["a", "b"], ["b"], { a: 1 }],
      // Escapes in keys, names and string defaults; numeric separators in keys.
      ["({ '\\x61b': x = '\\u{7d}', \\u0063 = '\\x7b', 1_000: k }) => x", ["ab", "c", "1000"], ["1000"], { ab: "}", c: "{" }],
    ];
    for (const [src, names, required, defaults] of cases) {
      const i = read(src);
      expect([i.names, i.required, i.defaults], src).toEqual([names, required, defaults]);
    }
  });

  it("reads TypeScript compiler output", async () => {
    const ts = await import("typescript");
    const out = ts.transpileModule(
      "export const f = async function acc({ model, data = 3 }: { model: string; data?: number }, _unused?: string): Promise<number> { return data; };",
      { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } },
    ).outputText;
    const fn = new Function(out.replace("export const f =", "return")) as () => (...args: never[]) => unknown;
    const i = info(fn());
    expect(i.names).toEqual(["model", "data"]);
    expect(i.required).toEqual(["model"]);
  });
});

class NamedMemo extends Memo<number> {
  constructor(readonly id: string) {
    super();
  }
  @cachedMemo
  call(): number {
    return 1;
  }
  override toString(): string {
    return `memo-${this.id}`;
  }
}
class PlainMemo extends Memo<number> {
  @cachedMemo
  call(): number {
    return 2;
  }
}

describe("parametrize() and product()", () => {
  afterEach(() => vi.restoreAllMocks());

  it("names members fn_k1=v1_k2=v2 and memos by class name or toString()", () => {
    const fam = parametrize([{ n: 16, s: "a" }, { n: 64, s: "b" }])(function matmul_sum({ n, s }: { n: number; s: string }) {
      return n + s;
    });
    expect(isBenchmarkFamily(fam)).toBe(true);
    expect(names(fam)).toEqual(["matmul_sum_n=16_s=a", "matmul_sum_n=64_s=b"]);
    const memos = product({ m: [new NamedMemo("x"), new PlainMemo()] })(function f({ m }: { m: number }) {
      return m;
    });
    expect(names(memos)).toEqual(["f_m=memo-x", "f_m=PlainMemo"]);
  });

  it("product varies the last name fastest and knows its size", () => {
    const fam = product({ a: [1, 2], b: ["x", "y", "z"] })(({ a, b }: { a: number; b: string }) => a + b);
    expect(fam.size).toBe(6);
    const members = [...fam];
    expect(members.map((m) => m.bound)).toEqual([
      { a: 1, b: "x" }, { a: 1, b: "y" }, { a: 1, b: "z" },
      { a: 2, b: "x" }, { a: 2, b: "y" }, { a: 2, b: "z" },
    ]);
    expect(members.map((m) => [m.familyIndex, m.familySize, m.family])).toEqual(members.map((_, i) => [i, 6, fam.name]));
  });

  it("supports name templates, plain prefixes and name functions", () => {
    const fn = function accuracy({ model, n }: { model: string; n: number }) {
      return model.length + n;
    };
    expect(names(product({ model: ["a", "b"], n: [1] }, { name: "acc_{model}_{n}" })(fn))).toEqual(["acc_a_1", "acc_b_1"]);
    expect(names(product({ model: ["a"], n: [1] }, { name: "acc" })(fn))).toEqual(["acc_model=a_n=1"]);
    expect(names(product({ model: ["a"], n: [2] }, { name: (p) => `${p.model}-${p.n * 2}` })(fn))).toEqual(["a-4"]);
  });

  it("warns about duplicate names within a family", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const fam = product({ m: [new PlainMemo(), new PlainMemo()] })(function f({ m }: { m: number }) {
      return m;
    });
    expect(names(fam)).toEqual(["f_m=PlainMemo", "f_m=PlainMemo"]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/more than one benchmark named "f_m=PlainMemo"/);
  });

  it("rejects parameters the function does not take", () => {
    const fn = ({ a }: { a: number }) => a;
    expect(() => product({ a: [1], b: [2] } as never)(fn)).toThrow(ParameterError);
    expect(() => parametrize([{ a: 1 }, { a: 2, c: 3 }] as never)(fn)).toThrow(/unexpected parameter "c"/);
    function* sets() {
      yield { a: 1 };
      yield { c: 3 };
    }
    const lazy = parametrize(sets() as never)(fn);
    expect(() => [...lazy]).toThrow(/unexpected parameter "c"/);
  });

  it("consumes a generator lazily, one member at a time, and only once", () => {
    const produced: number[] = [];
    function* sets() {
      for (let n = 0; n < 3; n++) {
        produced.push(n);
        yield { n };
      }
    }
    const fam = parametrize(sets())(({ n }: { n: number }) => n);
    expect(fam.size).toBe(-1);
    expect(produced).toEqual([]);
    const it = fam[Symbol.iterator]();
    expect(it.next().value?.name).toBe("anonymous_n=0".replace("anonymous", fam.functionName));
    expect(produced).toEqual([0]);
    const rest: Benchmark[] = [];
    for (let r = it.next(); r.done !== true; r = it.next()) rest.push(r.value);
    expect(rest.map((b) => b.familyIndex)).toEqual([1, 2]);
    expect(rest.every((b) => b.familySize === -1)).toBe(true);
    expect(() => [...fam]).toThrow(/one-shot iterator/);
  });

  it("an array-fed family can be iterated repeatedly", () => {
    const fam = parametrize([{ n: 1 }, { n: 2 }])(({ n }: { n: number }) => n);
    expect(fam.size).toBe(2);
    expect(names(fam)).toEqual(names(fam));
  });

  it("checks its arguments", () => {
    expect(() => parametrize(5 as never)).toThrow(TypeError);
    expect(() => product({ a: 5 } as never)).toThrow(TypeError);
    expect(() => [...parametrize([5] as never)(({ a }: { a: number }) => a)]).toThrow(TypeError);
  });
});

describe("formatParamValue", () => {
  it("gives short readable names", () => {
    expect(formatParamValue(3)).toBe("3");
    expect(formatParamValue("x")).toBe("x");
    expect(formatParamValue([1, 2])).toBe("[1, 2]");
    expect(formatParamValue(new PlainMemo())).toBe("PlainMemo");
    expect(formatParamValue({ dtype: "float32", shape: [3, 4] })).toBe("Object(float32, [3, 4])");
    expect(formatParamValue(new Map())).toBe("Map");
  });
});
