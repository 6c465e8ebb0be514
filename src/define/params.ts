/**
 * Reads the parameter names of a benchmark function from its source: the names in the destructuring
 * pattern of its first parameter, which of them have defaults, and the defaults that are plain literals.
 */

import { NnbenchError, ParameterSyntaxError } from "../errors.js";
import type { JsonValue, ParamInterface } from "../types.js";

export type { ParamInterface };

type TokenKind = "id" | "str" | "num" | "punct" | "template" | "regex";

interface Token {
  kind: TokenKind;
  text: string;
  /** The decoded value of a string token. */
  value?: string;
}

const REGEX_AFTER = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%", "<", ">", "~", "^", "=>"]);
const REGEX_AFTER_WORD = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else"]);
const PUNCT3 = ["...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??="];
const PUNCT2 = ["=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "**", "<<", ">>"];

function isIdStart(c: string): boolean {
  return /[\p{L}\p{Nl}$_]/u.test(c);
}
function isIdPart(c: string): boolean {
  return /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$_\u200c\u200d]/u.test(c);
}

function decodeString(body: string): string | undefined {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return undefined;
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0" };
    if (n in simple) out += simple[n];
    else if (n === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (n === "x" || n === "u") return undefined;
    else if (n === "\n") continue;
    else out += n;
  }
  return out;
}

/**
 * Splits JavaScript source into tokens, lazily, skipping whitespace and comments. Template literals and
 * regular expressions come out as single tokens, so commas and braces inside them never confuse the parser.
 */
function* tokenize(src: string): Generator<Token> {
  for (const [t] of tokenizeWithPos(src, 0)) yield t;
}

/** The tokenizer proper: yields each token with the index just past it. */
function* tokenizeWithPos(src: string, start: number): Generator<[Token, number]> {
  const n = src.length;
  let i = start;
  let prev: Token | undefined;

  // Returns the index just past the template literal whose backtick is at `s`.
  const skipTemplate = (s: number): number => {
    let j = s + 1;
    while (j < n) {
      const c = src[j]!;
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && src[j + 1] === "{") j = skipSubstitution(j + 1);
      else j++;
    }
    throw new Error("unterminated template literal");
  };
  // Returns the index just past the `}` that closes the `${` substitution whose brace is at `open`.
  const skipSubstitution = (open: number): number => {
    let depth = 0;
    for (const [t, end] of tokenizeWithPos(src, open)) {
      if (t.kind !== "punct") continue;
      if (t.text === "{" || t.text === "(" || t.text === "[") depth++;
      else if (t.text === "}" || t.text === ")" || t.text === "]") {
        depth--;
        if (depth === 0) return end;
      }
    }
    throw new Error("unbalanced template literal");
  };

  while (i < n) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const e = src.indexOf("\n", i);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const e = src.indexOf("*/", i + 2);
      if (e < 0) throw new Error("unterminated comment");
      i = e + 2;
      continue;
    }
    let tok: Token;
    const s = i;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === "\\") j++;
        j++;
      }
      if (j >= n) throw new Error("unterminated string");
      const body = src.slice(i + 1, j);
      const value = decodeString(body);
      tok = value === undefined ? { kind: "str", text: src.slice(s, j + 1) } : { kind: "str", text: src.slice(s, j + 1), value };
      i = j + 1;
    } else if (c === "`") {
      i = skipTemplate(i);
      tok = { kind: "template", text: src.slice(s, i) };
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?)n?/.exec(
        src.slice(i),
      );
      const text = m ? m[0] : c;
      i += text.length;
      tok = { kind: "num", text };
    } else if (isIdStart(c) || c === "\\" || c === "#") {
      let j = i + 1;
      while (j < n && isIdPart(src[j]!)) j++;
      i = j;
      tok = { kind: "id", text: src.slice(s, j) };
    } else if (
      c === "/" &&
      (prev === undefined ||
        (prev.kind === "punct" && REGEX_AFTER.has(prev.text)) ||
        (prev.kind === "id" && REGEX_AFTER_WORD.has(prev.text)))
    ) {
      let j = i + 1;
      let inClass = false;
      while (j < n) {
        const d = src[j]!;
        if (d === "\\") j++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        else if (d === "\n") throw new Error("unterminated regular expression");
        j++;
      }
      j++;
      while (j < n && isIdPart(src[j]!)) j++;
      i = j;
      tok = { kind: "regex", text: src.slice(s, j) };
    } else {
      const three = src.slice(i, i + 3);
      const two = src.slice(i, i + 2);
      const text = PUNCT3.includes(three) ? three : PUNCT2.includes(two) ? two : c;
      i += text.length;
      tok = { kind: "punct", text };
    }
    prev = tok;
    yield [tok, i];
  }
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Reads tokens from `it` up to and including the bracket that closes `open` (already consumed). */
function readGroup(it: Iterator<Token>, open: string): Token[] {
  const stack = [OPEN[open]!];
  const out: Token[] = [];
  for (;;) {
    const r = it.next();
    if (r.done) throw new Error(`unbalanced ${open}`);
    const t = r.value;
    if (t.kind === "punct") {
      if (t.text in OPEN) stack.push(OPEN[t.text]!);
      else if (t.text === ")" || t.text === "]" || t.text === "}") {
        if (stack.pop() !== t.text) throw new Error(`mismatched ${t.text}`);
        if (stack.length === 0) return out;
      }
    }
    out.push(t);
  }
}

