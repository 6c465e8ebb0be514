// float32 kernels for AVX-512: a 14 x 32 register tile (28 zmm accumulators, two B vectors and
// one broadcast A value fill the 32 zmm registers). Compiled with -mavx512f/bw/dq/vl -mfma.
#include "kernel_set.h"

#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>

#define NNBENCH_KERNEL_NS avx512_f32
namespace nnbench::kernel::avx512_f32 {
struct Ops {
  using T = float;
  using V = __m512;
  static constexpr int W = 16;
  static constexpr int kRegisters = 32;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const T* p) { return _mm512_loadu_ps(p); }
  static void Store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static V Broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static T ReduceAdd(V v) {
#pragma GCC diagnostic push
    // GCC 12's header passes an "undefined" vector as an unused merge source, then warns about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
    return _mm512_reduce_add_ps(v);
#pragma GCC diagnostic pop
  }
};
}  // namespace nnbench::kernel::avx512_f32
#include "gemm_impl.h"

namespace nnbench::kernel {
namespace {
// 10 x 16 for 9 to 16 columns, which would fill only half of the 14 x 32 tile's lanes. These
// products read A in place; ten rows rather than fourteen stay within L1's associativity when
// A's row stride is a multiple of 4 KiB (measured 25% faster at 4096 x 4096 @ 4096 x 16).
constexpr KernelSet<float> kNarrow =
    avx512_f32::Kernels<avx512_f32::Ops, 10, 1, 512>::Table<24>("10x16 avx512", 16, 256, 8);
// 11 x 32 for products that read A in place (at most 8 column panels), for the same reason.
constexpr KernelSet<float> kInPlace =
    avx512_f32::Kernels<avx512_f32::Ops, 11, 2, 512>::Table<24>("11x32 avx512", 15, 128, 8);
constexpr KernelSet<float> kSet = avx512_f32::Kernels<avx512_f32::Ops, 14, 2, 512>::Table<24>(
    "14x32 avx512", 12, 128, 8, &kNarrow, &kInPlace);
}  // namespace
const KernelSet<float>* SgemmKernelsAvx512() { return &kSet; }
}  // namespace nnbench::kernel
#else
namespace nnbench::kernel {
const KernelSet<float>* SgemmKernelsAvx512() { return nullptr; }
}  // namespace nnbench::kernel
#endif
