/**
 * Reads the parameter names of a benchmark function from its source: the names in the destructuring
 * pattern of its first parameter, which of them have defaults, and the defaults that are plain literals.
 * The source is parsed with acorn, so strings, templates, regular expressions and comments in defaults
 * are read exactly as JavaScript reads them.
 */

import { createRequire } from "node:module";
import type { Expression, Function as FunctionNode, ObjectPattern, Pattern } from "acorn";

/** acorn, loaded on the first function whose parameters are read (importing nnbench does not pay for it). */
let acornModule: typeof import("acorn") | undefined;
function acorn(): typeof import("acorn") {
  return (acornModule ??= createRequire(import.meta.url)("acorn") as typeof import("acorn"));
}
import type { JsonValue, ParamInterface } from "../types.js";

export type { ParamInterface };

/** The result of reading a function's parameter list. */
export type ParsedParameters =
  | { kind: "none" }
  | { kind: "destructured"; info: ParamInterface }
  | { kind: "positional"; reason: string };

/** The expression a wrapped source parses to, or undefined when it is not valid JavaScript. */
function parseExpression(code: string): Expression | undefined {
  try {
    const program = acorn().parse(code, { ecmaVersion: "latest", sourceType: "script", allowAwaitOutsideFunction: true });
    const stmt = program.body[0];
    return program.body.length === 1 && stmt?.type === "ExpressionStatement" ? stmt.expression : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The function node of a function's source text. Function declarations and expressions, arrows and
 * classes parse as an expression; a method (`name(...) {}`, `async *name() {}`, `[key]() {}`, `get x() {}`)
 * parses as the one property of an object literal.
 */
function functionNode(src: string): FunctionNode | "class" | undefined {
  const expr = parseExpression(`(${src}\n)`);
  if (expr?.type === "FunctionExpression" || expr?.type === "ArrowFunctionExpression") return expr;
  if (expr?.type === "ClassExpression") return "class";
  const obj = parseExpression(`({${src}\n})`);
  if (obj?.type !== "ObjectExpression" || obj.properties.length !== 1) return undefined;
  const prop = obj.properties[0];
  if (prop?.type === "Property" && prop.value.type === "FunctionExpression") return prop.value;
  return undefined;
}

/**
 * Reads the parameter list of `fn` from its source text. Understands function declarations and
 * expressions, arrow functions, methods, async and generator functions, and the output of TypeScript and
 * esbuild (which keep destructuring patterns).
 */
export function parseParameters(fn: (...args: never[]) => unknown): ParsedParameters {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return { kind: "positional", reason: "its source is not available (a native or bound function)" };
  const node = functionNode(src);
  if (node === "class") return { kind: "positional", reason: "it is a class" };
  if (node === undefined) return { kind: "positional", reason: "its source could not be parsed" };
  return readFirstParameter(node.params[0]);
}

function readFirstParameter(param: Pattern | undefined): ParsedParameters {
  if (param === undefined) return { kind: "none" };
  // `{ ... } = {}`: a pattern with a default for the whole argument.
  const pattern = param.type === "AssignmentPattern" ? param.left : param;
  switch (pattern.type) {
    case "ObjectPattern": {
      const info = readObjectPattern(pattern);
      return typeof info === "string" ? { kind: "positional", reason: info } : { kind: "destructured", info };
    }
    case "ArrayPattern":
      return { kind: "positional", reason: "it destructures an array" };
    case "RestElement":
      return { kind: "positional", reason: "it takes rest parameters" };
    default:
      return { kind: "positional", reason: "it takes a plain parameter" };
  }
}

/** The name a pattern property binds from the argument (`key`, `"key"`, `1`), or undefined. */
function propertyName(key: Expression, computed: boolean): string | undefined {
  if (computed) return undefined;
  if (key.type === "Identifier") return key.name;
  if (key.type === "Literal" && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return undefined;
}

/** What an object pattern takes, or why it cannot be read. */
function readObjectPattern(pattern: ObjectPattern): ParamInterface | string {
  const names: string[] = [];
  const required: string[] = [];
  const defaults: Record<string, JsonValue> = {};
  let rest = false;
  for (const prop of pattern.properties) {
    if (prop.type === "RestElement") {
      rest = true;
      continue;
    }
    // key, key = default, key: target, key: target = default
    const name = propertyName(prop.key, prop.computed);
    if (name === undefined) return prop.computed ? "it uses a computed property name" : `unexpected ${prop.key.type} in the parameter pattern`;
    names.push(name);
    if (prop.value.type !== "AssignmentPattern") {
      required.push(name);
      continue;
    }
    const v = literalValue(prop.value.right);
    if (v !== undefined) defaults[name] = v;
  }
  return { names, required, defaults, rest };
}

/** The value of a plain literal default (a finite number, string, boolean or null), else undefined. */
function literalValue(e: Expression): JsonValue | undefined {
  if (e.type === "Literal") {
    const v = e.value;
    if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
    if (typeof v === "string" || typeof v === "boolean" || v === null) return "regex" in e && e.regex !== undefined ? undefined : v;
    return undefined;
  }
  if (e.type === "TemplateLiteral" && e.expressions.length === 0) return e.quasis[0]?.value.cooked ?? undefined;
  if (e.type === "UnaryExpression" && (e.operator === "-" || e.operator === "+")) {
    const inner = literalValue(e.argument);
    if (typeof inner !== "number") return undefined;
    return e.operator === "-" ? -inner : inner;
  }
  return undefined;
}
