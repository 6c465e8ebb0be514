/**
 * The `.npy` header: parsing (defensively: it comes from untrusted files) and formatting.
 * Format reference: NumPy's `numpy.lib.format` (versions 1.0, 2.0 and 3.0).
 */
import { DTypeError, NpyHeaderError } from "../../errors.js";
import { type DType, itemSize } from "../dtype.js";

/** What a `.npy` header says about the array that follows it. */
export interface NpyHeader {
  readonly version: 1 | 2 | 3;
  readonly dtype: DType;
  /** True when the data is big-endian (and has more than one byte per element). */
  readonly bigEndian: boolean;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the data from the start of the `.npy` bytes. */
  readonly dataOffset: number;
  /** Bytes of data the header promises. */
  readonly dataBytes: number;
}

export const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY

/** Bytes to read first: magic, version and the widest HEADER_LEN field. */
export const PREAMBLE_BYTES = 12;

/** The longest header read from a file; longer ones are refused before they are read. */
export const MAX_HEADER_BYTES = 1 << 20;

/** The longest header text accepted, in characters: NumPy's own reader refuses longer ones. */
const MAX_HEADER_CHARS = 10_000;

/** The most dimensions an array may have (NumPy's limit). */
export const MAX_DIMENSIONS = 64;

const DESCR: Readonly<Record<string, DType>> = {
  f2: "float16",
  f4: "float32",
  f8: "float64",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  b1: "bool",
};

const DESCR_OF: Readonly<Partial<Record<DType, string>>> = Object.fromEntries(
  Object.entries(DESCR).map(([code, dtype]) => [dtype, code]),
) as Partial<Record<DType, string>>;

/**
 * Reads the preamble: returns the format version, where the header text starts and its length.
 * `preamble` holds the first bytes of the file (up to PREAMBLE_BYTES).
 */
