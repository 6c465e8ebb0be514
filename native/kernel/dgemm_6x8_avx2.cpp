// float64 kernels for AVX2 + FMA: a 6 x 8 register tile (12 ymm accumulators of 4 doubles).
// Compiled with -mavx2 -mfma.
#include "kernel_set.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define NNBENCH_KERNEL_NS avx2_f64
namespace nnbench::kernel::avx2_f64 {
struct Ops {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4;
  static constexpr int kRegisters = 16;
  static V Zero() { return _mm256_setzero_pd(); }
  static V Load(const T* p) { return _mm256_loadu_pd(p); }
  static void Store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V Broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V Add(V a, V b) { return _mm256_add_pd(a, b); }
  static T ReduceAdd(V v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
};
}  // namespace nnbench::kernel::avx2_f64
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
constexpr KernelSet<double> kSet =
    avx2_f64::Kernels<avx2_f64::Ops, 6, 2, 256>::Table<12>("6x8 avx2", 16, 512, 4);
}  // namespace
const KernelSet<double>* DgemmKernelsAvx2() { return &kSet; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const KernelSet<double>* DgemmKernelsAvx2() { return nullptr; }
}  // namespace nnbench::kernel
#endif
