//===- OnnxGraph.h - An ONNX model as plain C++ data ------------*- C++ -*-===//
//
// The boundary between libonnx (protobuf, exceptions, RTTI) and the MLIR side
// of the importer: loadOnnx parses, checks and shape-infers a model and
// copies what the importer needs into standard containers.
//
//===----------------------------------------------------------------------===//

#ifndef SHIFTADD_FRONTEND_ONNXGRAPH_H
#define SHIFTADD_FRONTEND_ONNXGRAPH_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shiftadd::onnx_import {

/// A constant tensor (initializer or Constant node), values widened to double
/// (exact for the float32 and integer tensors the importer reads).
struct Constant {
  std::vector<int64_t> shape;
  std::vector<double> values;
  bool isFloat = false;
  bool isInt8 = false;
};

struct Attribute {
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
};

struct Node {
  std::string name, opType, domain;
  std::vector<std::string> inputs, outputs; // "" marks an absent optional input
  std::map<std::string, Attribute> attributes;

  /// The attribute's integer, or `fallback`.
  int64_t intAttr(const std::string &key, int64_t fallback) const;
  float floatAttr(const std::string &key, float fallback) const;
  std::vector<int64_t> intsAttr(const std::string &key, std::vector<int64_t> fallback) const;
  bool has(const std::string &key) const { return attributes.count(key) != 0; }
  /// "node 'name' (OpType)", for messages.
  std::string describe() const;
};

struct Graph {
  std::vector<Node> nodes; // topologically sorted, Constant nodes removed
  std::map<std::string, Constant> constants;
  /// Static shapes after shape inference; a tensor with an unknown or
  /// symbolic dimension is absent.
  std::map<std::string, std::vector<int64_t>> shapes;
  std::vector<std::string> inputs, outputs; // graph inputs exclude initializers
  std::map<std::string, std::string> metadata;
};

/// Parses, checks (onnx::checker) and shape-infers a serialized model. On
/// failure returns false and sets `error` to one line.
bool loadOnnx(const std::string &bytes, Graph &graph, std::string &error);

} // namespace shiftadd::onnx_import

#endif // SHIFTADD_FRONTEND_ONNXGRAPH_H
