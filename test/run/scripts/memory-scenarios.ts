/**
 * Memory scenarios that need a process of their own (so RSS is theirs alone); prints one JSON line.
 *   node --import tsx memory-scenarios.ts family <tensor|typed|onnx> <dir>
 *   node --import tsx memory-scenarios.ts after-big
 *   node --import tsx memory-scenarios.ts limit
 */
import { benchmark, memo, product, residentBytes, run, Tensor, type BenchmarkFamily } from "nnbench";
import { ensureOnnxModels, inferenceFamily, warmUpRuntime } from "../../../examples/onnxruntime/models.js";

const MiB = 1024 * 1024;
const MODEL_MIB = 64;
const K = 4;
const ELEMENTS = (MODEL_MIB * MiB) / 4;

function tensorFamily(): BenchmarkFamily {
  const models = Array.from({ length: K }, (_, k) => memo(() => {
    const t = Tensor.empty([ELEMENTS], "float32");
    t.data().fill(k + 1);
    return t;
  }, `t${k + 1}`));
  return product({ model: models }, { name: "tensor_{model}" })(function tensorModel({ model }: { model: Tensor<"float32"> }) {
    return model.data()[0]! + model.data()[ELEMENTS - 1]!;
  });
}

function typedFamily(): BenchmarkFamily {
  const models = Array.from({ length: K }, (_, k) => memo(() => ({ weights: new Float32Array(ELEMENTS).fill(k + 1) }), `a${k + 1}`));
  return product({ model: models }, { name: "typed_{model}" })(function typedModel({ model }: { model: { weights: Float32Array } }) {
    return model.weights[0]! + model.weights[ELEMENTS - 1]!;
  });
}

async function family(kind: string, dir: string): Promise<unknown> {
  let fam: BenchmarkFamily;
  if (kind === "onnx") {
    const paths = ensureOnnxModels(dir, K, MODEL_MIB);
    await warmUpRuntime(dir);
    fam = inferenceFamily(paths);
  } else fam = kind === "tensor" ? tensorFamily() : typedFamily();
  // Warm the runner's own code paths, so the family's growth is the models' alone.
  await run([benchmark(function warm() { return 0; })]);
  globalThis.gc?.();
  const before = residentBytes();
  const result = await run([fam], { evict: "auto", memoryTimeline: true, memoryInterval: 2 });
  return { before, modelBytes: MODEL_MIB * MiB, records: result.benchmarks };
}

async function afterBig(): Promise<unknown> {
  const big = benchmark(function allocate512() {
    const a = new Float32Array((512 * MiB) / 4).fill(1);
    return a[a.length - 1];
  });
  const trivial = benchmark(function trivial() {
    return 1 + 1;
  });
  const result = await run([big, trivial]);
  return { records: result.benchmarks };
}

async function limit(): Promise<unknown> {
  const before = benchmark(function before() {
    return 1;
  });
  const greedy = benchmark(
    function greedy() {
      const a = new Float32Array((256 * MiB) / 4).fill(1);
      return a[0];
    },
    { memoryLimit: "64MiB" },
  );
  const after = benchmark(function after() {
    return 2;
  });
  const result = await run([before, greedy, after]);
  return { records: result.benchmarks };
}

const [scenario, arg1, arg2] = process.argv.slice(2);
const out = scenario === "family" ? await family(arg1!, arg2!) : scenario === "after-big" ? await afterBig() : await limit();
process.stdout.write(`${JSON.stringify(out)}\n`);