/** Splits a token list at commas that are not nested in brackets. */
function splitTopLevel(tokens: readonly Token[], sep = ","): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct") {
      if (t.text in OPEN) depth++;
      else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
      else if (t.text === sep && depth === 0) {
        parts.push([]);
        continue;
      }
    }
    parts[parts.length - 1]!.push(t);
  }
  if (parts.length > 0 && parts[parts.length - 1]!.length === 0) parts.pop();
  return parts;
}

/** Returns the index of the first top-level `=` in `tokens`, or -1. */
function topLevelIndex(tokens: readonly Token[], text: string): number {
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== "punct") continue;
    if (t.text in OPEN) depth++;
    else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
    else if (t.text === text && depth === 0) return k;
  }
  return -1;
}

function literalValue(tokens: readonly Token[]): JsonValue | undefined {
  const [a, b, extra] = tokens;
  if (extra !== undefined || a === undefined) return undefined;
  if (b === undefined) {
    if (a.kind === "num" && !a.text.endsWith("n")) {
      const v = Number(a.text.replace(/_/g, ""));
      return Number.isFinite(v) ? v : undefined;
    }
    if (a.kind === "str") return a.value;
    if (a.kind === "template" && !a.text.includes("${")) return decodeString(a.text.slice(1, -1));
    if (a.kind === "id") {
      if (a.text === "true") return true;
      if (a.text === "false") return false;
      if (a.text === "null") return null;
    }
    return undefined;
  }
  if (a.kind === "punct" && (a.text === "-" || a.text === "+") && b.kind === "num") {
    const inner = literalValue([b]);
    return typeof inner === "number" ? (a.text === "-" ? -inner : inner) : undefined;
  }
  return undefined;
}

/** The result of reading a function's parameter list. */
export type ParsedParameters =
  | { kind: "none" }
  | { kind: "destructured"; info: ParamInterface }
  | { kind: "positional"; reason: string };

/**
 * Reads the parameter list of `fn` from its source text. Understands function declarations and
 * expressions, arrow functions, methods, async and generator functions, and the output of TypeScript and
 * esbuild (which keep destructuring patterns).
 */
export function parseParameters(fn: (...args: never[]) => unknown): ParsedParameters {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return { kind: "positional", reason: "its source is not available (a native or bound function)" };
  let it: Iterator<Token>;
  try {
    it = tokenize(src)[Symbol.iterator]();
    return parseFrom(it);
  } catch (e) {
    return { kind: "positional", reason: e instanceof Error ? e.message : String(e) };
  }
}

function parseFrom(it: Iterator<Token>): ParsedParameters {
  const first: Token[] = [];
  let paramTokens: Token[] | undefined;
  for (;;) {
    const r = it.next();
    if (r.done) break;
    const t = r.value;
    if (t.kind === "punct" && t.text === "=>") {
      // `x => ...` or `async x => ...`: one positional parameter.
      const last = first[first.length - 1];
      if (last && last.kind === "id") return { kind: "positional", reason: "it takes a plain parameter" };
      break;
    }
    if (t.kind === "punct" && t.text === "[" && first.length === 0) {
      readGroup(it, "["); // computed method name
      first.push({ kind: "id", text: "<computed>" });
      continue;
    }
    if (t.kind === "punct" && t.text === "(") {
      paramTokens = readGroup(it, "(");
      break;
    }
    if (t.kind === "punct" && (t.text === "{" || t.text === "}")) break;
    first.push(t);
  }
  if (paramTokens === undefined) return { kind: "positional", reason: "its parameter list was not found" };
  const params = splitTopLevel(paramTokens);
  const head = params[0];
  if (head === undefined || head.length === 0) return { kind: "none" };
  const t0 = head[0]!;
  if (t0.kind === "punct" && t0.text === "{") return { kind: "destructured", info: parseObjectPattern(head) };
  if (t0.kind === "punct" && t0.text === "[") return { kind: "positional", reason: "it destructures an array" };
  if (t0.kind === "punct" && t0.text === "...") return { kind: "positional", reason: "it takes rest parameters" };
  return { kind: "positional", reason: "it takes a plain parameter" };
}

function parseObjectPattern(param: readonly Token[]): ParamInterface {
  // `param` is `{ ... }` optionally followed by `= default`.
  const it = param[Symbol.iterator]();
  it.next(); // "{"
  const body = readGroup(it, "{");
  const names: string[] = [];
  const required: string[] = [];
  const defaults: Record<string, JsonValue> = {};
  let rest = false;
  for (const entry of splitTopLevel(body)) {
    const k0 = entry[0];
    if (k0 === undefined) continue;
    if (k0.kind === "punct" && k0.text === "...") {
      rest = true;
      continue;
    }
    let name: string;
    if (k0.kind === "id") name = k0.text;
    else if (k0.kind === "str" && k0.value !== undefined) name = k0.value;
    else if (k0.kind === "num") name = String(Number(k0.text));
    else if (k0.kind === "punct" && k0.text === "[") throw new Error("it uses a computed property name");
    else throw new Error(`unexpected ${k0.text} in the parameter pattern`);
    // key, key = default, key: target, key: target = default
    const eq = topLevelIndex(entry, "=");
    const hasDefault = eq >= 0;
    names.push(name);
    if (!hasDefault) required.push(name);
    else {
      const v = literalValue(entry.slice(eq + 1));
      if (v !== undefined) defaults[name] = v;
    }
  }
  return { names, required, defaults, rest };
}
