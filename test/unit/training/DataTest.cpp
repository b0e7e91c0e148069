// Data loaders: known counts per class of the real data sets, batching and
// augmentation determinism, errors.
#include "shiftadd/train/Data.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

using namespace shiftadd::train;

namespace {
bool exists(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}
const std::string kDigits = SHIFTADD_SOURCE_DIR "/data/digits/digits.csv.gz";
const std::string kFashion = "/usr/share/datasets/fashion-mnist";
} // namespace

TEST(Data, UciDigitsCountsPerClass) {
  ASSERT_TRUE(exists(kDigits)) << kDigits << " is missing: run scripts/setup.sh";
  Split s = loadDataset("digits", kDigits);
  EXPECT_EQ(s.train.size(), 1437);
  EXPECT_EQ(s.test.size(), 360);
  Dataset all{torch::cat({s.train.images, s.test.images}), torch::cat({s.train.labels, s.test.labels})};
  // The UCI optical digits' published class counts.
  EXPECT_EQ(all.countsPerClass(), (std::vector<int64_t>{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}));
  EXPECT_EQ(s.train.images.max().item<int>(), 16);
}

TEST(Data, FashionMnistCountsPerClass) {
  if (!exists(kFashion))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  Split s = loadDataset("fashion-mnist", kFashion);
  EXPECT_EQ(s.train.countsPerClass(), std::vector<int64_t>(10, 6000));
  EXPECT_EQ(s.test.countsPerClass(), std::vector<int64_t>(10, 1000));
  EXPECT_EQ(s.train.images.sizes(), torch::IntArrayRef({60000, 1, 28, 28}));
}

TEST(Data, CifarJpegArchiveCountsPerClassAndCache) {
  const std::string archive = SHIFTADD_SOURCE_DIR "/../shared/data/cifar10/cifar10-jpg.tar.xz";
  if (!exists(archive))
    GTEST_SKIP() << "no CIFAR-10 archive beside the project (../shared exists in CI only)";
  auto [train, test] = readCifarJpegArchive(archive);
  EXPECT_EQ(train.countsPerClass(), std::vector<int64_t>(10, 5000));
  EXPECT_EQ(test.countsPerClass(), std::vector<int64_t>(10, 1000));
  // The binary cache round-trips.
  std::string path = testing::TempDir() + "/cifar-test.bin";
  writeCifarBinary(test, path);
  Dataset back = readCifarBinary({path}, false);
  EXPECT_TRUE(torch::equal(back.images, test.images));
  EXPECT_TRUE(torch::equal(back.labels, test.labels));
}

TEST(Data, AugmentationIsDeterministicPerSeedAndKeepsShape) {
  ASSERT_TRUE(exists(kDigits));
  Split s = loadDataset("digits", kDigits);
  torch::Tensor idx = torch::arange(32);
  torch::Generator a = at::detail::createCPUGenerator(7), b = at::detail::createCPUGenerator(7),
                   c = at::detail::createCPUGenerator(8);
  torch::Tensor x = makeBatch(s, s.train, idx, true, a, torch::kCPU);
  EXPECT_EQ(x.sizes(), torch::IntArrayRef({32, 1, 8, 8}));
  EXPECT_TRUE(torch::equal(x, makeBatch(s, s.train, idx, true, b, torch::kCPU)));
  EXPECT_FALSE(torch::equal(x, makeBatch(s, s.train, idx, true, c, torch::kCPU)));
  // Without augmentation: exactly the normalised images.
  torch::Tensor plain = makeBatch(s, s.train, idx, false, a, torch::kCPU);
  EXPECT_TRUE(torch::allclose(plain, normalise(s, s.train.images.slice(0, 0, 32))));
}

TEST(Data, ErrorsNameTheFile) {
  std::string path = testing::TempDir() + "/bad-labels";
  std::ofstream(path) << "xx";
  try {
    readIdx(path, path);
    FAIL() << "no error";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not an IDX image file"), std::string::npos) << e.what();
  }
}
