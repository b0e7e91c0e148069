/* shiftadd runtime: the C99 helpers an application uses around a compiled
 * model, converting between real numbers and the model's fixed-point tensors
 * exactly as docs/spec.md defines them. No allocation, no OS calls. */
#ifndef SHIFTADD_RUNTIME_H
#define SHIFTADD_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* v / 2^shift rounded half up (towards +infinity) for shift > 0, v * 2^-shift
 * for shift <= 0; computed in 64 bits (spec: "rounding shift"). shift must be
 * in [-62, 62]. */
int64_t shiftadd_round_shift(int64_t v, int shift);

/* Clamps v to the range of a signed integer of `bits` bits (2..32). */
int32_t shiftadd_saturate(int64_t v, int bits);

/* q[i] = saturate8(floor(x[i] * 2^frac + 1/2)); NaN maps to 0 (spec: "input
 * quantization"). */
void shiftadd_quantize_i8(const float *x, int8_t *q, size_t n, int frac);

/* x[i] = q[i] * 2^-frac, exact in float. */
void shiftadd_dequantize_i8(const int8_t *q, float *x, size_t n, int frac);

/* Index of the first largest element (ties go to the lower index); 0 if n == 0. */
size_t shiftadd_argmax_i8(const int8_t *x, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SHIFTADD_RUNTIME_H */
