import { benchmark } from "nnbench";

// Never returns on its own; only a timeout stops it.
export const hangs = benchmark(function hangs(): number {
  const end = Date.now() + 60_000;
  let x = 0;
  while (Date.now() < end) x++;
  return x;
});

export const afterHang = benchmark(function after_hang(): number {
  return 4;
});
