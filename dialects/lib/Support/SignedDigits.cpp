//===- SignedDigits.cpp - Non-adjacent form of a constant -----------------===//

#include "shiftadd/Support/SignedDigits.h"

namespace shiftadd {

std::vector<std::pair<unsigned, bool>> nonAdjacentForm(uint64_t c, unsigned width) {
  std::vector<std::pair<unsigned, bool>> digits;
  for (unsigned position = 0; position < width && c != 0; ++position, c >>= 1) {
    // c holds the bits from `position` up, below 2^(width - position).
    uint64_t mask = width - position >= 64 ? ~uint64_t(0) : (uint64_t(1) << (width - position)) - 1;
    c &= mask;
    if (!(c & 1))
      continue;
    bool negative = c & 2; // c = 3 (mod 4): digit -1, carry into the next bit
    digits.push_back({position, negative});
    c = (negative ? c + 1 : c - 1) & mask;
  }
  return digits;
}

} // namespace shiftadd
