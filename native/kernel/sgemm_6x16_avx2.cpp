// float32 kernels for AVX2 + FMA: a 6 x 16 register tile (12 ymm accumulators, two B vectors and
// one broadcast A value within the 16 ymm registers). Compiled with -mavx2 -mfma.
#include "kernel_set.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define NNBENCH_KERNEL_NS avx2_f32
namespace nnbench::kernel::avx2_f32 {
struct Ops {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  static constexpr int kRegisters = 16;
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const T* p) { return _mm256_loadu_ps(p); }
  static void Store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V Broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static T ReduceAdd(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
}  // namespace nnbench::kernel::avx2_f32
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
// 12 x 8 for 5 to 8 columns, which would fill at most half of the 6 x 16 tile's lanes.
constexpr KernelSet<float> kNarrow =
    avx2_f32::Kernels<avx2_f32::Ops, 12, 1, 256>::Table<12>("12x8 avx2", 16, 512, 4);
constexpr KernelSet<float> kSet =
    avx2_f32::Kernels<avx2_f32::Ops, 6, 2, 256>::Table<12>("6x16 avx2", 32, 256, 4, &kNarrow);
}  // namespace
const KernelSet<float>* SgemmKernelsAvx2() { return &kSet; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const KernelSet<float>* SgemmKernelsAvx2() { return nullptr; }
}  // namespace nnbench::kernel
#endif
