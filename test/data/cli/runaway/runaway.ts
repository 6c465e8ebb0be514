import { benchmark } from "nnbench";

export const beforeRunaway = benchmark(function before_runaway(): number {
  return 7;
});

// Allocates and touches 64 MiB after 64 MiB, up to 2 GiB, unless something stops it.
export const runaway = benchmark(function runaway(): number {
  const hold: Uint8Array[] = [];
  for (let i = 0; i < 32; i++) hold.push(new Uint8Array(64 * 1024 * 1024).fill(1));
  return hold.length;
});

export const afterRunaway = benchmark(function after_runaway(): number {
  return 8;
});
