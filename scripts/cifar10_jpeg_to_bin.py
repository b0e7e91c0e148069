#!/usr/bin/env python3
"""Converts the CIFAR-10 JPEG archive (../shared/data/cifar10/README.md) into the
standard CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin), for
machines whose shiftadd-train was built without libjpeg (the GPU machine; it
has PIL). shiftadd-train's own reader (--data cifar10-jpeg) does the same in C++.
  cifar10_jpeg_to_bin.py cifar10-jpg.tar.xz OUTDIR
"""
import io
import os
import sys
import tarfile

import numpy

from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def main(archive, out):
    images = {}
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3 or parts[-3] not in ("train", "test"):
                continue
            rgb = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
            assert rgb.size == (32, 32), member.name
            chw = numpy.asarray(rgb).transpose(2, 0, 1).tobytes()
            images[(parts[-3], CLASSES.index(parts[-2]), int(parts[-1].split(".")[0]))] = chw
    os.makedirs(out, exist_ok=True)
    for split in ("train", "test"):
        # Class then index order, as shiftadd-train's reader: the trainer shuffles.
        records = [bytes([k[1]]) + v for k, v in sorted(images.items()) if k[0] == split]
        names = ["test_batch.bin"] if split == "test" else ["data_batch_%d.bin" % i for i in range(1, 6)]
        per = len(records) // len(names)
        for i, name in enumerate(names):
            with open(os.path.join(out, name), "wb") as f:
                f.write(b"".join(records[i * per:(i + 1) * per]))
        print(split, len(records), "images ->", ", ".join(names))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
