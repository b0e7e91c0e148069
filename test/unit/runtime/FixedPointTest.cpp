// Unit tests of the runtime's fixed-point helpers against docs/spec.md.
#include "shiftadd/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

TEST(RoundShift, RoundsHalvesUp) {
  // 5/2 = 2.5 -> 3, -5/2 = -2.5 -> -2, -7/4 = -1.75 -> -2.
  EXPECT_EQ(shiftadd_round_shift(5, 1), 3);
  EXPECT_EQ(shiftadd_round_shift(-5, 1), -2);
  EXPECT_EQ(shiftadd_round_shift(-7, 2), -2);
  EXPECT_EQ(shiftadd_round_shift(6, 2), 2); // 1.5 -> 2
  EXPECT_EQ(shiftadd_round_shift(-6, 2), -1); // -1.5 -> -1
}

TEST(RoundShift, NonPositiveShiftIsExactLeftShift) {
  EXPECT_EQ(shiftadd_round_shift(-3, 0), -3);
  EXPECT_EQ(shiftadd_round_shift(-3, -4), -48);
  EXPECT_EQ(shiftadd_round_shift(1, -40), int64_t(1) << 40);
}

TEST(Saturate, ClampsToSignedRange) {
  EXPECT_EQ(shiftadd_saturate(200, 8), 127);
  EXPECT_EQ(shiftadd_saturate(-200, 8), -128);
  EXPECT_EQ(shiftadd_saturate(-5, 8), -5);
  EXPECT_EQ(shiftadd_saturate(int64_t(1) << 40, 32), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(shiftadd_saturate(40000, 16), 32767);
}

TEST(Quantize, RoundsHalfUpSaturatesAndMapsNaNToZero) {
  const float x[] = {0.25f, -0.25f, 0.3125f, -0.3125f, 100.f, -100.f, NAN, INFINITY};
  int8_t q[8];
  shiftadd_quantize_i8(x, q, 8, 3); // steps of 1/8
  const int8_t want[] = {2, -2, 3, -2, 127, -128, 0, 127};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(q[i], want[i]) << "element " << i;
}

TEST(Quantize, DequantizeInvertsOnRepresentableValues) {
  int8_t q[256];
  float x[256];
  int8_t back[256];
  for (int i = 0; i < 256; ++i)
    q[i] = int8_t(i - 128);
  shiftadd_dequantize_i8(q, x, 256, -2); // frac may be negative: steps of 4
  EXPECT_EQ(x[0], -512.f);
  shiftadd_quantize_i8(x, back, 256, -2);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(back[i], q[i]);
}

TEST(Argmax, FirstMaximumWins) {
  const int8_t x[] = {-3, 7, 2, 7};
  EXPECT_EQ(shiftadd_argmax_i8(x, 4), 1u);
  EXPECT_EQ(shiftadd_argmax_i8(x, 0), 0u);
}
