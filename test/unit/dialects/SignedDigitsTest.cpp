// Non-adjacent form: exact modulo 2^width, no adjacent digits, minimal count.
#include "shiftadd/Support/SignedDigits.h"

#include <gtest/gtest.h>

#include <random>

using shiftadd::nonAdjacentForm;

namespace {

uint64_t valueOf(const std::vector<std::pair<unsigned, bool>> &digits) {
  uint64_t v = 0;
  for (auto [position, negative] : digits)
    v = negative ? v - (uint64_t(1) << position) : v + (uint64_t(1) << position);
  return v;
}

} // namespace

TEST(SignedDigits, Examples) {
  EXPECT_TRUE(nonAdjacentForm(0, 32).empty());
  // 7 = 8 - 1; 0b1011 (11) = 16 - 4 - 1.
  using Digits = std::vector<std::pair<unsigned, bool>>;
  EXPECT_EQ(nonAdjacentForm(7, 32), (Digits{{0, true}, {3, false}}));
  EXPECT_EQ(nonAdjacentForm(11, 32), (Digits{{0, true}, {2, true}, {4, false}}));
  // All ones is -1 modulo 2^width: the carry out of the top bit is dropped.
  EXPECT_EQ(nonAdjacentForm(15, 4), (Digits{{0, true}}));
  EXPECT_EQ(nonAdjacentForm(~uint64_t(0), 64), (Digits{{0, true}}));
  EXPECT_EQ(nonAdjacentForm(0x7fffffff, 32), (Digits{{0, true}, {31, false}}));
}

TEST(SignedDigits, ExactSparseAndBelowWidth) {
  std::mt19937_64 rng(1);
  for (unsigned width : {8u, 31u, 32u, 63u, 64u}) {
    uint64_t mask = width == 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
    for (int i = 0; i < 2000; ++i) {
      uint64_t c = rng() & mask;
      auto digits = nonAdjacentForm(c, width);
      EXPECT_EQ(valueOf(digits) & mask, c) << c;
      for (size_t k = 0; k < digits.size(); ++k) {
        EXPECT_LT(digits[k].first, width);
        if (k > 0) {
          EXPECT_GE(digits[k].first, digits[k - 1].first + 2) << c;
        }
      }
      // Never more digits than the binary form has ones.
      EXPECT_LE(digits.size(), size_t(__builtin_popcountll(c))) << c;
    }
  }
}
