// Data set readers, batching and augmentation (see Data.h).
#include "shiftadd/train/Data.h"

#include "shiftadd/train/AtomicFile.h"
#include "shiftadd/train/Config.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

#ifdef SHIFTADD_HAVE_ZLIB
#include <zlib.h>
#endif

namespace shiftadd::train {

namespace {

[[noreturn]] void fail(const std::string &path, const std::string &what) {
  throw std::runtime_error(path + ": " + what);
}

[[maybe_unused]] bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The whole file, gunzipped when it is gzip (zlib reads plain files as they are).
std::string readFile(const std::string &path) {
#ifdef SHIFTADD_HAVE_ZLIB
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0)
    out.append(buf, size_t(n));
  int err = 0;
  const char *msg = gzerror(f, &err);
  bool bad = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  std::string reason = bad ? msg : "";
  gzclose(f);
  if (bad)
    fail(path, "corrupt or truncated gzip data (" + reason + ")");
  return out;
#else
  if (endsWith(path, ".gz"))
    fail(path, "this build has no zlib: decompress the file first");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
#endif
}

uint32_t bigEndian(const std::string &s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 |
         uint32_t(uint8_t(s[at + 2])) << 8 | uint32_t(uint8_t(s[at + 3]));
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// The first of `names` that exists in `dir` (e.g. with or without .gz).
std::string findFile(const std::string &dir, const std::vector<std::string> &names) {
  for (const auto &n : names)
    if (exists(dir + "/" + n))
      return dir + "/" + n;
  fail(dir, "has no " + names.front());
}

} // namespace

std::vector<int64_t> Dataset::countsPerClass() const {
  torch::Tensor counts = torch::bincount(labels.to(torch::kCPU), {}, classes);
  return std::vector<int64_t>(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
}

Dataset readIdx(const std::string &imagesPath, const std::string &labelsPath) {
  std::string images = readFile(imagesPath), labels = readFile(labelsPath);
  if (images.size() < 16 || bigEndian(images, 0) != 0x803)
    fail(imagesPath, "not an IDX image file (magic 0x00000803)");
  if (labels.size() < 8 || bigEndian(labels, 0) != 0x801)
    fail(labelsPath, "not an IDX label file (magic 0x00000801)");
  int64_t n = bigEndian(images, 4), h = bigEndian(images, 8), w = bigEndian(images, 12);
  if (int64_t(images.size()) != 16 + n * h * w)
    fail(imagesPath, "holds " + std::to_string(images.size() - 16) + " pixel bytes, header says " +
                         std::to_string(n * h * w));
  if (int64_t(bigEndian(labels, 4)) != n || int64_t(labels.size()) != 8 + n)
    fail(labelsPath, "label count does not match the " + std::to_string(n) + " images");
  Dataset d;
  d.images = torch::from_blob(images.data() + 16, {n, 1, h, w}, torch::kUInt8).clone();
  d.labels = torch::from_blob(labels.data() + 8, {n}, torch::kUInt8).to(torch::kLong);
  if (d.labels.max().item<int64_t>() >= 10)
    fail(labelsPath, "labels beyond 9");
  return d;
}

Dataset readDigitsCsv(const std::string &path) {
  std::istringstream in(readFile(path));
  std::vector<uint8_t> pixels, labels;
  std::string line;
  int64_t row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty())
      continue;
    std::vector<int> values;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ','))
      try {
        values.push_back(std::stoi(field));
      } catch (const std::exception &) {
        fail(path, "line " + std::to_string(row) + ": '" + field + "' is not an integer");
      }
    if (values.size() != 65)
      fail(path, "line " + std::to_string(row) + ": " + std::to_string(values.size()) +
                     " fields, expected 64 pixels and a label");
    for (int i = 0; i < 64; ++i) {
      if (values[i] < 0 || values[i] > 16)
        fail(path, "line " + std::to_string(row) + ": pixel " + std::to_string(values[i]) + " outside 0..16");
      pixels.push_back(uint8_t(values[i]));
    }
    if (values[64] < 0 || values[64] > 9)
      fail(path, "line " + std::to_string(row) + ": label " + std::to_string(values[64]) + " outside 0..9");
    labels.push_back(uint8_t(values[64]));
  }
  int64_t n = int64_t(labels.size());
  if (n == 0)
    fail(path, "no rows");
  Dataset d;
  d.images = torch::from_blob(pixels.data(), {n, 1, 8, 8}, torch::kUInt8).clone();
  d.labels = torch::from_blob(labels.data(), {n}, torch::kUInt8).to(torch::kLong);
  return d;
}

