//===- SignedDigits.h - Non-adjacent form of a constant ---------*- C++ -*-===//
//
// Multiplications by constants become shifts and adds/subs over the constant's
// canonical signed digits, both in generated straight-line code and in
// run-time tables; this is the digit set both use.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_SUPPORT_SIGNEDDIGITS_H
#define SHIFTADD_SUPPORT_SIGNEDDIGITS_H

#include <cstdint>
#include <utility>
#include <vector>

namespace shiftadd {

/// Non-zero digits of the non-adjacent form of `c` modulo 2^width (width in
/// [1, 64]): c = sum (+-2^position) mod 2^width, no two positions adjacent,
/// the fewest non-zero digits of any signed-digit form. Ascending
/// (position, negative) pairs, every position below `width`: a carry out of
/// the top bit is dropped, as integer multiplication wraps.
std::vector<std::pair<unsigned, bool>> nonAdjacentForm(uint64_t c, unsigned width);

} // namespace shiftadd

#endif // SHIFTADD_SUPPORT_SIGNEDDIGITS_H
