#include "model/bundle/gguf_tokenizer.hpp"

#include <string>

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/bpe_vocabulary.hpp"
#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {

namespace {

token_id optional_id(const gguf_file& f, std::string_view key) {
  const auto v = f.find_u32(key);
  return v ? static_cast<token_id>(*v) : no_token;
}

}  // namespace

std::unique_ptr<tokenizer> tokenizer_from_gguf(const gguf_file& f) {
  const std::string where = f.path().string();
  const auto kind = f.find_string("tokenizer.ggml.model");
  if (!kind) throw tokenizer_error(where + ": no tokenizer.ggml.model");
  if (*kind != "gpt2")
    throw tokenizer_error(where + ": tokenizer model \"" + std::string(*kind) +
                          "\" is not supported from GGUF (byte-level BPE, \"gpt2\", is); use the Hugging Face directory");
  bpe_vocabulary v;
  for (const auto t : f.get_string_array("tokenizer.ggml.tokens")) v.tokens.emplace_back(t);
  if (f.contains("tokenizer.ggml.token_type"))
    for (const auto t : f.get_i32_array("tokenizer.ggml.token_type")) v.token_types.push_back(static_cast<token_type>(t));
  if (!v.token_types.empty() && v.token_types.size() != v.tokens.size())
    throw tokenizer_error(where + ": tokenizer.ggml.token_type and tokenizer.ggml.tokens differ in length");
  if (const auto merges = f.find_string_array("tokenizer.ggml.merges"))
    for (const auto m : *merges) {
      auto merge = parse_merge(m);
      if (!merge) throw tokenizer_error(where + ": malformed merge \"" + std::string(m) + "\"");
      v.merges.push_back(std::move(*merge));
    }
  const auto pre = f.find_string("tokenizer.ggml.pre").value_or("default");
  if (!apply_gguf_pre(v, pre))
    throw tokenizer_error(where + ": pre-tokenizer \"" + std::string(pre) + "\" is not supported");
  v.special_ids.bos = optional_id(f, "tokenizer.ggml.bos_token_id");
  v.special_ids.eos = optional_id(f, "tokenizer.ggml.eos_token_id");
  v.special_ids.eot = optional_id(f, "tokenizer.ggml.eot_token_id");
  v.special_ids.pad = optional_id(f, "tokenizer.ggml.padding_token_id");
  v.special_ids.unk = optional_id(f, "tokenizer.ggml.unknown_token_id");
  v.special_ids.add_bos = f.find_bool("tokenizer.ggml.add_bos_token").value_or(false);
  v.special_ids.add_eos = f.find_bool("tokenizer.ggml.add_eos_token").value_or(false);
  const auto count = static_cast<token_id>(v.tokens.size());
  for (token_id* id : {&v.special_ids.bos, &v.special_ids.eos, &v.special_ids.eot, &v.special_ids.pad, &v.special_ids.unk})
    if (*id != no_token && (*id < 0 || *id >= count))
      throw tokenizer_error(where + ": a special token id is outside the vocabulary");
  return std::make_unique<bpe_tokenizer>(std::move(v));
}

}  // namespace moeserve::model
