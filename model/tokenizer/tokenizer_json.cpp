#include "model/tokenizer/tokenizer_json.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "model/tokenizer/string_map.hpp"
#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Typed access to the DOM that throws tokenizer_error with "origin: path: what".
class json_reader {
 public:
  explicit json_reader(std::string_view origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw tokenizer_error(origin_ + ": " + path + ": " + what);
  }

  std::optional<element> field(object o, std::string_view key) const {
    element e;
    if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }
  // A field that is absent or null reads as nullopt.
  std::optional<element> present(object o, std::string_view key) const {
    std::optional<element> e = field(o, key);
    if (e && e->is_null()) return std::nullopt;
    return e;
  }
  object as_object(element e, const std::string& path) const {
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) fail(path, "expected an object");
    return o;
  }
  array as_array(element e, const std::string& path) const {
    array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) fail(path, "expected an array");
    return a;
  }
  std::string_view as_string(element e, const std::string& path) const {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) fail(path, "expected a string");
    return s;
  }
  bool as_bool(element e, const std::string& path) const {
    bool b = false;
    if (e.get_bool().get(b) != simdjson::SUCCESS) fail(path, "expected true or false");
    return b;
  }
  std::int64_t as_int(element e, const std::string& path) const {
    std::int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) fail(path, "expected an integer");
    return v;
  }
  bool flag(object o, std::string_view key, bool fallback, const std::string& path) const {
    const std::optional<element> e = present(o, key);
    return e ? as_bool(*e, path + "." + std::string(key)) : fallback;
  }
  std::string_view type_of(object o, const std::string& path) const {
    const std::optional<element> t = present(o, "type");
    if (!t) fail(path, "no \"type\"");
    return as_string(*t, path + ".type");
  }
  token_id as_id(element e, const std::string& path) const {
    const std::int64_t v = as_int(e, path);
    if (v < 0 || v >= (std::int64_t{1} << 31) - 1) fail(path, "id " + std::to_string(v) + " is out of range");
    return static_cast<token_id>(v);
  }

 private:
  std::string origin_;
};

// A literal string as a regex: ASCII punctuation escaped.
std::string escape_literal(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) out += '\\';
    out += c;
  }
  return out;
}

split_behavior parse_behavior(const json_reader& r, std::string_view s, const std::string& path) {
  if (s == "Isolated") return split_behavior::isolated;
  if (s == "Removed") return split_behavior::removed;
  if (s == "MergedWithPrevious") return split_behavior::merged_with_previous;
  if (s == "MergedWithNext") return split_behavior::merged_with_next;
  if (s == "Contiguous") return split_behavior::contiguous;
  r.fail(path, "unknown split behavior '" + std::string(s) + "'");
}

void parse_pre_tokenizer(const json_reader& r, element e, const std::string& path, bpe_vocabulary& v,
                         bool& byte_level) {
  if (e.is_null()) return;
  const object o = r.as_object(e, path);
  const std::string_view type = r.type_of(o, path);
  if (type == "Sequence") {
    const std::optional<element> list = r.present(o, "pretokenizers");
    if (!list) r.fail(path, "Sequence without \"pretokenizers\"");
    std::size_t i = 0;
    for (const element item : r.as_array(*list, path + ".pretokenizers")) {
      parse_pre_tokenizer(r, item, path + ".pretokenizers[" + std::to_string(i++) + "]", v, byte_level);
    }
  } else if (type == "Split") {
    pre_tokenizer_step step;
    const std::optional<element> pattern = r.present(o, "pattern");
    if (!pattern) r.fail(path, "Split without \"pattern\"");
    const object p = r.as_object(*pattern, path + ".pattern");
    if (const std::optional<element> regex = r.present(p, "Regex")) {
      step.pattern = std::string(r.as_string(*regex, path + ".pattern.Regex"));
    } else if (const std::optional<element> literal = r.present(p, "String")) {
      step.pattern = escape_literal(r.as_string(*literal, path + ".pattern.String"));
    } else {
      r.fail(path + ".pattern", "expected \"Regex\" or \"String\"");
    }
    const std::optional<element> behavior = r.present(o, "behavior");
    if (behavior) step.behavior = parse_behavior(r, r.as_string(*behavior, path + ".behavior"), path + ".behavior");
    step.invert = r.flag(o, "invert", false, path);
    if (!step.pattern.empty()) v.pre_tokenizer.push_back(std::move(step));
  } else if (type == "Digits") {
    const bool individual = r.flag(o, "individual_digits", false, path);
    v.pre_tokenizer.push_back(
        {std::string(digit_pattern), individual ? split_behavior::isolated : split_behavior::contiguous});
  } else if (type == "ByteLevel") {
    byte_level = true;
    pre_tokenizer_step step;
    step.add_prefix_space = r.flag(o, "add_prefix_space", true, path);
    if (r.flag(o, "use_regex", true, path)) step.pattern = std::string(gpt2_pattern);
    if (!step.pattern.empty() || step.add_prefix_space) v.pre_tokenizer.push_back(std::move(step));
  } else {
    r.fail(path, "pre-tokenizer type '" + std::string(type) + "' is not supported");
  }
}

