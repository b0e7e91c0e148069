// ONNX graph construction; protobuf and onnx::checker only in save().
#include "shiftadd/train/OnnxWriter.h"

#include "shiftadd/train/AtomicFile.h"
#include "shiftadd/train/Config.h"

#include <cmath>
#include <stdexcept>

#ifdef SHIFTADD_HAVE_ONNX
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#endif

namespace shiftadd::train {

std::string OnnxWriter::initializer(const std::string &name, const torch::Tensor &t) {
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  initializers.emplace_back(name, c.scalar_type() == torch::kChar ? c : c.to(torch::kFloat));
  return name;
}

std::string OnnxWriter::scalar(const std::string &name, float value) {
  return initializer(name, torch::tensor(value));
}

OnnxNode *OnnxWriter::node(const std::string &op, const std::vector<std::string> &ins,
                           const std::vector<std::string> &outs, const std::string &name,
                           const std::string &domain) {
  nodes.push_back(std::make_unique<OnnxNode>(OnnxNode{op, name, domain, ins, outs, {}}));
  return nodes.back().get();
}

std::pair<std::string, std::string> OnnxWriter::scaleAndZero(const std::string &name, int frac) {
  return {scalar(name + ".scale", std::ldexp(1.0f, -frac)),
          initializer(name + ".zero", torch::zeros({}, torch::kChar))};
}

std::string OnnxWriter::quantizeDequantize(const std::string &input, int frac, const std::string &name) {
  auto [scale, zero] = scaleAndZero(name, frac);
  node("QuantizeLinear", {input, scale, zero}, {name}, name);
  node("DequantizeLinear", {name, scale, zero}, {name + ".dq"}, name + ".dq");
  return name + ".dq";
}

void OnnxWriter::dequantize(const std::string &int8Name, int frac, const std::string &output) {
  auto [scale, zero] = scaleAndZero(output, frac);
  node("DequantizeLinear", {int8Name, scale, zero}, {output}, output);
}

void OnnxWriter::metadata(const std::string &key, const std::string &value) { meta[key] = value; }

void OnnxWriter::input(const std::string &name, const std::vector<int64_t> &shape) {
  inputs.emplace_back(name, shape);
}

void OnnxWriter::output(const std::string &name, const std::vector<int64_t> &shape) {
  outputs.emplace_back(name, shape);
}

void OnnxWriter::attr(OnnxNode *node, const std::string &name, int64_t value) {
  OnnxNode::Attribute a;
  a.name = name, a.kind = OnnxNode::Attribute::Int, a.i = value;
  node->attributes.push_back(a);
}

void OnnxWriter::attr(OnnxNode *node, const std::string &name, float value) {
  OnnxNode::Attribute a;
  a.name = name, a.kind = OnnxNode::Attribute::Float, a.f = value;
  node->attributes.push_back(a);
}

void OnnxWriter::attr(OnnxNode *node, const std::string &name, const std::vector<int64_t> &value) {
  OnnxNode::Attribute a;
  a.name = name, a.kind = OnnxNode::Attribute::Ints, a.ints = value;
  node->attributes.push_back(a);
}

#ifdef SHIFTADD_HAVE_ONNX
namespace {
void valueInfo(onnx::ValueInfoProto *v, const std::string &name, const std::vector<int64_t> &shape) {
  v->set_name(name);
  auto *tensor = v->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape)
    tensor->mutable_shape()->add_dim()->set_dim_value(d);
}
} // namespace

void OnnxWriter::save(const std::string &path, const std::string &graphName) const {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("shiftadd-train");
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name(graphName);
  bool custom = false;
  for (const auto &[name, t] : initializers) {
    onnx::TensorProto *p = graph->add_initializer();
    p->set_name(name);
    for (int64_t d : t.sizes())
      p->add_dims(d);
    bool int8 = t.scalar_type() == torch::kChar;
    p->set_data_type(int8 ? onnx::TensorProto::INT8 : onnx::TensorProto::FLOAT);
    p->set_raw_data(std::string(static_cast<const char *>(t.data_ptr()), size_t(t.nbytes())));
  }
  for (const auto &n : nodes) {
    onnx::NodeProto *p = graph->add_node();
    p->set_op_type(n->op);
    p->set_name(n->name);
    if (!n->domain.empty())
      p->set_domain(n->domain), custom = true;
    for (const auto &i : n->inputs)
      p->add_input(i);
    for (const auto &o : n->outputs)
      p->add_output(o);
    for (const auto &a : n->attributes) {
      auto *pa = p->add_attribute();
      pa->set_name(a.name);
      if (a.kind == OnnxNode::Attribute::Int)
        pa->set_type(onnx::AttributeProto::INT), pa->set_i(a.i);
      else if (a.kind == OnnxNode::Attribute::Float)
        pa->set_type(onnx::AttributeProto::FLOAT), pa->set_f(a.f);
      else {
        pa->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.ints)
          pa->add_ints(v);
      }
    }
  }
  for (const auto &[name, shape] : inputs)
    valueInfo(graph->add_input(), name, shape);
  for (const auto &[name, shape] : outputs)
    valueInfo(graph->add_output(), name, shape);
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  if (custom) {
    auto *c = model.add_opset_import();
    c->set_domain("ai.shiftadd");
    c->set_version(1);
  }
  for (const auto &[key, value] : meta) {
    auto *p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }
  try {
    // ai.shiftadd::AdderConv has no schema here: the checker skips custom
    // domains, and the importer checks the node against its own schema.
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    throw std::runtime_error(path + ": exported model fails onnx::checker: " + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw std::runtime_error(path + ": cannot serialise the ONNX model");
  writeFileAtomically(path, bytes);
}
#else
void OnnxWriter::save(const std::string &path, const std::string &) const {
  throw std::runtime_error(path + ": this shiftadd-train was built without libonnx and cannot export");
}
#endif

} // namespace shiftadd::train
