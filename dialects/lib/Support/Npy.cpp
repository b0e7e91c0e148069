//===- Npy.cpp - NumPy .npy files of integers -----------------------------===//

#include "shiftadd/Support/Npy.h"

#include <cstring>
#include <sstream>

namespace shiftadd {

namespace {

/// Value of `key` in the header dictionary, up to the next ',' or ')' at
/// depth zero, e.g. "'<i1'" or "(1, 3, 8, 8)".
bool dictValue(const std::string &header, const std::string &key, std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  size_t end = ++at;
  int depth = 0;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')' && depth-- == 0)
      break;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  if (depth > 0 || end >= header.size())
    return false;
  value = header.substr(at, end + (header[end] == ')' ? 1 : 0) - at);
  value.erase(0, value.find_first_not_of(' '));
  value.erase(value.find_last_not_of(' ') + 1);
  return true;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    return false;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty())
      continue; // trailing comma of a 1-tuple
    if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 12)
      return false;
    shape.push_back(std::stoll(item));
  }
  return true;
}

} // namespace

bool parseNpy(const std::string &bytes, NpyArray &array, std::string &error) {
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, magic, 6) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  int major = uint8_t(bytes[6]);
  size_t headerLength, offset;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (bytes.size() < offset + headerLength) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(offset, headerLength);
  std::string descr, fortran, shapeText;
  if (!dictValue(header, "descr", descr) || !dictValue(header, "fortran_order", fortran) ||
      !dictValue(header, "shape", shapeText)) {
    error = "malformed .npy header";
    return false;
  }
  if (fortran != "False") {
    error = "Fortran-order arrays are not supported";
    return false;
  }
  int size = 0;
  if (descr == "'|i1'" || descr == "'<i1'")
    size = 1;
  else if (descr == "'<i2'")
    size = 2;
  else if (descr == "'<i4'")
    size = 4;
  else if (descr == "'<i8'")
    size = 8;
  else {
    error = "element type " + descr + " is not a little-endian signed integer";
    return false;
  }
  array.shape.clear();
  if (!parseShape(shapeText, array.shape)) {
    error = "malformed .npy shape " + shapeText;
    return false;
  }
  size_t count = 1;
  for (int64_t d : array.shape) {
    if (d > 0 && count > (size_t(1) << 40) / size_t(d)) {
      error = "array too large";
      return false;
    }
    count *= size_t(d);
  }
  size_t dataOffset = offset + headerLength;
  if (bytes.size() - dataOffset != count * size) {
    error = "data holds " + std::to_string(bytes.size() - dataOffset) + " bytes, shape needs " +
            std::to_string(count * size);
    return false;
  }
  array.data.resize(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t raw = 0;
    for (int b = 0; b < size; ++b)
      raw |= uint64_t(uint8_t(bytes[dataOffset + i * size + b])) << (8 * b);
    int shift = 64 - 8 * size; // sign-extend from `size` bytes
    array.data[i] = int64_t(raw << shift) >> shift;
  }
  return true;
}

std::string serializeNpy(const NpyArray &array, int bytesPerElement) {
  std::string header = "{'descr': '" + std::string(bytesPerElement == 1 ? "|" : "<") + "i" +
                       std::to_string(bytesPerElement) + "', 'fortran_order': False, 'shape': (";
  for (int64_t d : array.shape)
    header += std::to_string(d) + (array.shape.size() == 1 ? ",)" : ", ");
  if (array.shape.size() != 1) {
    if (!array.shape.empty())
      header.erase(header.size() - 2);
    header += ")";
  }
  header += ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  for (int64_t v : array.data)
    for (int b = 0; b < bytesPerElement; ++b)
      out += char(uint64_t(v) >> (8 * b) & 0xff);
  return out;
}

} // namespace shiftadd
