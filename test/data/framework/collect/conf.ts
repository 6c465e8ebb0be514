// Fixtures for the benchmarks in this directory tree (the analog of nnbench's conf.py).
const calls = ((globalThis as { __nnbenchFixtureCalls?: Record<string, number> }).__nnbenchFixtureCalls ??= {});

export function a(): number {
  calls.a = (calls.a ?? 0) + 1;
  return 2;
}

export function b(): number {
  calls.b = (calls.b ?? 0) + 1;
  return 10;
}
