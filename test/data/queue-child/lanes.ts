import { benchmark } from "nnbench";

// Benchmarks that return the id of the process running them, so that a test can tell which jobs shared a
// worker's child process, among benchmarks that end their process: a crash, a hang and a runaway.
export const first = benchmark(function first(): number {
  return process.pid;
});

export const second = benchmark(function second(): number {
  return process.pid;
});

// Kills its own process the way a native bug would.
export const segfault = benchmark(function segfault(): number {
  process.kill(process.pid, "SIGSEGV");
  return 0;
});

export const afterCrash = benchmark(function after_crash(): number {
  return process.pid;
});

export const againAfterCrash = benchmark(function again_after_crash(): number {
  return process.pid;
});

// Never returns on its own; only a timeout stops it.
export const hangs = benchmark(function hangs(): number {
  const end = Date.now() + 60_000;
  let x = 0;
  while (Date.now() < end) x++;
  return x;
});

export const afterHang = benchmark(function after_hang(): number {
  return process.pid;
});

// Allocates and touches 64 MiB after 64 MiB, up to 2 GiB, unless a memory limit stops it.
export const runaway = benchmark(function runaway(): number {
  const hold: Uint8Array[] = [];
  for (let i = 0; i < 32; i++) hold.push(new Uint8Array(64 * 1024 * 1024).fill(1));
  return hold.length;
});

export const afterRunaway = benchmark(function after_runaway(): number {
  return process.pid;
});