Dataset readCifarBinary(const std::vector<std::string> &files, bool cifar100) {
  const int64_t labelBytes = cifar100 ? 2 : 1, record = labelBytes + 3072;
  std::vector<uint8_t> pixels, labels;
  for (const auto &file : files) {
    std::string bytes = readFile(file);
    if (bytes.empty() || int64_t(bytes.size()) % record != 0)
      fail(file, "size " + std::to_string(bytes.size()) + " is not a multiple of the " +
                     std::to_string(record) + "-byte record");
    for (size_t at = 0; at < bytes.size(); at += size_t(record)) {
      uint8_t label = uint8_t(bytes[at + size_t(labelBytes) - 1]); // CIFAR-100: the fine label
      if (label >= (cifar100 ? 100 : 10))
        fail(file, "label " + std::to_string(label) + " out of range at record " +
                       std::to_string(at / size_t(record)));
      labels.push_back(label);
      pixels.insert(pixels.end(), bytes.begin() + int64_t(at) + labelBytes,
                    bytes.begin() + int64_t(at) + record);
    }
  }
  int64_t n = int64_t(labels.size());
  Dataset d;
  d.classes = cifar100 ? 100 : 10;
  d.images = torch::from_blob(pixels.data(), {n, 3, 32, 32}, torch::kUInt8).clone();
  d.labels = torch::from_blob(labels.data(), {n}, torch::kUInt8).to(torch::kLong);
  return d;
}

void writeCifarBinary(const Dataset &d, const std::string &path) {
  std::string bytes;
  bytes.reserve(size_t(d.size()) * 3073);
  torch::Tensor images = d.images.contiguous();
  for (int64_t i = 0; i < d.size(); ++i) {
    bytes.push_back(char(d.labels[i].item<int64_t>()));
    const char *p = reinterpret_cast<const char *>(images[i].data_ptr<uint8_t>());
    bytes.append(p, 3072);
  }
  writeFileAtomically(path, bytes);
}

namespace {
Split withStatistics(Dataset train, Dataset test, int64_t pad, bool flip) {
  Split s;
  torch::Tensor f = train.images.to(torch::kDouble);
  for (int64_t c = 0; c < f.size(1); ++c) {
    s.mean.push_back(f.select(1, c).mean().item<double>());
    s.std.push_back(f.select(1, c).std().item<double>());
  }
  s.train = std::move(train), s.test = std::move(test), s.pad = pad, s.flip = flip;
  return s;
}
} // namespace

