// Weight codes of spec section 3: encoding edge cases, integer weights, packing.
#include "shiftadd/Support/ShiftCode.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using shiftadd::ShiftCode;

TEST(ShiftCode, DefaultRange) {
  ShiftCode code; // 5 bits, max_exp 0
  EXPECT_EQ(code.levels(), 15);
  EXPECT_EQ(code.minExp(), -14);
  EXPECT_EQ(code.integerWeight(1), 1 << 14);
  EXPECT_EQ(code.integerWeight(-15), -1);
  EXPECT_EQ(code.integerWeight(0), 0);
  EXPECT_EQ(code.value(2), 0.5);
}

TEST(ShiftCode, SpecExamples) {
  ShiftCode code;
  EXPECT_EQ(code.encode(0.75f), 1);
  EXPECT_EQ(code.encode(0.7f), 2);
  EXPECT_EQ(code.encode(3.0f), 1); // saturates at 2^max_exp
  EXPECT_EQ(code.encode(std::ldexp(1.0f, -14)), 15);
  EXPECT_EQ(code.encode(1.25f * std::ldexp(1.0f, -15)), 0); // flushed below 2^-14
}

TEST(ShiftCode, ZeroSignAndNonFinite) {
  ShiftCode code;
  EXPECT_EQ(code.encode(0.0f), 0);
  EXPECT_EQ(code.encode(-0.0f), 0);
  EXPECT_EQ(code.encode(-0.5f), -2);
  EXPECT_EQ(code.encode(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(code.encode(std::numeric_limits<float>::infinity()), 1);
  EXPECT_EQ(code.encode(-std::numeric_limits<float>::infinity()), -1);
  EXPECT_EQ(code.encode(std::numeric_limits<float>::denorm_min()), 0);
}

// The log-domain boundary between 2^p and 2^(p+1) is 2^p * sqrt(2): the float
// just below rounds down, the float just above rounds up, at every exponent.
TEST(ShiftCode, RoundingBoundaryIsSqrtTwo) {
  ShiftCode code{8, 20}; // exponents -106..20
  for (int p = -100; p < 20; ++p) {
    float boundary = float(std::ldexp(std::sqrt(2.0), p)); // the float nearest to 2^p*sqrt(2)
    float below = std::nextafter(boundary, 0.0f), above = std::nextafter(boundary, 1e30f);
    bool boundaryUp = double(boundary) > std::ldexp(std::sqrt(2.0), p);
    EXPECT_EQ(code.exponent(code.encode(below)), p) << "p = " << p;
    EXPECT_EQ(code.exponent(code.encode(above)), p + 1) << "p = " << p;
    EXPECT_EQ(code.exponent(code.encode(boundary)), boundaryUp ? p + 1 : p) << "p = " << p;
  }
}

TEST(ShiftCode, RangeEnds) {
  ShiftCode code{4, 2}; // levels 7, exponents -4..2
  EXPECT_EQ(code.minExp(), -4);
  EXPECT_EQ(code.encode(4.0f), 1);
  EXPECT_EQ(code.encode(5.9f), 1);   // rounds to 2^3, saturates to 2^2
  EXPECT_EQ(code.encode(0.0625f), 7); // 2^-4, the smallest
  EXPECT_EQ(code.encode(0.0442f), 7); // just above 2^-4.5: rounds up to 2^-4
  EXPECT_EQ(code.encode(0.0441f), 0); // just below: 2^-5 is out of range
  EXPECT_EQ(code.integerWeight(1), 64);
  EXPECT_EQ(code.integerWeight(-7), -1);
}

TEST(ShiftCode, ValueEncodesToItself) {
  for (int bits = 2; bits <= 8; ++bits)
    for (int maxExp : {-3, 0, 5}) {
      ShiftCode code{bits, maxExp};
      for (int k = -code.levels(); k <= code.levels(); ++k)
        EXPECT_EQ(code.encode(float(code.value(k))), k) << bits << " bits, level " << k;
    }
}

TEST(ShiftCode, PacksLsbFirst) {
  // The spec's example: levels [1, -2, 0, 15] are codes [1, 18, 0, 15].
  std::vector<uint8_t> bytes = shiftadd::packLevels({1, -2, 0, 15}, 5);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0x41, 0x82, 0x07}));
}

TEST(ShiftCode, PackRoundTrip) {
  std::mt19937 rng(7);
  for (int bits = 2; bits <= 8; ++bits) {
    int levels = (1 << (bits - 1)) - 1;
    std::uniform_int_distribution<int> level(-levels, levels);
    std::vector<int8_t> weights(101);
    for (int8_t &w : weights)
      w = int8_t(level(rng));
    std::vector<uint8_t> bytes = shiftadd::packLevels(weights, bits);
    EXPECT_EQ(bytes.size(), (weights.size() * bits + 7) / 8);
    EXPECT_EQ(shiftadd::unpackLevels(bytes, weights.size(), bits), weights) << bits;
  }
}
