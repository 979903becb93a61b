#include "quant/quantization_plan.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace moeserve::quant {
namespace {

[[noreturn]] void fail(std::string_view key, const std::string& what) {
  throw std::invalid_argument("quantization_config." + std::string(key) + ": " + what);
}

constexpr int recipe_w4_last_layer = 6;  // FastDeploy's WINT2 recipe: MoE layers 0-6 WINT4

int default_group(weight_format f) {
  switch (f) {
    case weight_format::block_wise_fp8:
      return 128;
    case weight_format::wint2:
      return 64;
    default:
      return 0;
  }
}

weight_scheme plain(weight_format f) { return {f, default_group(f)}; }

// One moe_w{4,2}_quant_config: its scheme, after validating every key.
weight_scheme moe_part_scheme(const moe_layer_quant_config& c, std::string_view key) {
  const std::string k(key);
  const weight_format f = parse_weight_format(c.quant_type, k + ".quant_type");
  if (f == weight_format::none) fail(k + ".quant_type", "must name a quantized format");
  if (c.quant_start_layer < 0) fail(k + ".quant_start_layer", "negative layer " + std::to_string(c.quant_start_layer));
  if (c.quant_start_layer > c.quant_end_layer) {
    fail(k + ".quant_end_layer",
         "end " + std::to_string(c.quant_end_layer) + " is before start " + std::to_string(c.quant_start_layer));
  }
  const std::string& g = c.quant_granularity;
  if (g != "" && g != "per_channel" && g != "group" && g != "pp_acc") {
    fail(k + ".quant_granularity", "unknown '" + g + "' (per_channel, group or pp_acc)");
  }
  if (f == weight_format::wint2) {
    if (g == "group" || g == "per_channel") fail(k + ".quant_granularity", "wint2 is pp_acc (group 64) only");
    if (c.quant_group_size != 0 && c.quant_group_size != 64) {
      fail(k + ".quant_group_size", "wint2 needs 64, not " + std::to_string(c.quant_group_size));
    }
    return plain(f);
  }
  if (g == "pp_acc") fail(k + ".quant_granularity", "pp_acc is for wint2 only");
  if (g == "group") {
    if (f != weight_format::wint4) fail(k + ".quant_granularity", "group-wise is for wint4 only");
    if (c.quant_group_size != 64 && c.quant_group_size != 128) {
      fail(k + ".quant_group_size", "wint4 groups are 64 or 128, not " + std::to_string(c.quant_group_size));
    }
    return {f, c.quant_group_size};
  }
  return plain(f);
}

kv_cache_format kv_from_config(const std::string& t) {
  if (t.empty() || t == "none" || t == "bf16" || t == "auto") return kv_cache_format::auto_;
  if (t == "int8") return kv_cache_format::int8;
  if (t == "fp8" || t == "float8_e4m3fn") return kv_cache_format::fp8;
  fail("kv_cache_quant_type", "unsupported '" + t + "' (int8 or fp8)");
}

std::string_view weight_digits(weight_format f) {
  switch (f) {
    case weight_format::wint8:
      return "8";
    case weight_format::block_wise_fp8:
      return "fp8";
    case weight_format::wint4:
      return "4";
    case weight_format::wint2:
      return "2";
    case weight_format::none:
      break;
  }
  return "16";
}

}  // namespace

std::string_view to_string(weight_format f) {
  switch (f) {
    case weight_format::wint8:
      return "wint8";
    case weight_format::wint4:
      return "wint4";
    case weight_format::block_wise_fp8:
      return "block_wise_fp8";
    case weight_format::wint2:
      return "wint2";
    case weight_format::none:
      break;
  }
  return "none";
}

std::string_view to_string(layer_kind k) {
  switch (k) {
    case layer_kind::attention:
      return "attention";
    case layer_kind::dense_mlp:
      return "dense_mlp";
    case layer_kind::shared_expert:
      return "shared_expert";
    case layer_kind::moe_expert:
      return "moe_expert";
    case layer_kind::router:
      return "router";
    case layer_kind::embedding:
      return "embedding";
    case layer_kind::lm_head:
      break;
  }
  return "lm_head";
}

weight_format parse_weight_format(std::string_view name, std::string_view key) {
  for (const weight_format f : {weight_format::none, weight_format::wint8, weight_format::wint4,
                                weight_format::block_wise_fp8, weight_format::wint2}) {
    if (name == to_string(f)) return f;
  }
  throw std::invalid_argument(std::string(key) + ": unknown weight format '" + std::string(name) +
                              "' (none, wint8, wint4, block_wise_fp8, wint2)");
}

