// Builds the ONNX file of docs/onnx-format.md with libonnx's protobuf classes.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shiftadd::train {

/// One node of the graph; converted to protobuf only by OnnxWriter::save.
struct OnnxNode {
  struct Attribute {
    std::string name;
    enum { Int, Float, Ints } kind = Int;
    int64_t i = 0;
    float f = 0;
    std::vector<int64_t> ints;
  };
  std::string op, name, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
};

class OnnxWriter {
public:
  /// A float32 or int8 initializer (by the tensor's dtype); returns its name.
  std::string initializer(const std::string &name, const torch::Tensor &t);
  std::string scalar(const std::string &name, float value);
  OnnxNode *node(const std::string &op, const std::vector<std::string> &inputs,
                        const std::vector<std::string> &outputs, const std::string &name,
                        const std::string &domain = "");
  /// QuantizeLinear + DequantizeLinear with scale 2^-frac; returns the
  /// dequantized name (name + ".dq").
  std::string quantizeDequantize(const std::string &input, int frac, const std::string &name);
  /// DequantizeLinear of an int8 initializer with scale 2^-frac into `output`.
  void dequantize(const std::string &int8Name, int frac, const std::string &output);
  void metadata(const std::string &key, const std::string &value);
  void input(const std::string &name, const std::vector<int64_t> &shape);
  void output(const std::string &name, const std::vector<int64_t> &shape);

  static void attr(OnnxNode *node, const std::string &name, int64_t value);
  static void attr(OnnxNode *node, const std::string &name, float value);
  static void attr(OnnxNode *node, const std::string &name, const std::vector<int64_t> &value);

  /// Runs onnx::checker and writes the file atomically (temporary + rename).
  /// Throws std::runtime_error naming the file on failure, or when the
  /// trainer was built without libonnx.
  void save(const std::string &path, const std::string &graphName) const;

private:
  /// The scale 2^-frac and zero point 0 initializers of a (De)QuantizeLinear pair.
  std::pair<std::string, std::string> scaleAndZero(const std::string &name, int frac);

  std::vector<std::pair<std::string, torch::Tensor>> initializers;
  std::vector<std::unique_ptr<OnnxNode>> nodes;
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputs, outputs;
  std::map<std::string, std::string> meta;
};

} // namespace shiftadd::train
