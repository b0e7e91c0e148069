/* Classifies test images with a model compiled by shiftaddc (host program).
 *
 *   shiftaddc model.onnx --target=x86-64 -o build/model
 *   cc -Ibuild classify.c build/model.o -o classify
 *   ./classify images.npy labels.npy [logits.bin]
 *
 * images.npy: int8 images already quantized to MODEL_INPUT_FRAC (what
 * shiftadd-train writes as samples-input.npy); labels.npy: int8 labels. The
 * images are run in batches of the model's batch size; the logits of every
 * image can be written raw for comparison with the reference interpreter. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data of an .npy file (format 1.0 or 2.0) of int8 values. */
static int8_t *load_npy(const char *path, long *count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "classify: error: %s: cannot open\n", path);
    exit(1);
  }
  unsigned char head[12];
  if (fread(head, 1, 12, f) != 12 || memcmp(head, "\x93NUMPY", 6) != 0) {
    fprintf(stderr, "classify: error: %s: not an .npy file\n", path);
    exit(1);
  }
  long header = head[6] == 1 ? head[8] | head[9] << 8 : head[8] | head[9] << 8 | (long)head[10] << 16 | (long)head[11] << 24;
  long start = (head[6] == 1 ? 10 : 12) + header;
  fseek(f, 0, SEEK_END);
  *count = ftell(f) - start;
  int8_t *data = malloc((size_t)*count);
  fseek(f, start, SEEK_SET);
  if (!data || fread(data, 1, (size_t)*count, f) != (size_t)*count) {
    fprintf(stderr, "classify: error: %s: truncated\n", path);
    exit(1);
  }
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: classify images.npy labels.npy [logits.bin]\n");
    return 2;
  }
  static const long input_shape[] = MODEL_INPUT_SHAPE, output_shape[] = MODEL_OUTPUT_SHAPE;
  const long batch = input_shape[0], classes = output_shape[1];
  const long image_bytes = MODEL_INPUT_SIZE / batch;
  long pixels, n;
  int8_t *images = load_npy(argv[1], &pixels), *labels = load_npy(argv[2], &n);
  if (pixels != n * image_bytes || n % batch != 0) {
    fprintf(stderr, "classify: error: %s: %ld bytes for %ld labels; the model takes batches of %ld images of %ld bytes\n",
            argv[1], pixels, n, batch, image_bytes);
    return 1;
  }
  /* The arena: static scratch memory, aligned as the header asks. */
  static _Alignas(MODEL_ARENA_ALIGN) unsigned char arena[MODEL_ARENA_SIZE > 0 ? MODEL_ARENA_SIZE : 1];
  int8_t *logits = malloc((size_t)(n * classes));
  long correct = 0;
  for (long first = 0; first < n; first += batch) {
    model_run(images + first * image_bytes, logits + first * classes, arena);
    for (long i = first; i < first + batch; ++i) {
      long best = 0;
      for (long c = 1; c < classes; ++c)
        if (logits[i * classes + c] > logits[i * classes + best])
          best = c;
      correct += best == labels[i];
    }
  }
  printf("accuracy %.2f %% (%ld of %ld images)\n", 100.0 * (double)correct / (double)n, correct, n);
  if (argc > 3) {
    FILE *out = fopen(argv[3], "wb");
    if (!out || fwrite(logits, 1, (size_t)(n * classes), out) != (size_t)(n * classes)) {
      fprintf(stderr, "classify: error: %s: cannot write\n", argv[3]);
      return 1;
    }
    fclose(out);
  }
  return 0;
}