Split loadDataset(const std::string &name, const std::string &path, const std::string &cacheDir) {
  if (name == "digits") {
    Dataset all = readDigitsCsv(path);
    if (all.size() != 1797)
      fail(path, "has " + std::to_string(all.size()) + " rows; the UCI digits set has 1797");
    Dataset train{all.images.slice(0, 0, 1437), all.labels.slice(0, 0, 1437)};
    Dataset test{all.images.slice(0, 1437), all.labels.slice(0, 1437)};
    return withStatistics(train, test, /*pad=*/1, /*flip=*/false);
  }
  if (name == "fashion-mnist" || name == "mnist") {
    auto file = [&](const std::string &stem) {
      return findFile(path, {stem + ".gz", stem});
    };
    Dataset train = readIdx(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"));
    Dataset test = readIdx(file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"));
    return withStatistics(train, test, /*pad=*/2, /*flip=*/name == "fashion-mnist");
  }
  if (name == "cifar10") {
    std::vector<std::string> train;
    for (int i = 1; i <= 5; ++i)
      train.push_back(findFile(path, {"data_batch_" + std::to_string(i) + ".bin"}));
    return withStatistics(readCifarBinary(train, false),
                          readCifarBinary({findFile(path, {"test_batch.bin"})}, false), 4, true);
  }
  if (name == "cifar100")
    return withStatistics(readCifarBinary({findFile(path, {"train.bin"})}, true),
                          readCifarBinary({findFile(path, {"test.bin"})}, true), 4, true);
  if (name == "cifar10-jpeg") {
    std::string dir = cacheDir.empty() ? "." : cacheDir;
    std::string trainCache = dir + "/cifar10-jpeg-train.bin", testCache = dir + "/cifar10-jpeg-test.bin";
    if (!exists(trainCache) || !exists(testCache)) {
      auto [train, test] = readCifarJpegArchive(path);
      writeCifarBinary(train, trainCache);
      writeCifarBinary(test, testCache);
    }
    return withStatistics(readCifarBinary({trainCache}, false), readCifarBinary({testCache}, false), 4, true);
  }
  throw std::runtime_error("unknown data set '" + name +
                           "' (digits, fashion-mnist, mnist, cifar10, cifar100, cifar10-jpeg)");
}

torch::Tensor toDevice(const torch::Tensor &t, torch::Device device) {
  if (t.device() == device)
    return t;
  if (!t.device().is_cpu() || !device.is_cuda())
    return t.to(device);
  // A blocking copy synchronises the stream: with several runs sharing one
  // GPU each wait lasts a round of the others' time slices.
  return t.pin_memory().to(device, /*non_blocking=*/true);
}

void moveToDevice(Split &split, torch::Device device) {
  for (Dataset *d : {&split.train, &split.test}) {
    d->images = d->images.to(device);
    d->labels = d->labels.to(device);
  }
}

torch::Tensor normalise(const Split &split, const torch::Tensor &images) {
  int64_t c = images.size(1);
  torch::Device device = images.device();
  torch::Tensor mean = toDevice(torch::tensor(split.mean, torch::kFloat), device).view({1, c, 1, 1});
  torch::Tensor std = toDevice(torch::tensor(split.std, torch::kFloat), device).view({1, c, 1, 1});
  return (images.to(torch::kFloat) - mean) / std;
}

torch::Tensor makeBatch(const Split &split, const Dataset &d, const torch::Tensor &indices, bool augment,
                        torch::Generator &gen, torch::Device device) {
  torch::Tensor x = d.images.index_select(0, toDevice(indices, d.images.device())).to(device);
  if (augment && (split.pad > 0 || split.flip)) {
    int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), p = split.pad;
    // Offsets and flips are drawn on the CPU generator, whatever the device.
    torch::Tensor oy = toDevice(torch::randint(0, 2 * p + 1, {b, 1}, gen, torch::kLong), device);
    torch::Tensor ox = toDevice(torch::randint(0, 2 * p + 1, {b, 1}, gen, torch::kLong), device);
    torch::Tensor flip = toDevice(torch::randint(0, 2, {b}, gen, torch::kLong), device);
    if (p > 0) {
      torch::Tensor padded = torch::constant_pad_nd(x, {p, p, p, p}, 0);
      torch::Tensor rows = (oy + torch::arange(h, device).view({1, h})).view({b, 1, h, 1})
                               .expand({b, c, h, w + 2 * p});
      torch::Tensor cols = (ox + torch::arange(w, device).view({1, w})).view({b, 1, 1, w})
                               .expand({b, c, h, w});
      x = padded.gather(2, rows).gather(3, cols);
    }
    if (split.flip)
      x = torch::where((flip == 1).view({b, 1, 1, 1}), x.flip({3}), x);
  }
  return normalise(split, x);
}

} // namespace shiftadd::train