weight_scheme quantization_plan::scheme_for(layer_kind kind, int layer_index) const {
  if (layer_index < 0) throw std::invalid_argument("scheme_for: negative layer index");
  switch (kind) {
    case layer_kind::attention:
    case layer_kind::dense_mlp:
    case layer_kind::shared_expert:
      return dense_;
    case layer_kind::moe_expert:
      for (const moe_range& r : moe_ranges_) {
        if (layer_index >= r.first && layer_index <= r.last) return r.scheme;
      }
      return moe_default_;
    case layer_kind::router:
    case layer_kind::embedding:
    case layer_kind::lm_head:
      break;
  }
  return {};
}

bool quantization_plan::quantizes_anything() const {
  if (dense_.format != weight_format::none || moe_default_.format != weight_format::none) return true;
  return std::any_of(moe_ranges_.begin(), moe_ranges_.end(),
                     [](const moe_range& r) { return r.scheme.format != weight_format::none; });
}

std::string quantization_plan::name() const {
  std::vector<weight_format> used = {dense_.format, moe_default_.format};
  for (const moe_range& r : moe_ranges_) used.push_back(r.scheme.format);
  return name_of(std::move(used));
}

std::string quantization_plan::name_for(const std::vector<bool>& moe_layers) const {
  std::vector<weight_format> used = {dense_.format};
  for (std::size_t i = 0; i < moe_layers.size(); ++i) {
    if (moe_layers[i]) used.push_back(format_for(layer_kind::moe_expert, static_cast<int>(i)));
  }
  return name_of(std::move(used));
}

std::string quantization_plan::name_of(std::vector<weight_format> formats) const {
  std::vector<weight_format> used;
  for (const weight_format f : formats) {
    if (f != weight_format::none && std::find(used.begin(), used.end(), f) == used.end()) used.push_back(f);
  }
  if (used.empty()) used.push_back(weight_format::none);
  // Widest first: 8-bit, fp8, 4-bit, 2-bit (the enum order none, wint8, wint4, fp8, wint2 differs).
  auto rank = [](weight_format f) {
    switch (f) {
      case weight_format::none:
        return 0;
      case weight_format::wint8:
        return 1;
      case weight_format::block_wise_fp8:
        return 2;
      case weight_format::wint4:
        return 3;
      case weight_format::wint2:
        return 4;
    }
    return 5;
  };
  std::sort(used.begin(), used.end(), [&](weight_format a, weight_format b) { return rank(a) < rank(b); });
  std::string w, a;
  bool a16 = false, afp8 = false;
  for (const weight_format f : used) {
    if (!w.empty()) w += '/';
    w += weight_digits(f);
    (f == weight_format::block_wise_fp8 ? afp8 : a16) = true;
  }
  a = a16 && afp8 ? "16/fp8" : (afp8 ? "fp8" : "16");
  const std::string_view c =
      kv_cache_ == kv_cache_format::int8 ? "8" : (kv_cache_ == kv_cache_format::fp8 ? "fp8" : "16");
  return "W" + w + "A" + a + "C" + std::string(c);
}

