#include "model/backend/rope_table.hpp"

#include <cmath>
#include <numbers>

namespace moeserve::model {

namespace {

// Llama 3's frequency bands: long wavelengths are divided by `factor`, short ones kept,
// the band between interpolated smoothly (as transformers' _compute_llama3_parameters).
double llama3_frequency(double freq, const rope_config& r) {
  const double old_context = r.original_max_position;
  const double low_wavelen = old_context / r.low_freq_factor;
  const double high_wavelen = old_context / r.high_freq_factor;
  const double wavelen = 2 * std::numbers::pi / freq;
  if (wavelen < high_wavelen) return freq;
  if (wavelen > low_wavelen) return freq / r.factor;
  const double smooth = (old_context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
  return (1 - smooth) * freq / r.factor + smooth * freq;
}

}  // namespace

rope_table make_rope_table(const rope_config& rope, rope_style style) {
  rope_table t;
  t.style = style;
  t.rotary_dims = rope.rotary_dims;
  const int pairs = rope.rotary_dims / 2;
  t.inv_freq.resize(static_cast<std::size_t>(pairs));
  if (rope.scaling != "none" && rope.scaling != "linear" && rope.scaling != "llama3")
    throw config_error("rope scaling \"" + rope.scaling + "\" is not supported (none, linear, llama3)");
  if (rope.scaling == "llama3" && !(rope.original_max_position > 0 && rope.high_freq_factor > rope.low_freq_factor))
    throw config_error("llama3 rope scaling needs original_max_position_embeddings and high_freq_factor > low_freq_factor");
  for (int i = 0; i < pairs; ++i) {
    // As transformers: base ** (arange(0, dim, 2) / dim), in float64 then rounded once.
    double freq = 1.0 / std::pow(rope.theta, 2.0 * i / rope.rotary_dims);
    if (rope.scaling == "linear") freq /= rope.factor;
    if (rope.scaling == "llama3") freq = llama3_frequency(freq, rope);
    t.inv_freq[static_cast<std::size_t>(i)] = static_cast<float>(freq);
  }
  return t;
}

}  // namespace moeserve::model
