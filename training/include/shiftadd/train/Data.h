// Data sets held whole in memory as uint8 images, batched and augmented with
// tensor operations on the training device.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace shiftadd::train {

struct Dataset {
  torch::Tensor images; ///< uint8, N x C x H x W
  torch::Tensor labels; ///< int64, N
  int64_t classes = 10;
  int64_t size() const { return images.size(0); }
  std::vector<int64_t> countsPerClass() const;
};

struct Split {
  Dataset train, test;
  std::vector<double> mean, std; ///< per channel, of the training images (0..255 or 0..16 units)
  int64_t pad = 0;               ///< random-crop padding
  bool flip = false;             ///< random horizontal flips
};

/// Known data sets by name: digits (UCI optical digits CSV, optionally .gz;
/// rows 0..1436 train, 1437..1796 test), fashion-mnist and mnist (IDX files in
/// a directory, gzip or raw), cifar10 / cifar100 (the binary format's .bin
/// files in a directory), cifar10-jpeg (the JPEG archive .tar.xz; decoded once
/// and cached beside `cacheDir` in the binary format). Throws
/// std::runtime_error naming the file on any problem.
Split loadDataset(const std::string &name, const std::string &path, const std::string &cacheDir = "");

/// Individual readers, for tests.
Dataset readIdx(const std::string &images, const std::string &labels);
Dataset readDigitsCsv(const std::string &path);
Dataset readCifarBinary(const std::vector<std::string> &files, bool cifar100);
/// Decodes the CIFAR-10 JPEG archive into (train, test); needs libjpeg and liblzma.
std::pair<Dataset, Dataset> readCifarJpegArchive(const std::string &archive);
void writeCifarBinary(const Dataset &d, const std::string &path);

/// Copies a host tensor to `device` without waiting for the device's queue
/// (through pinned memory on CUDA); returns `t` itself for the CPU.
torch::Tensor toDevice(const torch::Tensor &t, torch::Device device);

/// Moves both sets' images and labels to `device` once, so that batches are
/// gathered there.
void moveToDevice(Split &split, torch::Device device);

/// A batch as normalised floats on `device`, augmented when `augment`.
/// `indices` may live on the host or on the images' device. Randomness comes
/// from `gen` only (deterministic given its seed).
torch::Tensor makeBatch(const Split &split, const Dataset &d, const torch::Tensor &indices, bool augment,
                        torch::Generator &gen, torch::Device device);

/// Normalises whole uint8 images (no augmentation).
torch::Tensor normalise(const Split &split, const torch::Tensor &images);

} // namespace shiftadd::train
