// Extends the parent's b, and adds c, which depends on the parent's a.
export function b({ b }) {
  return b + 1;
}

export function c({ a }) {
  return a * 3;
}