quantization_plan resolve_quantization(std::string_view flag, const std::optional<quantization_config>& config,
                                       kv_cache_format kv_flag) {
  static constexpr std::string_view methods[] = {"wint8", "wint4", "block_wise_fp8", "wint2", "mix_quant"};
  auto known = [](std::string_view m) {
    return std::find(std::begin(methods), std::end(methods), m) != std::end(methods);
  };
  if (!flag.empty() && !known(flag)) {
    throw std::invalid_argument("--quantization: unknown method '" + std::string(flag) +
                                "' (wint8, wint4, block_wise_fp8, wint2, mix_quant)");
  }
  const quantization_config cfg = config.value_or(quantization_config{});

  // Validate every key that is present, whichever method ends up used.
  if (cfg.has_zero_point.value_or(false)) fail("has_zero_point", "asymmetric weights are not supported");
  std::string config_method = cfg.quantization;
  if (!config_method.empty() && config_method != "none" && !known(config_method)) {
    fail("quantization", "unknown method '" + config_method + "'");
  }
  if (!cfg.quant_method.empty()) {
    if (cfg.quant_method != "fp8") fail("quant_method", "unsupported '" + cfg.quant_method + "' (fp8)");
    if (!cfg.weight_block_size.empty() && cfg.weight_block_size != std::vector<int>{128, 128}) {
      fail("weight_block_size", "only [128, 128] blocks are supported");
    }
    if (config_method.empty()) config_method = "block_wise_fp8";
  }
  std::optional<weight_scheme> dense_type, moe_type;
  if (!cfg.dense_quant_type.empty()) {
    dense_type = plain(parse_weight_format(cfg.dense_quant_type, "quantization_config.dense_quant_type"));
    if (dense_type->format == weight_format::wint2) fail("dense_quant_type", "wint2 is for MoE experts only");
  }
  const bool w4w2 = cfg.moe_quant_type == "w4w2";
  if (!cfg.moe_quant_type.empty() && !w4w2) {
    moe_type = plain(parse_weight_format(cfg.moe_quant_type, "quantization_config.moe_quant_type"));
  }
  std::optional<weight_scheme> w4, w2;
  if (cfg.moe_w4_quant_config) w4 = moe_part_scheme(*cfg.moe_w4_quant_config, "moe_w4_quant_config");
  if (cfg.moe_w2_quant_config) w2 = moe_part_scheme(*cfg.moe_w2_quant_config, "moe_w2_quant_config");
  if (w2 && w2->format != weight_format::wint2) fail("moe_w2_quant_config.quant_type", "must be wint2");
  if (w4 && w4->format == weight_format::wint2) fail("moe_w4_quant_config.quant_type", "must not be wint2");
  if (w4 && w2 && cfg.moe_w4_quant_config->quant_end_layer >= cfg.moe_w2_quant_config->quant_start_layer &&
      cfg.moe_w2_quant_config->quant_end_layer >= cfg.moe_w4_quant_config->quant_start_layer) {
    fail("moe_w2_quant_config.quant_start_layer", "range overlaps moe_w4_quant_config's");
  }

  std::string method(flag);
  if (method.empty()) method = config_method == "none" ? "" : config_method;
  if (method.empty() && (dense_type || moe_type || w4w2)) method = "mix_quant";
  if (!flag.empty() && !config_method.empty() && config_method != "none" && flag != config_method &&
      flag != "mix_quant") {
    throw std::invalid_argument("--quantization " + std::string(flag) + " conflicts with the checkpoint's " +
                                (cfg.quantization.empty() ? "quant_method fp8" : "quantization " + cfg.quantization));
  }

  quantization_plan plan;
  plan.method_ = method;
  plan.kv_cache_ = kv_flag != kv_cache_format::auto_ ? kv_flag : kv_from_config(cfg.kv_cache_quant_type);
  if (method.empty()) return plan;

  if (method == "mix_quant" && !dense_type && !moe_type && !w4w2) {
    fail("moe_quant_type", "mix_quant needs dense_quant_type or moe_quant_type");
  }
  const bool recipe = method == "wint2";
  const weight_scheme method_scheme =
      (method == "mix_quant" || recipe) ? weight_scheme{} : plain(parse_weight_format(method, "--quantization"));
  plan.dense_ = dense_type.value_or(recipe ? plain(weight_format::wint8) : method_scheme);
  if (w4w2 || (recipe && !moe_type)) {
    // Without moe_w4_quant_config, WINT4 covers the layers before WINT2's range: the
    // recipe's 0-6 when no range is given either, else 0 .. (moe_w2's start - 1).
    moe_layer_quant_config w4_range{"wint4", "per_channel", 0, 0, recipe_w4_last_layer};
    if (cfg.moe_w4_quant_config) {
      w4_range = *cfg.moe_w4_quant_config;
    } else if (cfg.moe_w2_quant_config) {
      w4_range.quant_end_layer = cfg.moe_w2_quant_config->quant_start_layer - 1;
    }
    const int w2_first =
        cfg.moe_w2_quant_config ? cfg.moe_w2_quant_config->quant_start_layer : w4_range.quant_end_layer + 1;
    const int w2_last = cfg.moe_w2_quant_config ? cfg.moe_w2_quant_config->quant_end_layer : INT_MAX;
    if (w4_range.quant_end_layer >= w4_range.quant_start_layer) {
      plan.moe_ranges_.push_back(
          {w4_range.quant_start_layer, w4_range.quant_end_layer, w4.value_or(plain(weight_format::wint4))});
    }
    plan.moe_ranges_.push_back({w2_first, w2_last, plain(weight_format::wint2)});
    plan.moe_default_ = {};
  } else {
    plan.moe_default_ = moe_type.value_or(method_scheme);
  }
  return plan;
}

}  // namespace moeserve::quant