export function parsePreamble(preamble: Uint8Array): { version: 1 | 2 | 3; headerStart: number; headerLength: number } {
  if (preamble.length < 10) throw new NpyHeaderError(`file is too short to be .npy (${preamble.length} bytes)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (preamble[i] !== MAGIC[i]) throw new NpyHeaderError("not a .npy file (the magic string \\x93NUMPY is missing)");
  }
  const major = preamble[6];
  const minor = preamble[7];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new NpyHeaderError(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  if (major === 1) return { version: 1, headerStart: 10, headerLength: view.getUint16(8, true) };
  if (preamble.length < 12) throw new NpyHeaderError("file is too short for a version 2/3 header length");
  return { version: major, headerStart: 12, headerLength: view.getUint32(8, true) };
}

/** Parses the header text and checks it against the bytes the file holds after it. */
export function parseHeader(
  text: Uint8Array,
  preamble: { version: 1 | 2 | 3; headerStart: number; headerLength: number },
  availableDataBytes: number,
): NpyHeader {
  const decoded = new TextDecoder(preamble.version === 3 ? "utf-8" : "latin1", { fatal: true }).decode(text);
  if (decoded.length > MAX_HEADER_CHARS) {
    throw new NpyHeaderError(`header is ${decoded.length} characters long; NumPy refuses more than ${MAX_HEADER_CHARS}`);
  }
  // NumPy reads the header with ast.literal_eval, then checks the dict as below, rule for rule.
  const dict = new LiteralParser(decoded, preamble.version).parseHeaderDict();
  const keys = [...dict.keys()];
  if (keys.length !== 3 || !["descr", "fortran_order", "shape"].every((k) => dict.has(k))) {
    throw new NpyHeaderError(`header must have exactly the keys 'descr', 'fortran_order' and 'shape'; it has ${keys.map((k) => `'${k}'`).join(", ") || "none"}`);
  }
  const descr = dict.get("descr");
  const fortran = dict.get("fortran_order");
  const tuple = dict.get("shape");
  if (!(tuple instanceof PyTuple) || !tuple.items.every((d): d is bigint => typeof d === "bigint")) {
    throw new NpyHeaderError(`'shape' must be a tuple of integers, not ${describe(tuple)}`);
  }
  const shape = tuple.items;
  if (typeof fortran !== "boolean") throw new NpyHeaderError(`'fortran_order' must be True or False, not ${describe(fortran)}`);
  if (typeof descr !== "string") {
    throw new NpyHeaderError(
      Array.isArray(descr) ? "structured dtypes (a list 'descr') are not supported; save plain arrays" : `'descr' must be a dtype string, not ${describe(descr)}`,
    );
  }
  if (shape.length > MAX_DIMENSIONS) throw new NpyHeaderError(`shape has ${shape.length} dimensions; arrays have at most ${MAX_DIMENSIONS}`);
  const { dtype, bigEndian } = parseDescr(descr);
  let elements = 1n;
  for (const d of shape) {
    if (d < 0n) throw new NpyHeaderError(`shape (${shape.join(", ")}) has a negative dimension`);
    // A zero elsewhere keeps the data empty, but every dimension must still be a safe integer.
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) throw new NpyHeaderError(`shape (${shape.join(", ")}) has a dimension above 2^53 - 1`);
    elements *= d;
  }
  const dataBytes = elements * BigInt(itemSize(dtype));
  if (dataBytes > BigInt(availableDataBytes)) {
    throw new NpyHeaderError(
      `header promises ${dataBytes} data bytes for shape (${shape.join(", ")}) ${descr}, but the file holds ${availableDataBytes}`,
    );
  }
  return {
    version: preamble.version,
    dtype,
    bigEndian,
    fortranOrder: fortran,
    shape: shape.map(Number),
    dataOffset: preamble.headerStart + preamble.headerLength,
    dataBytes: Number(dataBytes),
  };
}

function parseDescr(descr: string): { dtype: DType; bigEndian: boolean } {
  const order = descr[0];
  const code = "<>|=".includes(order ?? "") ? descr.slice(1) : descr;
  const dtype = DESCR[code];
  if (dtype === undefined) {
    if (code.startsWith("O")) throw new NpyHeaderError(`object dtype '${descr}' holds pickled Python objects, which are never loaded`);
    if (code.startsWith("c")) throw new NpyHeaderError(`complex dtype '${descr}' is not supported`);
    throw new NpyHeaderError(`dtype '${descr}' is not supported`);
  }
  return { dtype, bigEndian: order === ">" && itemSize(dtype) > 1 };
}

/** Formats a header (magic through padding) for `dtype` and `shape`: version 1.0, or 2.0 when needed. */
export function formatHeader(dtype: DType, shape: readonly number[]): Uint8Array {
  if (DESCR_OF[dtype] === undefined) {
    throw new DTypeError(`NumPy has no ${dtype} type, so .npy cannot hold it: save it as .safetensors, or astype("float32") first`);
  }
  if (shape.length > MAX_DIMENSIONS) {
    throw new NpyHeaderError(`a tensor of ${shape.length} dimensions cannot be saved: NumPy arrays have at most ${MAX_DIMENSIONS}`);
  }
  const order = itemSize(dtype) === 1 ? "|" : "<";
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  const dict = `{'descr': '${order}${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  for (const version of [1, 2] as const) {
    const prefix = version === 1 ? 10 : 12;
    // Pad with spaces and end with a newline so the data starts on a 64-byte boundary.
    const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
    const headerLength = total - prefix;
    if (version === 1 && headerLength > 0xffff) continue;
    const out = new Uint8Array(total);
    out.set(MAGIC, 0);
    out[6] = version;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (version === 1) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    const text = dict.padEnd(headerLength - 1, " ") + "\n";
    for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
    return out;
  }
  throw new NpyHeaderError("header is too long");
}

/** A Python tuple; a JavaScript array stands for a Python list. */
class PyTuple {
  constructor(readonly items: Literal[]) {}
}

type Literal = string | boolean | bigint | null | Literal[] | PyTuple;

/** A header value as Python would write it, for error messages. */
function describe(value: Literal | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "bigint") return `the integer ${value}`;
  if (typeof value === "string") return `the string '${value}'`;
  if (value instanceof PyTuple) return `(${value.items.map(describe).join(", ")}${value.items.length === 1 ? "," : ""})`;
  return `a list [${value.map(describe).join(", ")}]`;
}

/** Whitespace Python's tokenizer accepts between tokens (JavaScript's \s also takes \xa0 and more). */
const SPACE = new Set([" ", "\t", "\n", "\r", "\f"]);

