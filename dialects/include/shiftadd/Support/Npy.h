//===- Npy.h - NumPy .npy files of integers ---------------------*- C++ -*-===//
//
// Reads and writes the .npy format (version 1.0/2.0, C order, little-endian
// signed integers) that the tools use for tensors; free of MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_SUPPORT_NPY_H
#define SHIFTADD_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace shiftadd {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<int64_t> data; ///< row-major, widened to 64 bits
};

/// Parses a .npy file's bytes. On failure returns false and sets `error` to a
/// message without the file name.
bool parseNpy(const std::string &bytes, NpyArray &array, std::string &error);

/// Serialises `array` as .npy with elements of `bytesPerElement` (1, 2, 4, 8).
std::string serializeNpy(const NpyArray &array, int bytesPerElement);

} // namespace shiftadd

#endif // SHIFTADD_SUPPORT_NPY_H
