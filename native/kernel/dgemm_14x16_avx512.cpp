// float64 kernels for AVX-512: a 14 x 16 register tile (28 zmm accumulators of 8 doubles).
// Compiled with -mavx512f/bw/dq/vl -mfma.
#include "kernel_set.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

#define NNBENCH_KERNEL_NS avx512_f64
namespace nnbench::kernel::avx512_f64 {
struct Ops {
  using T = double;
  using V = __m512d;
  static constexpr int W = 8;
  static constexpr int kRegisters = 32;
  static V Zero() { return _mm512_setzero_pd(); }
  static V Load(const T* p) { return _mm512_loadu_pd(p); }
  static void Store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static V Broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_pd(a, b); }
  static T ReduceAdd(V v) {
#pragma GCC diagnostic push
    // GCC 12's header passes an "undefined" vector as an unused merge source, then warns about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
    return _mm512_reduce_add_pd(v);
#pragma GCC diagnostic pop
  }
};
}  // namespace nnbench::kernel::avx512_f64
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
constexpr KernelSet<double> kSet =
    avx512_f64::Kernels<avx512_f64::Ops, 14, 2, 256>::Table<24>("14x16 avx512", 12, 256, 6);
}  // namespace
const KernelSet<double>* DgemmKernelsAvx512() { return &kSet; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const KernelSet<double>* DgemmKernelsAvx512() { return nullptr; }
}  // namespace nnbench::kernel
#endif
