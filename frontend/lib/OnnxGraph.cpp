//===- OnnxGraph.cpp - Load, check and shape-infer ONNX models ------------===//
//
// The only file that sees protobuf and libonnx; it is compiled with
// exceptions, which it converts into error strings here.
//
//===----------------------------------------------------------------------===//

#include "shiftadd/Frontend/OnnxGraph.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <cstring>
#include <mutex>

namespace shiftadd::onnx_import {

int64_t Node::intAttr(const std::string &key, int64_t fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.i;
}

float Node::floatAttr(const std::string &key, float fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.f;
}

std::vector<int64_t> Node::intsAttr(const std::string &key, std::vector<int64_t> fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.ints;
}

std::string Node::describe() const {
  return "node '" + name + "' (" + (domain.empty() ? "" : domain + "::") + opType + ")";
}

namespace {

/// ai.shiftadd::AdderConv: the schema lets the checker and shape inference
/// treat it like a convolution (docs/onnx-format.md).
void registerShiftAddDomain() {
  static std::once_flag once;
  std::call_once(once, [] {
    onnx::OpSchemaRegistry::DomainToVersionRange::Instance().AddDomainToVersion("ai.shiftadd", 1, 1);
    onnx::OpSchema schema;
    schema.SetName("AdderConv")
        .SetDomain("ai.shiftadd")
        .SinceVersion(1)
        .SetDoc("AdderNet convolution: Y = -sum |X - W| over each window.")
        .Input(0, "X", "input, NCHW", "T")
        .Input(1, "W", "weights, OIHW", "T")
        .Input(2, "B", "bias", "T", onnx::OpSchema::Optional)
        .Output(0, "Y", "output, NCHW", "T")
        .TypeConstraint("T", {"tensor(float)"}, "float tensors")
        .Attr("kernel_shape", "kernel size", onnx::AttributeProto::INTS, false)
        .Attr("pads", "top, left, bottom, right", onnx::AttributeProto::INTS, false)
        .Attr("strides", "strides", onnx::AttributeProto::INTS, false)
        .Attr("group", "groups", onnx::AttributeProto::INT, static_cast<int64_t>(1))
        .TypeAndShapeInferenceFunction([](onnx::InferenceContext &ctx) {
          onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
          if (!onnx::hasNInputShapes(ctx, 2))
            return;
          const auto &x = ctx.getInputType(0)->tensor_type().shape();
          const auto &w = ctx.getInputType(1)->tensor_type().shape();
          if (x.dim_size() != 4 || w.dim_size() != 4)
            fail_shape_inference("AdderConv needs 4-D input and weights");
          std::vector<int64_t> pads(4, 0), strides(2, 1);
          if (const auto *a = ctx.getAttribute("pads"))
            pads.assign(a->ints().begin(), a->ints().end());
          if (const auto *a = ctx.getAttribute("strides"))
            strides.assign(a->ints().begin(), a->ints().end());
          if (pads.size() != 4 || strides.size() != 2)
            fail_shape_inference("AdderConv needs 4 pads and 2 strides");
          auto *y = ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
          *y->add_dim() = x.dim(0);
          *y->add_dim() = w.dim(0);
          for (int d = 0; d < 2; ++d) {
            auto *out = y->add_dim();
            if (x.dim(2 + d).has_dim_value() && w.dim(2 + d).has_dim_value() && strides[d] > 0)
              out->set_dim_value((x.dim(2 + d).dim_value() + pads[d] + pads[d + 2] -
                                  w.dim(2 + d).dim_value()) / strides[d] + 1);
          }
        });
    onnx::RegisterSchema(schema);
  });
}

/// First line of an exception message (libonnx appends context lines).
std::string firstLine(const char *what) {
  std::string text(what);
  return text.substr(0, text.find('\n'));
}

bool readConstant(const onnx::TensorProto &t, Constant &out, std::string &error) {
  out.shape.assign(t.dims().begin(), t.dims().end());
  size_t count = 1;
  for (int64_t d : out.shape) {
    if (d < 0 || (d > 0 && count > (size_t(1) << 30) / size_t(d))) {
      error = "tensor '" + t.name() + "' has an invalid shape";
      return false;
    }
    count *= size_t(d);
  }
  const std::string &raw = t.raw_data();
  auto fromRaw = [&](size_t size, auto convert) {
    if (raw.size() != count * size) {
      error = "tensor '" + t.name() + "' holds " + std::to_string(raw.size()) +
              " bytes, its shape needs " + std::to_string(count * size);
      return false;
    }
    for (size_t i = 0; i < count; ++i)
      out.values.push_back(convert(raw.data() + i * size));
    return true;
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    out.isFloat = true;
    if (t.has_raw_data())
      return fromRaw(4, [](const char *p) { float v; std::memcpy(&v, p, 4); return double(v); });
    out.values.assign(t.float_data().begin(), t.float_data().end());
    break;
  case onnx::TensorProto::INT8:
    out.isInt8 = true;
    if (t.has_raw_data())
      return fromRaw(1, [](const char *p) { return double(int8_t(*p)); });
    out.values.assign(t.int32_data().begin(), t.int32_data().end());
    break;
  case onnx::TensorProto::INT64:
    if (t.has_raw_data())
      return fromRaw(8, [](const char *p) { int64_t v; std::memcpy(&v, p, 8); return double(v); });
    out.values.assign(t.int64_data().begin(), t.int64_data().end());
    break;
  case onnx::TensorProto::INT32:
    if (t.has_raw_data())
      return fromRaw(4, [](const char *p) { int32_t v; std::memcpy(&v, p, 4); return double(v); });
    out.values.assign(t.int32_data().begin(), t.int32_data().end());
    break;
  default:
    error = "tensor '" + t.name() + "' has unsupported element type " + std::to_string(t.data_type());
    return false;
  }
  if (out.values.size() != count) {
    error = "tensor '" + t.name() + "' holds " + std::to_string(out.values.size()) +
            " values, its shape needs " + std::to_string(count);
    return false;
  }
  return true;
}

void readShape(const onnx::ValueInfoProto &info, Graph &graph) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape())
    return;
  std::vector<int64_t> shape;
  for (const auto &dim : info.type().tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() <= 0)
      return; // symbolic or unknown: not static
    shape.push_back(dim.dim_value());
  }
  graph.shapes[info.name()] = shape;
}

