/**
 * Compile-time checks, verified by `tsc --noEmit` (part of `npm test`): a memo passed to a family must
 * produce the type its parameter declares.
 */
import { benchmark, parametrize, product } from "../../src/define/benchmark.js";
import { cachedMemo, Memo, memo } from "../../src/define/memo.js";
import { Model, Tensor } from "../../src/native/index.js";

/** A stand-in value type that is not a Model. */
class Other {
  readonly kind = "other" as const;
}

class ModelMemo extends Memo<Model> {
  @cachedMemo
  call(): Model {
    return Model.load("model.npz");
  }
}
class AsyncModelMemo extends Memo<Model> {
  @cachedMemo
  async call(): Promise<Model> {
    return Model.loadAsync("model.npz");
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
product({ model: memos })(function accuracy({ model, data }: { model: Model; data: Tensor }) {
  using out = model.apply(data);
  return out.sum();
});
product({ model: [new ModelMemo()], n: [1, 2] })(function acc({ model, n, data }: { model: Model; n: number; data: Tensor }) {
  return model.weights.size + n + data.size;
});
product({ model: [new AsyncModelMemo()] })(({ model }: { model: Model }) => model.weights.size);
product({ model: [memo(() => Model.load("m.npz"))] })(({ model }: { model: Model }) => model.weights.size);
// A memo of tensors fits a Tensor parameter, and not a Model one.
const tensors = [memo(() => Tensor.zeros([2, 2]))];
product({ x: tensors })(({ x }: { x: Tensor }) => x.sum());
// @ts-expect-error a Memo<Tensor> is not a Memo<Model>
product({ model: tensors })(({ model }: { model: Model }) => model.weights.size);

// A Memo<Other> where a Model is expected does not compile.
// @ts-expect-error Other is not a Model
product({ model: others })(function accuracy({ model }: { model: Model }) {
  return model.weights.size;
});
// @ts-expect-error a plain value of the wrong type does not fit either
product({ n: ["a", "b"] })(({ n }: { n: number }) => n);

parametrize([{ model: new ModelMemo(), n: 1 }])(({ model, n }: { model: Model; n: number }) => model.weights.size + n);
// @ts-expect-error Other is not a Model
parametrize([{ model: new OtherMemo() }])(({ model }: { model: Model }) => model.weights.size);

// Family names may be functions of the (resolved) parameters.
product({ n: [1, 2] }, { name: (p) => `n${p.n.toFixed(0)}` })(({ n }: { n: number }) => n);

benchmark(({ a, b }: { a: number; b: number }) => a * b);
benchmark(function plain() {
  return 1;
});
