//===- ShiftCode.h - Power-of-two weight codes ------------------*- C++ -*-===//
//
// Encoding, decoding and flash packing of shift weights (spec section 3),
// free of MLIR so that every tool and test can use it.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_SUPPORT_SHIFTCODE_H
#define SHIFTADD_SUPPORT_SHIFTCODE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shiftadd {

/// The code of a shift layer: `bits` in [2, 8] and the largest exponent.
struct ShiftCode {
  int bits = 5;
  int maxExp = 0;

  /// Largest |level|: 2^(bits-1) - 1.
  int levels() const { return (1 << (bits - 1)) - 1; }
  /// Smallest exponent: maxExp - levels() + 1.
  int minExp() const { return maxExp - levels() + 1; }
  /// Whether bits and maxExp are in their documented ranges.
  bool isValid() const {
    return bits >= 2 && bits <= 8 && maxExp >= -32 && maxExp <= 32;
  }

  /// Level of a real weight: log-domain rounding, saturation above, flush to
  /// zero below (spec section 3, "Encoding a real weight"). NaN encodes as 0.
  int encode(float w) const;
  /// Exponent p of a non-zero level (w = sign * 2^p).
  int exponent(int level) const { return maxExp - (level < 0 ? -level : level) + 1; }
  /// The real weight of a level.
  double value(int level) const;
  /// The integer weight sign(k) * 2^(levels - |k|) the arithmetic uses; 0 for 0.
  int64_t integerWeight(int level) const;
};

/// Packs levels into `bits`-bit sign-magnitude codes, least significant bit
/// first (spec section 3, "Packed storage").
std::vector<uint8_t> packLevels(const std::vector<int8_t> &levels, int bits);

/// Inverse of packLevels for `count` weights.
std::vector<int8_t> unpackLevels(const std::vector<uint8_t> &bytes, size_t count,
                                 int bits);

} // namespace shiftadd

#endif // SHIFTADD_SUPPORT_SHIFTCODE_H
