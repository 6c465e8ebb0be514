// Byte moving and reductions over raw tensor storage; no JavaScript here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dtype.h"

namespace nnbench {

/** Reverses the byte order of `count` elements of `item_size` bytes, in place. */
void ByteSwap(uint8_t* data, size_t count, size_t item_size);

/**
 * Copies an array stored in Fortran order into C order: `src` holds the elements of `shape` with
 * the first index varying fastest; `dst` receives them with the last index varying fastest.
 */
void FortranToC(const uint8_t* src, uint8_t* dst, const std::vector<size_t>& shape, size_t item_size);

/** Sum of `count` elements as a float64 accumulation (pairwise, so long sums stay accurate). */
double Sum(const uint8_t* data, size_t count, DType dtype);

/**
 * Reads `length` bytes at `position` of the open file `fd` into `dst` (retrying short reads; large
 * reads are split over threads). Returns the bytes read, fewer only at end of file. On an I/O error
 * returns -1 and sets `error`. With `crc`, also updates *crc (zlib's CRC-32) with the bytes read,
 * each thread over its own range while the bytes are in its cache.
 */
int64_t ReadAt(int fd, uint64_t position, uint8_t* dst, size_t length, std::string* error,
               uint32_t* crc = nullptr);

/** Writes `length` bytes from `src` at `position` of `fd`. Returns false and sets `error` on failure. */
bool WriteAt(int fd, uint64_t position, const uint8_t* src, size_t length, std::string* error);

}  // namespace nnbench
