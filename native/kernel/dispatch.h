// Runtime ISA dispatch for the GEMM kernels: which instruction set the CPU and the operating system
// support (cpuid + XCR0), which one products use now (the NNBENCH_GEMM_ISA environment variable may
// choose a lower one at start), the kernel table of the active ISA per element type, and the FMA
// peak probe that measures what the active ISA can reach on this machine.
#pragma once

#include <cstdint>

#include "kernel_set.h"

namespace nnbench::kernel {

/** Instruction sets a kernel is compiled for, from least to most capable. */
enum class Isa : int { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

/** "portable", "avx2" (AVX2 + FMA) or "avx512" (AVX-512 F/BW/DQ/VL + FMA). */
const char* IsaName(Isa isa);

/** Parses an IsaName(); returns false for any other text. */
bool ParseIsa(const char* name, Isa* out);

/** The most capable ISA that both the CPU and the operating system support (cpuid + XCR0). */
Isa DetectIsa();

/**
 * The ISA that products use now. Initially the one NNBENCH_GEMM_ISA names when this machine
 * supports it, else DetectIsa().
 */
Isa ActiveIsa();

/**
 * Makes products use `isa` (for tests and comparisons). Returns false, changing nothing, when the
 * CPU or this build cannot run it.
 */
bool SetIsa(Isa isa);

/** The kernel table of the active ISA for float32 / float64 products. */
const KernelSet<float>& ActiveKernels(float*);
const KernelSet<double>& ActiveKernels(double*);

/** ActiveKernels for element type T. */
template <typename T>
const KernelSet<T>& ActiveKernels() {
  return ActiveKernels(static_cast<T*>(nullptr));
}

/**
 * Measures the machine's float32 multiply-add throughput with the active ISA: `threads` threads
 * run independent FMA chains for about `seconds`. Returns GFLOP/s (one FMA counts as 2 flops).
 */
double FmaPeakGflops(double seconds, int threads);

/** Runs `loop` (independent multiply-adds; returns the flops done) as FmaPeakGflops does. */
double LoopPeakGflops(double (*loop)(int64_t iters), double seconds, int threads);

}  // namespace nnbench::kernel
