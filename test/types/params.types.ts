/**
 * Compile-time checks, verified by `tsc --noEmit` (part of `npm test`): a memo passed to a family must
 * produce the type its parameter declares.
 */
import { benchmark, parametrize, product } from "../../src/core.js";
import { cachedMemo, Memo, memo } from "../../src/memo.js";

class Model {
  readonly kind = "model" as const;
  apply(x: number): number {
    return x;
  }
}
class Other {
  readonly kind = "other" as const;
}

class ModelMemo extends Memo<Model> {
  @cachedMemo
  call(): Model {
    return new Model();
  }
}
class AsyncModelMemo extends Memo<Model> {
  @cachedMemo
  async call(): Promise<Model> {
    return new Model();
  }
}
class OtherMemo extends Memo<Other> {
  @cachedMemo
  call(): Other {
    return new Other();
  }
}

const memos: Memo<Model>[] = [new ModelMemo(), new AsyncModelMemo()];
const others: OtherMemo[] = [new OtherMemo()];

// A Memo<Model> fits a parameter of type Model, also with further parameters the run supplies.
product({ model: memos })(function accuracy({ model }: { model: Model }) {
  return model.apply(1);
});
product({ model: [new ModelMemo()], n: [1, 2] })(function acc({ model, n, data }: { model: Model; n: number; data: string }) {
  return model.apply(n) + data.length;
});
product({ model: [new AsyncModelMemo()] })(({ model }: { model: Model }) => model.apply(2));
product({ model: [memo(() => new Model())] })(({ model }: { model: Model }) => model.apply(2));

// A Memo<Other> where a Model is expected does not compile.
// @ts-expect-error Other is not a Model
product({ model: others })(function accuracy({ model }: { model: Model }) {
  return model.apply(1);
});
// @ts-expect-error a plain value of the wrong type does not fit either
product({ n: ["a", "b"] })(({ n }: { n: number }) => n);

parametrize([{ model: new ModelMemo(), n: 1 }])(({ model, n }: { model: Model; n: number }) => model.apply(n));
// @ts-expect-error Other is not a Model
parametrize([{ model: new OtherMemo() }])(({ model }: { model: Model }) => model.apply(1));

// Family names may be functions of the (resolved) parameters.
product({ n: [1, 2] }, { name: (p) => `n${p.n.toFixed(0)}` })(({ n }: { n: number }) => n);

benchmark(({ a, b }: { a: number; b: number }) => a * b);
benchmark(function plain() {
  return 1;
});
