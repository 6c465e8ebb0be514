/**
 * A small ONNX writer: a one-node MatMul graph `y = x @ W` with W a float32 initializer, encoded as the
 * ONNX protobuf by hand (only the fields this graph needs). With `externalData` the weights go to a file
 * beside the model, as ONNX external data, which onnxruntime can map instead of copying.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { basename } from "node:path";

const FLOAT = 1;

/** A protobuf message under construction: fields appended in order. */
class Message {
  readonly parts: Uint8Array[] = [];
  length = 0;

  #push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  #varint(v: number | bigint): this {
    let n = BigInt(v);
    const out: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      out.push(b);
    } while (n > 0n);
    return this.#push(Uint8Array.from(out));
  }

  int(field: number, v: number): this {
    return this.#varint((field << 3) | 0).#varint(v);
  }

  bytes(field: number, data: Uint8Array): this {
    return this.#varint((field << 3) | 2).#varint(data.length).#push(data);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    this.#varint((field << 3) | 2).#varint(m.length);
    for (const p of m.parts) this.#push(p);
    return this;
  }
}

function valueInfo(name: string, dims: readonly (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === "number" ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/** Options of `writeMatMulModel`. */
export interface MatMulModelOptions {
  /** Rows of W (the input's feature count). */
  inFeatures: number;
  /** Columns of W (the output's feature count). */
  outFeatures: number;
  /** Fills W: value of element `i` (row-major). Default: a model-specific constant pattern. */
  weight?: (i: number) => number;
  /** Write W to `<model>.weights` as ONNX external data instead of inside the model file. */
  externalData?: boolean;
}

/** Builds the W bytes in chunks so a large model never needs a second copy in memory. */
function* weightChunks(count: number, weight: (i: number) => number): Generator<Uint8Array> {
  const chunk = 1 << 20;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = weight(start + i);
    yield new Uint8Array(a.buffer);
  }
}

/**
 * Writes an ONNX model file computing `y = x @ W` for `x` of shape `[batch, inFeatures]` (input "x",
 * output "y"). Returns the bytes W takes.
 */
export function writeMatMulModel(path: string, options: MatMulModelOptions): number {
  const { inFeatures, outFeatures } = options;
  const count = inFeatures * outFeatures;
  const weightBytes = count * 4;
  const weight = options.weight ?? ((i: number) => ((i % 13) - 6) / 64);
  const tensor = new Message().int(1, inFeatures).int(1, outFeatures).int(2, FLOAT).string(8, "W");
  const weightsPath = `${path}.weights`;
  if (options.externalData === true) {
    // TensorProto.external_data (13) key/value pairs, data_location (14) = EXTERNAL (1).
    const entry = (k: string, v: string) => new Message().string(1, k).string(2, v);
    tensor.message(13, entry("location", basename(weightsPath))).message(13, entry("offset", "0")).message(13, entry("length", String(weightBytes)));
    tensor.int(14, 1);
  }
  const node = new Message().string(1, "x").string(1, "W").string(2, "y").string(3, "matmul").string(4, "MatMul");
  const graph = new Message().message(1, node).string(2, "matmul");
  const fd = openSync(path, "w");
  try {
    const write = (m: Message) => {
      for (const p of m.parts) writeSync(fd, p);
    };
    // TensorProto.raw_data (9) goes last, streamed from chunks.
    const inline = options.externalData !== true;
    const tensorLength = tensor.length + (inline ? 1 + varintLength(weightBytes) + weightBytes : 0);
    const model = new Message().int(1, 8).string(2, "nnbench").message(8, new Message().string(1, "").int(2, 13));
    // ModelProto.graph (7) holds: node, name, initializer (5) [tensor], input (11), output (12).
    const io = new Message().message(11, valueInfo("x", ["batch", inFeatures])).message(12, valueInfo("y", ["batch", outFeatures]));
    const initHeaderLength = 1 + varintLength(tensorLength);
    const graphLength = graph.length + initHeaderLength + tensorLength + io.length;
    write(model);
    writeSync(fd, Uint8Array.from([(7 << 3) | 2, ...varintBytes(graphLength)]));
    write(graph);
    writeSync(fd, Uint8Array.from([(5 << 3) | 2, ...varintBytes(tensorLength)]));
    write(tensor);
    if (inline) {
      writeSync(fd, Uint8Array.from([(9 << 3) | 2, ...varintBytes(weightBytes)]));
      for (const c of weightChunks(count, weight)) writeSync(fd, c);
    }
    write(io);
  } finally {
    closeSync(fd);
  }
  if (options.externalData === true) {
    const wfd = openSync(weightsPath, "w");
    try {
      for (const c of weightChunks(count, weight)) writeSync(wfd, c);
    } finally {
      closeSync(wfd);
    }
  }
  return weightBytes;
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  let n = v;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function varintLength(v: number): number {
  return varintBytes(v).length;
}