void parse_normalizer(const json_reader& r, element e, const std::string& path, bpe_vocabulary& v) {
  if (e.is_null()) return;
  const object o = r.as_object(e, path);
  const std::string_view type = r.type_of(o, path);
  if (type == "Sequence") {
    const std::optional<element> list = r.present(o, "normalizers");
    if (!list) return;
    std::size_t i = 0;
    for (const element item : r.as_array(*list, path + ".normalizers")) {
      parse_normalizer(r, item, path + ".normalizers[" + std::to_string(i++) + "]", v);
    }
  } else if (type == "NFC") {
    v.notes.push_back(path + ": the NFC normalizer is not applied (text not in NFC may encode differently)");
  } else {
    r.fail(path, "normalizer type '" + std::string(type) + "' is not supported");
  }
}

// TemplateProcessing's "single": special tokens before and after the sequence.
void parse_post_processor(const json_reader& r, element e, const std::string& path, bpe_vocabulary& v) {
  if (e.is_null()) return;
  const object o = r.as_object(e, path);
  const std::string_view type = r.type_of(o, path);
  if (type == "Sequence") {
    const std::optional<element> list = r.present(o, "processors");
    if (!list) return;
    std::size_t i = 0;
    for (const element item : r.as_array(*list, path + ".processors")) {
      parse_post_processor(r, item, path + ".processors[" + std::to_string(i++) + "]", v);
    }
    return;
  }
  if (type != "TemplateProcessing") return;
  const std::optional<element> single = r.present(o, "single");
  const std::optional<element> specials = r.present(o, "special_tokens");
  if (!single || !specials) return;
  const array items = r.as_array(*single, path + ".single");
  const object special_map = r.as_object(*specials, path + ".special_tokens");
  auto special_id = [&](element item, const std::string& item_path) -> token_id {
    const object io = r.as_object(item, item_path);
    const std::optional<element> st = r.present(io, "SpecialToken");
    if (!st) return no_token;
    const object so = r.as_object(*st, item_path + ".SpecialToken");
    const std::optional<element> name = r.present(so, "id");
    if (!name) return no_token;
    const std::optional<element> entry = r.present(special_map, r.as_string(*name, item_path + ".SpecialToken.id"));
    if (!entry) return no_token;
    const std::optional<element> ids = r.present(r.as_object(*entry, path + ".special_tokens"), "ids");
    if (!ids) return no_token;
    for (const element id : r.as_array(*ids, path + ".special_tokens.ids")) return r.as_id(id, path + ".ids");
    return no_token;
  };
  const std::size_t count = items.size();
  if (count == 0) return;
  std::size_t i = 0;
  for (const element item : items) {
    const std::string item_path = path + ".single[" + std::to_string(i) + "]";
    const token_id id = special_id(item, item_path);
    if (id != no_token && i == 0) {
      v.special_ids.bos = id;
      v.special_ids.add_bos = true;
    } else if (id != no_token && i + 1 == count) {
      v.special_ids.eos = id;
      v.special_ids.add_eos = true;
    }
    ++i;
  }
}

}  // namespace

