export {
  AbsDiffLessEqual,
  BUILTIN_COMPARATORS,
  GreaterEqual,
  LessEqual,
  loadComparisonFile,
  makeComparator,
  type Comparator,
  type ComparatorSpec,
} from "./comparators.js";
export { parseThreshold, THRESHOLD_FIELDS, type Threshold } from "./thresholds.js";
export { contextWarnings, workerWarnings } from "./environment.js";
export { compare, type CheckResult, type CompareOptions, type Comparison, type ComparisonRow } from "./compare.js";
export { renderComparison, type RenderComparisonOptions } from "./render.js";
