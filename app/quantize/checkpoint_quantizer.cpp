#include "app/quantize/checkpoint_quantizer.hpp"

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "app/quantize/quantization_json.hpp"
#include "app/quantize/quantized_tensors.hpp"
#include "model/arch/weight_kind.hpp"
#include "model/config/hf_config.hpp"
#include "model/config/quantization_config_json.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/safetensors_checkpoint.hpp"
#include "model/io/safetensors_writer.hpp"

namespace moeserve::app {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(p.string() + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(p.string() + ": write failed");
}

// The source config.json (already parsed as a JSON object by load_hf_config) with
// "quantization_config": qc added as its last key.
std::string config_with_quantization(const fs::path& path, const std::string& qc) {
  const std::string text = read_text(path);
  const auto close = text.rfind('}');
  std::string head = text.substr(0, close);
  while (!head.empty() && (head.back() == ' ' || head.back() == '\n' || head.back() == '\r' || head.back() == '\t')) {
    head.pop_back();
  }
  const bool empty_object = !head.empty() && head.back() == '{';
  return head + (empty_object ? "\n" : ",\n") + "  \"quantization_config\": " + qc + "\n}\n";
}

std::string quantization_json_of(const std::string& flag, int num_layers) {
  if (looks_like_json(flag)) return flag;
  if (flag.size() > 5 && flag.ends_with(".json") && fs::is_regular_file(flag)) return read_text(flag);
  return method_config_json(flag, num_layers);
}

// A quantized weight shared by the fills of its tensors: computed at the first, freed
// after the last.
struct pending_weight {
  const model::tensor_view* source = nullptr;
  quant::weight_scheme scheme;
  quant::scale_dtype scales = quant::scale_dtype::fp32;
  int threads = 1;
  std::vector<quantized_tensor> result;
  std::size_t remaining = 0;
  bool done = false;
  std::function<void()> on_start;

  std::span<const std::byte> bytes(std::size_t i) {
    if (!done) {
      if (on_start) on_start();
      const std::vector<float> w = model::dequantize(*source);
      result = quantize_weight(source->name, w, source->shape[0], source->shape[1], scheme, scales, threads);
      done = true;
    }
    return result.at(i).bytes;
  }
  void release() {
    if (--remaining == 0) result = {};
  }
};

}  // namespace

quantize_summary quantize_checkpoint(const quantize_options& o) {
  if (o.model.extension() == ".gguf") {
    throw std::invalid_argument(o.model.string() +
                                ": moeserve quantize reads Hugging Face directories only (llama.cpp permutes the "
                                "q/k rows of GGUF llama models and keeps their tokenizer in metadata); quantize a "
                                "GGUF model online with --quantization at load instead");
  }
  if (!fs::is_directory(o.model)) throw std::invalid_argument(o.model.string() + ": not a model directory");
  if (fs::exists(o.output) && !(fs::is_directory(o.output) && fs::is_empty(o.output))) {
    throw std::invalid_argument(o.output.string() + ": exists and is not an empty directory");
  }
  const model::model_config config = model::load_hf_config(o.model / "config.json");
  if (config.quantization) {
    throw std::invalid_argument((o.model / "config.json").string() +
                                ": the model is already quantized (it has a quantization_config)");
  }
  quantize_summary summary;
  summary.quantization_config = quantization_json_of(o.quantization, config.num_layers);
  const quant::quantization_plan plan =
      quant::resolve_quantization("", model::parse_quantization_config(summary.quantization_config, "--quantization"));
  if (!plan.quantizes_anything()) throw std::invalid_argument("--quantization: the plan quantizes nothing");
  summary.plan_name = plan.name_for(config.moe.moe_layers);
  const std::string config_text = config_with_quantization(o.model / "config.json", summary.quantization_config);

  const model::safetensors_checkpoint input(o.model);
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  model::safetensors_writer writer;
  writer.set_metadata("format", "pt");
  writer.set_metadata("quantized_by", "moeserve quantize " + summary.plan_name);
  int total = 0;
  for (const model::tensor_view* t : input.tensors()) {
    if (model::scheme_for_weight(plan, t->name).format != quant::weight_format::none) ++total;
  }
  for (const model::tensor_view* t : input.tensors()) {
    summary.input_bytes += t->data.size();
    const quant::weight_scheme scheme = model::scheme_for_weight(plan, t->name);
    if (scheme.format == quant::weight_format::none) {
      const std::span<const std::byte> data = t->data;
      writer.add(std::string(t->name), t->type, {t->dims().begin(), t->dims().end()},
                 [data](std::span<std::byte> out) {
                   if (!out.empty()) std::memcpy(out.data(), data.data(), out.size());  // empty: no pointer
                 });
      ++summary.copied_tensors;
      continue;
    }
    const std::string name(t->name);
    if (t->rank != 2) throw std::invalid_argument(name + ": a linear weight must have rank 2");
    if (t->type != model::dtype::f32 && t->type != model::dtype::bf16 && t->type != model::dtype::f16) {
      throw std::invalid_argument(name + ": source dtype " + std::string(model::name(t->type)) +
                                  " (F32, BF16 or F16 expected)");
    }
    auto p = std::make_shared<pending_weight>();
    p->source = t;
    p->scheme = scheme;
    p->scales = t->type == model::dtype::bf16 ? quant::scale_dtype::bf16 : quant::scale_dtype::fp32;
    p->threads = threads;
    const int index = ++summary.quantized_weights;
    if (o.on_progress) {
      p->on_start = [&o, index, total, name, scheme] {
        o.on_progress("[" + std::to_string(index) + "/" + std::to_string(total) + "] " + name + " -> " +
                      std::string(quant::to_string(scheme.format)) +
                      (scheme.group_size > 0 && scheme.format == quant::weight_format::wint4
                           ? " g" + std::to_string(scheme.group_size)
                           : ""));
      };
    }
    const auto layouts = quantized_layout(name, t->shape[0], t->shape[1], scheme, p->scales);
    p->remaining = layouts.size();
    for (std::size_t i = 0; i < layouts.size(); ++i) {
      writer.add(layouts[i].name, layouts[i].type, layouts[i].shape, [p, i](std::span<std::byte> out) {
        const auto bytes = p->bytes(i);
        if (bytes.size() != out.size()) throw std::logic_error("quantized tensor size mismatch");
        if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size());
        p->release();
      });
    }
  }
  summary.output_bytes = writer.total_bytes();
  fs::create_directories(o.output);
  writer.write_checkpoint(o.output, o.max_shard_bytes);
  write_text(o.output / "config.json", config_text);
  for (const std::string_view f : tokenizer_files) {
    if (fs::is_regular_file(o.model / f)) fs::copy_file(o.model / f, o.output / f, fs::copy_options::overwrite_existing);
  }
  return summary;
}

}  // namespace moeserve::app
