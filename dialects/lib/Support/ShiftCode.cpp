//===- ShiftCode.cpp - Power-of-two weight codes --------------------------===//

#include "shiftadd/Support/ShiftCode.h"

#include <cmath>

namespace shiftadd {

int ShiftCode::encode(float w) const {
  if (w == 0.0f || std::isnan(w))
    return 0;
  if (std::isinf(w)) // saturates like any weight above 2^maxExp
    return w < 0 ? -1 : 1;
  int e = 0;
  // |w| = m * 2^e with m in [0.5, 1); rounding log2|w| to the nearest integer
  // picks e when m >= 1/sqrt(2). m has 24 significant bits, so m*m is exact in
  // double and the comparison has no rounding of its own.
  double m = std::frexp(std::fabs(double(w)), &e);
  int p = m * m >= 0.5 ? e : e - 1;
  if (p > maxExp)
    p = maxExp;
  if (p < minExp())
    return 0;
  int level = maxExp - p + 1;
  return w < 0 ? -level : level;
}

double ShiftCode::value(int level) const {
  if (level == 0)
    return 0.0;
  double magnitude = std::ldexp(1.0, exponent(level));
  return level < 0 ? -magnitude : magnitude;
}

int64_t ShiftCode::integerWeight(int level) const {
  if (level == 0)
    return 0;
  int64_t magnitude = int64_t(1) << (exponent(level) - minExp());
  return level < 0 ? -magnitude : magnitude;
}

std::vector<uint8_t> packLevels(const std::vector<int8_t> &levels, int bits) {
  std::vector<uint8_t> bytes((levels.size() * bits + 7) / 8, 0);
  size_t bit = 0;
  for (int8_t level : levels) {
    unsigned code = level < 0 ? (1u << (bits - 1)) | unsigned(-level) : unsigned(level);
    for (int i = 0; i < bits; ++i, ++bit)
      if (code >> i & 1u)
        bytes[bit / 8] |= uint8_t(1u << (bit % 8));
  }
  return bytes;
}

std::vector<int8_t> unpackLevels(const std::vector<uint8_t> &bytes, size_t count,
                                 int bits) {
  std::vector<int8_t> levels(count);
  size_t bit = 0;
  for (size_t n = 0; n < count; ++n) {
    unsigned code = 0;
    for (int i = 0; i < bits; ++i, ++bit)
      code |= unsigned(bytes[bit / 8] >> (bit % 8) & 1u) << i;
    int magnitude = int(code & ((1u << (bits - 1)) - 1));
    levels[n] = int8_t(code >> (bits - 1) ? -magnitude : magnitude);
  }
  return levels;
}

} // namespace shiftadd
