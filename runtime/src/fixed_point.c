/* Scalar fixed-point arithmetic of docs/spec.md, for applications that feed
 * and read compiled models. */
#include "shiftadd/runtime.h"

#include <math.h>

int64_t shiftadd_round_shift(int64_t v, int shift) {
  if (shift <= 0)
    return (int64_t)((uint64_t)v << -shift); /* shift via unsigned: no UB on negative v */
  /* Adding half an ulp then flooring rounds halves up; the arithmetic right
   * shift of a negative value floors (guaranteed by every compiler we target). */
  return (v + ((int64_t)1 << (shift - 1))) >> shift;
}

int32_t shiftadd_saturate(int64_t v, int bits) {
  int64_t hi = ((int64_t)1 << (bits - 1)) - 1;
  int64_t lo = -hi - 1;
  return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

void shiftadd_quantize_i8(const float *x, int8_t *q, size_t n, int frac) {
  for (size_t i = 0; i < n; ++i) {
    float v = x[i];
    if (v != v) { /* NaN */
      q[i] = 0;
      continue;
    }
    /* ldexp is exact; clamping before the conversion keeps it defined. */
    double r = floor(ldexp((double)v, frac) + 0.5);
    q[i] = (int8_t)(r < -128.0 ? -128 : r > 127.0 ? 127 : (int)r);
  }
}

void shiftadd_dequantize_i8(const int8_t *q, float *x, size_t n, int frac) {
  for (size_t i = 0; i < n; ++i)
    x[i] = ldexpf((float)q[i], -frac);
}

size_t shiftadd_argmax_i8(const int8_t *x, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (x[i] > x[best])
      best = i;
  return best;
}