namespace {

bpe_vocabulary parse_document(const simdjson::padded_string& padded, std::string_view origin) {
  const json_reader r(origin);
  simdjson::dom::parser parser;
  element root_element;
  if (const auto error = parser.parse(padded).get(root_element); error != simdjson::SUCCESS) {
    r.fail("(document)", std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  const object root = r.as_object(root_element, "(document)");
  bpe_vocabulary v;

  const std::optional<element> model_element = r.present(root, "model");
  if (!model_element) r.fail("model", "missing");
  const object model = r.as_object(*model_element, "model");
  if (const std::optional<element> type = r.present(model, "type")) {
    const std::string_view t = r.as_string(*type, "model.type");
    if (t != "BPE") r.fail("model.type", "'" + std::string(t) + "' is not supported (only byte-level BPE)");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const std::optional<element> e = r.present(model, key)) {
      if (!r.as_string(*e, std::string("model.") + key).empty()) r.fail(std::string("model.") + key, "not supported");
    }
  }
  if (const std::optional<element> dropout = r.present(model, "dropout")) {
    double d = 0;
    if (dropout->get_double().get(d) == simdjson::SUCCESS && d > 0) v.notes.push_back("model.dropout is not applied");
  }
  v.ignore_merges = r.flag(model, "ignore_merges", false, "model");

  // Vocabulary and added tokens, by id.
  const std::optional<element> vocab_element = r.present(model, "vocab");
  if (!vocab_element) r.fail("model.vocab", "missing");
  const object vocab = r.as_object(*vocab_element, "model.vocab");
  struct entry {
    std::string_view text;
    token_id id;
  };
  std::vector<entry> entries;
  entries.reserve(vocab.size());
  token_id max_id = -1;
  for (const auto field : vocab) {
    const token_id id = r.as_id(field.value, "model.vocab[\"" + std::string(field.key) + "\"]");
    entries.push_back({field.key, id});
    max_id = std::max(max_id, id);
  }
  if (const std::optional<element> added = r.present(root, "added_tokens")) {
    std::size_t i = 0;
    for (const element item : r.as_array(*added, "added_tokens")) {
      const std::string path = "added_tokens[" + std::to_string(i++) + "]";
      const object o = r.as_object(item, path);
      added_token a;
      const std::optional<element> id = r.present(o, "id");
      const std::optional<element> content = r.present(o, "content");
      if (!id || !content) r.fail(path, "needs \"id\" and \"content\"");
      a.id = r.as_id(*id, path + ".id");
      a.content = std::string(r.as_string(*content, path + ".content"));
      a.special = r.flag(o, "special", false, path);
      a.single_word = r.flag(o, "single_word", false, path);
      a.lstrip = r.flag(o, "lstrip", false, path);
      a.rstrip = r.flag(o, "rstrip", false, path);
      a.normalized = r.flag(o, "normalized", !a.special, path);
      max_id = std::max(max_id, a.id);
      v.added_tokens.push_back(std::move(a));
    }
  }
  if (max_id < 0) r.fail("model.vocab", "empty");
  const std::size_t known = entries.size() + v.added_tokens.size();
  if (static_cast<std::size_t>(max_id) >= 2 * known + 1024) {
    r.fail("model.vocab", "id " + std::to_string(max_id) + " is far beyond the " + std::to_string(known) + " tokens");
  }
  const std::size_t n = static_cast<std::size_t>(max_id) + 1;
  v.tokens.assign(n, std::string());
  v.token_types.assign(n, token_type::unused);
  for (const entry& e : entries) {
    if (v.token_types[e.id] != token_type::unused)
      r.fail("model.vocab", "id " + std::to_string(e.id) + " is used twice");
    v.tokens[e.id] = std::string(e.text);
    v.token_types[e.id] = token_type::normal;
  }
  for (const added_token& a : v.added_tokens) {
    if (v.token_types[a.id] == token_type::unused) v.tokens[a.id] = a.content;
    v.token_types[a.id] = a.special ? token_type::control : token_type::user_defined;
  }
  if (const std::optional<element> unk = r.present(model, "unk_token")) {
    const std::string_view name = r.as_string(*unk, "model.unk_token");
    for (const entry& e : entries) {
      if (e.text == name) v.special_ids.unk = e.id;
    }
  }

  // Merges: "a b" strings or ["a", "b"] pairs.
  if (const std::optional<element> merges = r.present(model, "merges")) {
    const array list = r.as_array(*merges, "model.merges");
    v.merges.reserve(list.size());
    std::size_t i = 0;
    for (const element item : list) {
      const std::string path = "model.merges[" + std::to_string(i++) + "]";
      if (item.is_string()) {
        std::optional<bpe_merge> m = parse_merge(r.as_string(item, path));
        if (!m) r.fail(path, "expected \"left right\"");
        v.merges.push_back(std::move(*m));
      } else {
        const array pair = r.as_array(item, path);
        if (pair.size() != 2) r.fail(path, "expected two tokens");
        bpe_merge m;
        m.left = std::string(r.as_string(pair.at(0).value_unsafe(), path + "[0]"));
        m.right = std::string(r.as_string(pair.at(1).value_unsafe(), path + "[1]"));
        v.merges.push_back(std::move(m));
      }
    }
  }

  if (const std::optional<element> normalizer = r.field(root, "normalizer")) {
    parse_normalizer(r, *normalizer, "normalizer", v);
  }
  bool byte_level = false;
  if (const std::optional<element> pre = r.field(root, "pre_tokenizer")) {
    parse_pre_tokenizer(r, *pre, "pre_tokenizer", v, byte_level);
  }
  if (!byte_level) r.fail("pre_tokenizer", "no ByteLevel step: only byte-level BPE tokenizers are supported");
  if (const std::optional<element> post = r.field(root, "post_processor")) {
    parse_post_processor(r, *post, "post_processor", v);
  }
  return v;
}

}  // namespace

bpe_vocabulary parse_tokenizer_json(std::string_view json, std::string_view origin) {
  return parse_document(simdjson::padded_string(json), origin);
}

bpe_vocabulary read_tokenizer_json(const std::filesystem::path& path) {
  simdjson::padded_string content;
  if (const auto error = simdjson::padded_string::load(path.string()).get(content); error != simdjson::SUCCESS) {
    throw tokenizer_error(path.string() + ": cannot read: " + simdjson::error_message(error));
  }
  return parse_document(content, path.string());
}

}  // namespace moeserve::model