/** A parser for the small subset of Python literals a `.npy` header uses. Anything else is refused. */
class LiteralParser {
  #pos = 0;

  constructor(
    private readonly text: string,
    /** Versions 1.0 and 2.0 may hold Python 2 long integers (`3L`), which NumPy still reads. */
    private readonly version: 1 | 2 | 3,
  ) {}

  parseHeaderDict(): Map<string, Literal> {
    this.#skipSpace();
    this.#expect("{");
    const out = new Map<string, Literal>();
    for (;;) {
      this.#skipSpace();
      if (this.#peek() === "}") break;
      const key = this.#value();
      if (typeof key !== "string") throw new NpyHeaderError("header dict has a key that is not a string");
      this.#skipSpace();
      this.#expect(":");
      out.set(key, this.#value());
      this.#skipSpace();
      if (this.#peek() === ",") this.#pos++;
      else if (this.#peek() !== "}") throw this.#error("expected ',' or '}'");
    }
    this.#expect("}");
    this.#skipSpace();
    if (this.#pos !== this.text.length) throw this.#error("unexpected text after the header dict");
    return out;
  }

  #value(depth = 0): Literal {
    if (depth > 64) throw this.#error("nesting is too deep");
    this.#skipSpace();
    const c = this.#peek();
    if (c === "'" || c === '"') return this.#string(c);
    if (c === "(") return this.#parenthesized(depth);
    if (c === "[") return this.#sequence("]", depth).items;
    if (c !== undefined && /[0-9+-]/.test(c)) return this.#integer();
    for (const [word, value] of [["True", true], ["False", false], ["None", null]] as const) {
      if (this.text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return value;
      }
    }
    throw this.#error("not a Python literal");
  }

  #string(quote: string): string {
    this.#pos++;
    const end = this.text.indexOf(quote, this.#pos);
    if (end < 0) throw this.#error("unterminated string");
    const s = this.text.slice(this.#pos, end);
    if (s.includes("\\")) throw this.#error("escapes in header strings are not supported");
    this.#pos = end + 1;
    return s;
  }

  /** `()` and `(x,)` are tuples; `(x)` is x itself, as in Python. */
  #parenthesized(depth: number): Literal {
    const { items, trailingComma } = this.#sequence(")", depth);
    return items.length === 1 && !trailingComma ? (items[0] as Literal) : new PyTuple(items);
  }

  #sequence(close: string, depth: number): { items: Literal[]; trailingComma: boolean } {
    this.#pos++;
    const items: Literal[] = [];
    let trailingComma = false;
    for (;;) {
      this.#skipSpace();
      if (this.#peek() === close) break;
      items.push(this.#value(depth + 1));
      this.#skipSpace();
      trailingComma = this.#peek() === ",";
      if (trailingComma) this.#pos++;
      else if (this.#peek() !== close) throw this.#error(`expected ',' or '${close}'`);
    }
    this.#pos++;
    return { items, trailingComma };
  }

  #integer(): bigint {
    const match = (this.version < 3 ? /^[+-]?[0-9]+L?/ : /^[+-]?[0-9]+/).exec(this.text.slice(this.#pos, this.#pos + 64));
    if (match === null) throw this.#error("malformed integer");
    const digits = match[0].replace(/L$/, "");
    // Python refuses leading zeros in a non-zero decimal literal (`03`).
    if (/^[+-]?0+[1-9]/.test(digits)) throw this.#error("integer with a leading zero");
    if (digits.replace(/^[+-]/, "").length > 40) throw this.#error("integer is too long");
    const next = this.text[this.#pos + match[0].length];
    if (next !== undefined && /[.eEjJ]/.test(next)) throw this.#error("shape dimensions must be integers");
    this.#pos += match[0].length;
    return BigInt(digits);
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length && SPACE.has(this.text[this.#pos] ?? "")) this.#pos++;
  }

  #peek(): string | undefined {
    return this.text[this.#pos];
  }

  #expect(c: string): void {
    if (this.#peek() !== c) throw this.#error(`expected '${c}'`);
    this.#pos++;
  }

  #error(what: string): NpyHeaderError {
    return new NpyHeaderError(`header is not a valid Python literal dict: ${what} at offset ${this.#pos}`);
  }
}
