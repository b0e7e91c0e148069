/* Bare-metal firmware that classifies embedded test images with a model
 * compiled by shiftaddc, and prints the predictions and the instructions of
 * one inference (semihosting). Built for Cortex-M4 (qemu-system-arm -M
 * mps2-an386) and rv32i (qemu-system-riscv32 -M virt) by
 * examples/classify/build-firmware.sh; the images come from images.c
 * (generated: `const int8_t images[]`, `const int8_t labels[]`,
 * `const int image_count`). With `-icount shift=0` qemu's clock advances one
 * tick per instruction, so the cycle counter counts instructions. */
#include "model.h"

#include <stdint.h>

extern const int8_t images[], labels[];
extern const int image_count;

/* Output through semihosting (SYS_WRITE0, SYS_EXIT): no C library needed. */
static long semihost(long op, const void *arg) {
#if defined(__arm__)
  register long r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
#else
  register long r0 __asm__("a0") = op;
  register const void *r1 __asm__("a1") = arg;
  __asm__ volatile(".option push\n.option norvc\nslli zero, zero, 0x1f\nebreak\nsrai zero, zero, 7\n.option pop"
                   : "+r"(r0) : "r"(r1) : "memory");
#endif
  return r0;
}
static void say(const char *s) { semihost(0x04, s); }
/* Decimal without division: rv32i has no divide instruction (nor libgcc here). */
static void say_int(long v) {
  static const unsigned long powers[] = {1000000000UL, 100000000UL, 10000000UL, 1000000UL, 100000UL,
                                         10000UL,      1000UL,      100UL,      10UL,      1UL};
  char buf[16], *p = buf;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  if (v < 0)
    *p++ = '-';
  int started = 0;
  for (int k = 0; k < 10; ++k) {
    char digit = '0';
    while (u >= powers[k])
      u -= powers[k], ++digit;
    if (digit != '0' || started || k == 9)
      *p++ = digit, started = 1;
  }
  *p = 0;
  say(buf);
}

#if defined(__arm__)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
extern void _start(void);
/* Initial stack pointer and reset vector at address 0 of mps2-an386. */
__attribute__((section(".vectors"), used)) static void *const vectors[2] = {(void *)0x20400000, (void *)_start};
/* SysTick counts down 24 bits at the board's clock; instructions per tick are
 * measured once with a loop of known length (2^20 iterations of two). */
static uint32_t per_tick_q16, tick_base;
static uint32_t ticks(void) { return 0xFFFFFF - SYST_CVR; }
/* Elapsed ticks modulo the 24-bit counter (the first reload included). */
static uint32_t since(uint32_t base) { return (ticks() - base) & 0xFFFFFF; }
static void calibrate(void) {
  SYST_RVR = 0xFFFFFF, SYST_CVR = 0, SYST_CSR = 5;
  uint32_t t0 = ticks();
  __asm__ volatile(".syntax unified\n movs r0, #1\n lsls r0, r0, #20\n1: subs r0, #1\n bne 1b" ::: "r0", "cc");
  per_tick_q16 = (uint32_t)(((uint64_t)1 << 37) / since(t0));
}
static void counter_start(void) { tick_base = ticks(); }
static uint32_t counter_read(void) { return (uint32_t)(((uint64_t)since(tick_base) * per_tick_q16) >> 16); }
#else
static uint32_t counter_base;
static uint32_t rdinstret(void) {
  uint32_t v;
  __asm__ volatile("rdinstret %0" : "=r"(v));
  return v;
}
static void counter_start(void) { counter_base = rdinstret(); }
static void calibrate(void) {}
static uint32_t counter_read(void) { return rdinstret() - counter_base; }
extern char __stack_top[];
__attribute__((naked, section(".start"))) void _start(void) { __asm__ volatile("la sp, __stack_top\n j main"); }
#endif

static _Alignas(MODEL_ARENA_ALIGN) unsigned char arena[MODEL_ARENA_SIZE > 0 ? MODEL_ARENA_SIZE : 1];

int main(void) {
  static const long input_shape[] = MODEL_INPUT_SHAPE, output_shape[] = MODEL_OUTPUT_SHAPE;
  const long image_bytes = MODEL_INPUT_SIZE / input_shape[0], classes = output_shape[1];
  int8_t logits[MODEL_OUTPUT_SIZE];
  int correct = 0;
  uint32_t instructions = 0;
  calibrate();
  const int8_t *image = images;
  for (int i = 0; i < image_count; ++i, image += image_bytes) {
    counter_start();
    model_run(image, logits, arena);
    uint32_t used = counter_read();
    if (i == 0)
      instructions = used;
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (logits[c] > logits[best])
        best = c;
    correct += best == labels[i];
    say("image "), say_int(i), say(": predicted "), say_int(best), say(", label "), say_int(labels[i]), say("\n");
  }
  say("accuracy "), say_int(correct), say(" of "), say_int(image_count);
  say("\ninstructions of one inference: "), say_int((long)instructions), say("\n");
  static const uint32_t exit_ok[2] = {0x20026, 0}; /* ADP_Stopped_ApplicationExit */
  semihost(0x18, sizeof(long) == 8 ? (const void *)exit_ok : (const void *)0x20026);
  for (;;) {
  }
}