/// Ops the importer maps (docs/onnx-format.md), by domain.
bool isSupported(const onnx::NodeProto &n) {
  static const char *standard[] = {"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm", "MatMul",
                                   "BatchNormalization", "Relu", "Clip", "Add", "MaxPool",
                                   "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
                                   "Concat", "Constant"};
  if (n.domain() == "ai.shiftadd")
    return n.op_type() == "AdderConv";
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return false;
  for (const char *op : standard)
    if (n.op_type() == op)
      return true;
  return false;
}

/// Checks what libonnx's shape inference divides by: it must run only on
/// supported ops with positive strides, dilations and kernel sizes (a zero
/// stride makes libonnx 1.12 divide by zero).
bool precheckNodes(const onnx::GraphProto &g, std::string &error) {
  for (const auto &n : g.node()) {
    std::string where = "node '" + n.name() + "' (" + n.op_type() + ")";
    if (!isSupported(n)) {
      error = where + ": unsupported operation";
      return false;
    }
    for (const auto &a : n.attribute()) {
      bool positive = a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape";
      for (int64_t v : a.ints())
        if ((positive && v < 1) || (a.name() == "pads" && v < 0)) {
          error = where + ": " + a.name() + " must be " + (positive ? "positive" : "non-negative");
          return false;
        }
    }
  }
  return true;
}

} // namespace

bool loadOnnx(const std::string &bytes, Graph &graph, std::string &error) {
  registerShiftAddDomain();
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    error = "not a valid ONNX protobuf (truncated or malformed)";
    return false;
  }
  for (const auto &opset : model.opset_import()) {
    bool standard = opset.domain().empty() || opset.domain() == "ai.onnx";
    if (standard && (opset.version() < 13 || opset.version() > 17)) {
      error = "opset " + std::to_string(opset.version()) +
              " of the default domain is not supported (13 to 17 are)";
      return false;
    }
    if (opset.domain() == "ai.shiftadd" && opset.version() != 1) {
      error = "ai.shiftadd opset " + std::to_string(opset.version()) + " is not supported (1 is)";
      return false;
    }
  }
  if (!precheckNodes(model.graph(), error))
    return false;
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception &e) {
    error = "invalid ONNX model: " + firstLine(e.what());
    return false;
  }
  const onnx::GraphProto &g = model.graph();
  for (const auto &init : g.initializer()) {
    Constant c;
    if (!readConstant(init, c, error))
      return false;
    graph.constants[init.name()] = std::move(c);
  }
  for (const auto &info : g.input()) {
    readShape(info, graph);
    if (!graph.constants.count(info.name()))
      graph.inputs.push_back(info.name());
  }
  for (const auto &info : g.value_info())
    readShape(info, graph);
  for (const auto &info : g.output()) {
    readShape(info, graph);
    graph.outputs.push_back(info.name());
  }
  for (const auto &prop : model.metadata_props())
    graph.metadata[prop.key()] = prop.value();
  for (const auto &n : g.node()) {
    if (n.op_type() == "Constant" && n.domain().empty()) {
      Constant c;
      if (n.output_size() != 1 || n.attribute_size() != 1 || !n.attribute(0).has_t()) {
        error = "node '" + n.name() + "' (Constant): only tensor constants are supported";
        return false;
      }
      if (!readConstant(n.attribute(0).t(), c, error))
        return false;
      graph.constants[n.output(0)] = std::move(c);
      continue;
    }
    Node node;
    node.name = n.name().empty() ? (n.output_size() ? n.output(0) : n.op_type()) : n.name();
    node.opType = n.op_type();
    node.domain = n.domain() == "ai.onnx" ? "" : n.domain();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto &a : n.attribute()) {
      Attribute attr;
      attr.i = a.i();
      attr.f = a.f();
      attr.s = a.s();
      attr.ints.assign(a.ints().begin(), a.ints().end());
      node.attributes[a.name()] = attr;
    }
    graph.nodes.push_back(std::move(node));
  }
  return true;
}

} // namespace shiftadd::onnx_import
