// Portable kernels in plain C++ (no ISA flags), for CPUs without AVX2 + FMA and non-x86 targets:
// a 4 x 8 float32 tile and a 4 x 4 float64 tile over the compiler's generic vectors, which it maps
// onto whatever baseline SIMD the target has.
#include "kernel_set.h"

#define NNBENCH_KERNEL_NS portable
namespace nnbench::kernel::portable {

template <typename E, int N>
struct Ops {
  using T = E;
  // A GCC/Clang generic vector: the compiler lowers it to the target's baseline SIMD registers
  // (SSE2 on x86-64, NEON on arm64) or to scalars where there are none.
  typedef E V __attribute__((vector_size(sizeof(E) * N)));
  static constexpr int W = N;
  static constexpr int kRegisters = 16;  // SSE2 and NEON have at least 16
  static V Zero() { return V{}; }
  static V Load(const T* p) {
    V r;
    __builtin_memcpy(&r, p, sizeof(V));
    return r;
  }
  static void Store(T* p, V v) { __builtin_memcpy(p, &v, sizeof(V)); }
  static V Broadcast(const T* p) { return V{} + *p; }
  // Written as a multiply then an add: without FMA hardware a fused call would be a slow library
  // routine. The rounding differs from a fused FMA by at most one ulp per step.
  static V Fma(V a, V b, V c) { return a * b + c; }
  static V Add(V a, V b) { return a + b; }
  static T ReduceAdd(V v) {
    T s = v[0];
    for (int i = 1; i < N; ++i) s += v[i];
    return s;
  }
};

}  // namespace nnbench::kernel::portable
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
using F32 = portable::Kernels<portable::Ops<float, 4>, 4, 2, 256>;
using F64 = portable::Kernels<portable::Ops<double, 2>, 4, 2, 256>;
constexpr KernelSet<float> kFloat = F32::Table<8>("4x8 portable", 32, 512, 4);
constexpr KernelSet<double> kDouble = F64::Table<8>("4x4 portable", 32, 1024, 2);
}  // namespace
const KernelSet<float>* SgemmKernelsPortable() { return &kFloat; }
const KernelSet<double>* DgemmKernelsPortable() { return &kDouble; }
}  // namespace nnbench::kernel
