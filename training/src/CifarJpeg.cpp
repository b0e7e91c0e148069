// The CIFAR-10 JPEG archive (../shared/data/cifar10/README.md): a .tar.xz of
// {train,test}/<class>/NNNN.jpg, decoded in memory with liblzma and libjpeg.
#include "shiftadd/train/Data.h"
#include "shiftadd/train/Config.h"

#include <array>
#include <csetjmp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

#ifdef SHIFTADD_HAVE_JPEG
#include <jpeglib.h>
#include <lzma.h>
#endif

namespace shiftadd::train {

#ifdef SHIFTADD_HAVE_JPEG
namespace {

const std::array<const char *, 10> kClasses = {"airplane", "automobile", "bird",  "cat",  "deer",
                                               "dog",      "frog",       "horse", "ship", "truck"};

std::string unxz(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string packed = ss.str(), out;
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
    throw std::runtime_error(path + ": cannot start the xz decoder");
  s.next_in = reinterpret_cast<const uint8_t *>(packed.data());
  s.avail_in = packed.size();
  std::string buf(1 << 20, '\0');
  lzma_ret ret;
  do {
    s.next_out = reinterpret_cast<uint8_t *>(buf.data());
    s.avail_out = buf.size();
    ret = lzma_code(&s, LZMA_FINISH);
    out.append(buf.data(), buf.size() - s.avail_out);
  } while (ret == LZMA_OK);
  lzma_end(&s);
  if (ret != LZMA_STREAM_END)
    throw std::runtime_error(path + ": corrupt or truncated xz data (lzma error " + std::to_string(ret) + ")");
  return out;
}

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

/// Decodes a 32x32 RGB JPEG into CHW bytes; false with `why` on failure.
bool decode(const std::string &data, uint8_t *chw, std::string &why) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = [](j_common_ptr c) {
    auto *e = reinterpret_cast<JpegError *>(c->err);
    (*c->err->format_message)(c, e->message);
    std::longjmp(e->jump, 1);
  };
  if (setjmp(err.jump)) {
    why = err.message;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char *>(data.data()), (unsigned long)data.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_width != 32 || cinfo.output_height != 32 || cinfo.output_components != 3) {
    why = "not a 32x32 RGB image";
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  uint8_t row[32 * 3];
  while (cinfo.output_scanline < 32) {
    int y = int(cinfo.output_scanline);
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&cinfo, rows, 1);
    for (int x = 0; x < 32; ++x)
      for (int c = 0; c < 3; ++c)
        chw[c * 1024 + y * 32 + x] = row[x * 3 + c];
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

} // namespace

std::pair<Dataset, Dataset> readCifarJpegArchive(const std::string &archive) {
  std::string tar = unxz(archive);
  // (split, class, index) -> CHW pixels; std::map orders by class then index.
  std::map<std::tuple<int, int, int>, std::vector<uint8_t>> images;
  for (size_t at = 0; at + 512 <= tar.size();) {
    const char *h = tar.data() + at;
    if (h[0] == '\0')
      break; // end-of-archive blocks
    std::string name(h, strnlen(h, 100)), prefix(h + 345, strnlen(h + 345, 155));
    if (!prefix.empty())
      name = prefix + "/" + name;
    size_t size = std::strtoull(std::string(h + 124, 12).c_str(), nullptr, 8);
    size_t data = at + 512;
    if (data + size > tar.size())
      throw std::runtime_error(archive + ": truncated at member " + name);
    at = data + (size + 511) / 512 * 512;
    if (h[156] != '0' && h[156] != '\0')
      continue; // directories and other entries
    // .../{train,test}/<class>/<index>.jpg
    size_t e = name.rfind('/'), c = e == std::string::npos ? e : name.rfind('/', e - 1),
           s = c == std::string::npos ? c : name.rfind('/', c - 1);
    std::string split = name.substr(s == std::string::npos ? 0 : s + 1, c - (s == std::string::npos ? 0 : s + 1));
    if (e == std::string::npos || c == std::string::npos || (split != "train" && split != "test"))
      continue;
    std::string cls = name.substr(c + 1, e - c - 1);
    int label = -1;
    for (size_t k = 0; k < kClasses.size(); ++k)
      if (cls == kClasses[k])
        label = int(k);
    if (label < 0)
      throw std::runtime_error(archive + ": unknown class folder in " + name);
    std::vector<uint8_t> chw(3072);
    std::string why;
    if (!decode(tar.substr(data, size), chw.data(), why))
      throw std::runtime_error(archive + ": " + name + ": " + why);
    images[{split == "test", label, std::atoi(name.c_str() + e + 1)}] = std::move(chw);
  }
  std::pair<Dataset, Dataset> out;
  for (int test = 0; test < 2; ++test) {
    std::vector<uint8_t> pixels, labels;
    for (const auto &[key, chw] : images)
      if (std::get<0>(key) == test) {
        pixels.insert(pixels.end(), chw.begin(), chw.end());
        labels.push_back(uint8_t(std::get<1>(key)));
      }
    int64_t n = int64_t(labels.size());
    if (n == 0)
      throw std::runtime_error(archive + ": no " + std::string(test ? "test" : "train") + " images");
    Dataset &d = test ? out.second : out.first;
    d.images = torch::from_blob(pixels.data(), {n, 3, 32, 32}, torch::kUInt8).clone();
    d.labels = torch::from_blob(labels.data(), {n}, torch::kUInt8).to(torch::kLong);
  }
  return out;
}
#else
std::pair<Dataset, Dataset> readCifarJpegArchive(const std::string &archive) {
  throw std::runtime_error(archive + ": this build has no libjpeg/liblzma; convert the archive to the "
                                     "CIFAR-10 binary format and use --data cifar10");
}
#endif

} // namespace shiftadd::train
