// Prefetch requests for the rows of C a tile is about to read and write. Included by the ISA
// translation units only; each keeps its own copy (internal linkage), compiled with its own flags.
#pragma once

#include <cstdint>

namespace nnbench::kernel {
namespace {

/** Asks for the first and last lines of `cols` elements of C from `row`, to be written. */
template <typename T>
inline __attribute__((always_inline)) void PrefetchRow(const T* row, int64_t cols) {
  __builtin_prefetch(row, 1, 3);
  __builtin_prefetch(row + cols - 1, 1, 3);
}

/** Brings the C lines of a rows x cols tile at c (row stride ldc) towards L1 now. */
template <typename T>
inline __attribute__((always_inline)) void PrefetchTile(const T* c, int64_t ldc, int64_t rows,
                                                        int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) PrefetchRow(c + i * ldc, cols);
}

}  // namespace
}  // namespace nnbench::kernel
