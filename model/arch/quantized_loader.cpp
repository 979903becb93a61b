#include "model/arch/quantized_loader.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

#include "model/io/dequantize.hpp"
#include "model/io/load_error.hpp"
#include "quant/wint2_encoder.hpp"

namespace moeserve::model {

namespace {

using quant::weight_format;

// "<...>.weight" -> "<...>.weight<suffix>".
std::string companion(std::string_view weight, std::string_view suffix) { return std::string(weight) + std::string(suffix); }

std::string shape_of(const tensor_view& t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i) s += (i ? ", " : "") + std::to_string(t.shape[static_cast<std::size_t>(i)]);
  return s + "]";
}

[[noreturn]] void fail(const model_files& files, const tensor_view& t, const std::string& what) {
  throw load_error(files.path().string() + ": tensor \"" + std::string(t.name) + "\" " + what);
}

// A companion tensor that must exist with `elements` values of a float dtype, as floats.
std::vector<float> companion_floats(const model_files& files, const tensor_view& w, std::string_view suffix,
                                    std::int64_t elements) {
  const std::string name = companion(w.name, suffix);
  const tensor_view* t = files.find(name);
  if (!t) fail(files, w, "needs its companion \"" + name + "\"");
  if (t->element_count() != elements || (t->type != dtype::f32 && t->type != dtype::bf16 && t->type != dtype::f16))
    fail(files, *t, "has " + std::string(model::name(t->type)) + " " + shape_of(*t) + ", expected " +
                        std::to_string(elements) + " F32/BF16 values");
  return dequantize(*t);
}

std::vector<std::uint8_t> bytes_of(const tensor_view& t) {
  std::vector<std::uint8_t> out(t.data.size());
  if (!out.empty()) std::memcpy(out.data(), t.data.data(), out.size());
  return out;
}

void require_shape(const model_files& files, const tensor_view& t, dtype type, std::int64_t rows, std::int64_t cols) {
  if (t.type != type || t.rank != 2 || t.shape[0] != rows || t.shape[1] != cols)
    fail(files, t, "is " + std::string(model::name(t.type)) + " " + shape_of(t) + ", expected " +
                       std::string(model::name(type)) + " [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
}

}  // namespace

quantized_weight quantize_weight(std::span<const float> w, std::int64_t rows, std::int64_t cols,
                                 quant::weight_scheme scheme) {
  quantized_weight q;
  q.rows = rows;
  q.cols = cols;
  switch (scheme.format) {
    case weight_format::wint8: q.data = quant::quantize_wint8(w, rows, cols); break;
    case weight_format::wint4: q.data = quant::quantize_wint4(w, rows, cols, scheme.group_size); break;
    case weight_format::block_wise_fp8: q.data = quant::quantize_fp8_block_weight(w, rows, cols); break;
    case weight_format::wint2:
      q.data = quant::quantize_wint2_rows(w, rows, cols, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
      break;
    case weight_format::none: throw std::invalid_argument("quantize_weight: no format");
  }
  return q;
}

weight_format stored_format(const model_files& files, const tensor_view& t) {
  const auto has = [&](std::string_view suffix) { return files.find(companion(t.name, suffix)) != nullptr; };
  if (!std::string_view(t.name).ends_with(".weight")) return weight_format::none;
  if (t.type == dtype::f8_e4m3) return weight_format::block_wise_fp8;
  if (t.type == dtype::i8 && has("_scale")) return weight_format::wint8;
  if (t.type == dtype::u8 && has("_code_scale")) return weight_format::wint2;
  if (t.type == dtype::u8 && has("_scale")) return weight_format::wint4;
  return weight_format::none;
}

std::unique_ptr<backend_weight> quantized_loader::load(const tensor_view& t, quant::layer_kind kind, int layer,
                                                       std::int64_t rows, std::int64_t cols) {
  const quant::weight_scheme scheme = plan_.scheme_for(kind, std::max(layer, 0));
  const weight_format stored = stored_format(files_, t);
  if (stored != weight_format::none) return load_prequantized(t, stored, scheme, rows, cols);
  if (t.rank != 2 || t.shape[0] != rows || t.shape[1] != cols)
    fail(files_, t, "has shape " + shape_of(t) + ", expected [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
  if (scheme.format == weight_format::none) return backend_.load_matrix(t);
  return backend_.load_quantized(quantize_online(t, scheme, rows, cols));
}

quantized_weight quantized_loader::quantize_online(const tensor_view& t, quant::weight_scheme scheme, std::int64_t rows,
                                                   std::int64_t cols) {
  const std::vector<float> w = dequantize(t);
  try {
    return quantize_weight(w, rows, cols, scheme);
  } catch (const std::invalid_argument& e) {
    fail(files_, t, "cannot be quantized to " + std::string(quant::to_string(scheme.format)) + ": " + e.what());
  }
}

std::unique_ptr<backend_weight> quantized_loader::load_prequantized(const tensor_view& t, weight_format stored,
                                                                    quant::weight_scheme planned, std::int64_t rows,
                                                                    std::int64_t cols) {
  if (stored != planned.format)
    fail(files_, t, "is stored as " + std::string(quant::to_string(stored)) + " but the quantization plan (" +
                        plan_.name() + ") gives it " + std::string(quant::to_string(planned.format)));
  quantized_weight q;
  q.rows = rows;
  q.cols = cols;
  switch (stored) {
    case weight_format::wint8: {
      require_shape(files_, t, dtype::i8, rows, cols);
      quant::wint8_weight w;
      w.rows = rows;
      w.cols = cols;
      w.q.resize(t.data.size());
      std::memcpy(w.q.data(), t.data.data(), w.q.size());
      w.scale = companion_floats(files_, t, "_scale", rows);
      q.data = std::move(w);
      break;
    }
    case weight_format::wint4: {
      if (cols % 2 != 0) fail(files_, t, "cannot hold wint4 of " + std::to_string(cols) + " columns (odd)");
      require_shape(files_, t, dtype::u8, rows, cols / 2);
      const tensor_view* s = files_.find(companion(t.name, "_scale"));
      const std::int64_t groups = s && s->rank == 2 && s->shape[0] == rows ? s->shape[1] : 0;
      if (groups < 1 || cols % groups != 0) fail(files_, t, "has a _scale of shape " + (s ? shape_of(*s) : "?"));
      const std::int64_t g = cols / groups;
      quant::wint4_weight w;
      w.rows = rows;
      w.cols = cols;
      w.group_size = groups == 1 ? quant::wint4_per_channel : static_cast<int>(g);
      try {
        quant::check_wint4_shape(rows, cols, w.group_size);
      } catch (const std::invalid_argument& e) {
        fail(files_, t, e.what());
      }
      w.packed = bytes_of(t);
      w.scale = companion_floats(files_, t, "_scale", rows * groups);
      q.data = std::move(w);
      break;
    }
    case weight_format::block_wise_fp8: {
      require_shape(files_, t, dtype::f8_e4m3, rows, cols);
      quant::fp8_block_weight w;
      w.rows = rows;
      w.cols = cols;
      w.q = bytes_of(t);
      w.scale = companion_floats(files_, t, "_scale_inv", quant::fp8_blocks(rows) * quant::fp8_blocks(cols));
      q.data = std::move(w);
      break;
    }
    case weight_format::wint2: {
      // K padded to a multiple of 128 with zero rows, as online quantization does.
      const std::int64_t kp = quant::wint2_padded_k(cols);
      require_shape(files_, t, dtype::u8, kp / 4, rows);
      quant::wint2_weight w;
      w.k = kp;
      w.n = rows;
      w.packed = bytes_of(t);
      w.code_scale = companion_floats(files_, t, "_code_scale", rows);
      w.code_zp = companion_floats(files_, t, "_code_zp", rows);
      w.super_scale = companion_floats(files_, t, "_super_scale", rows);
      const std::string ls_name = companion(t.name, "_local_scale");
      const tensor_view* ls = files_.find(ls_name);
      if (!ls) fail(files_, t, "needs its companion \"" + ls_name + "\"");
      require_shape(files_, *ls, dtype::u8, kp / quant::wint2_k_multiple, rows);
      w.local_scale = bytes_of(*ls);
      q.data = std::move(w);
      break;
    }
    case weight_format::none: break;
  }
  try {
    return backend_.load_quantized(std::move(q));
  } catch (const std::invalid_argument& e) {
    fail(files_, t, e.what());
  }
}

}  // namespace moeserve::model
