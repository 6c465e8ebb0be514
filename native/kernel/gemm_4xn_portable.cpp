// Portable kernels in plain C++ (no ISA flags), for CPUs without AVX2 + FMA and non-x86 targets:
// a 4 x 8 float32 tile and a 4 x 4 float64 tile over short fixed-size arrays, which the compiler
// maps onto whatever baseline SIMD the target has.
#include "kernel_set.h"

#define NNBENCH_KERNEL_NS portable
namespace nnbench::kernel::portable {

template <typename E, int N>
struct Ops {
  using T = E;
  struct V {
    T v[N];
  };
  static constexpr int W = N;
  static V Zero() {
    V r;
    for (int i = 0; i < N; ++i) r.v[i] = T(0);
    return r;
  }
  static V Load(const T* p) {
    V r;
    for (int i = 0; i < N; ++i) r.v[i] = p[i];
    return r;
  }
  static void Store(T* p, V v) {
    for (int i = 0; i < N; ++i) p[i] = v.v[i];
  }
  static V Broadcast(const T* p) {
    V r;
    for (int i = 0; i < N; ++i) r.v[i] = *p;
    return r;
  }
  // Written as a multiply then an add: without FMA hardware a fused call would be a slow library
  // routine. The rounding differs from a fused FMA by at most one ulp per step.
  static V Fma(V a, V b, V c) {
    V r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] * b.v[i] + c.v[i];
    return r;
  }
  static V Add(V a, V b) {
    V r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] + b.v[i];
    return r;
  }
  static T ReduceAdd(V v) {
    T s = v.v[0];
    for (int i = 1; i < N; ++i) s += v.v[i];
    return s;
  }
};

}  // namespace nnbench::kernel::portable
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
using F32 = portable::Kernels<portable::Ops<float, 4>, 4, 2, 256>;
using F64 = portable::Kernels<portable::Ops<double, 2>, 4, 2, 256>;
constexpr KernelSet<float> kFloat = F32::Table<8>("4x8 portable", 32, 512);
constexpr KernelSet<double> kDouble = F64::Table<8>("4x4 portable", 32, 1024);
}  // namespace
const KernelSet<float>* SgemmKernelsPortable() { return &kFloat; }
const KernelSet<double>* DgemmKernelsPortable() { return &kDouble; }
}  // namespace nnbench::kernel
