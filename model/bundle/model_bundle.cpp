#include "model/bundle/model_bundle.hpp"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "model/bundle/gguf_tokenizer.hpp"
#include "model/io/load_error.hpp"
#include "model/tokenizer/load_tokenizer.hpp"

namespace moeserve::model {

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw load_error(p.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

// A special token in tokenizer_config.json: "<s>" or {"content": "<s>", ...}.
std::optional<std::string> token_text(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  if (e["content"].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return std::nullopt;
}

void add_stop(std::vector<token_id>& ids, std::int64_t id) {
  if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(static_cast<token_id>(id));
}

}  // namespace

model_bundle::model_bundle(const std::filesystem::path& path, const bundle_options& o)
    : files_(std::make_unique<model_files>(path, o.format)) {
  if (o.skip_tokenizer) {
    for (const int id : files_->config().eos_token_ids) add_stop(stop_ids_, id);
    return;
  }
  std::string template_source;
  chat_template_options options;
  if (const auto* gguf = files_->gguf()) {
    tokenizer_ = tokenizer_from_gguf(*gguf);
    if (const auto t = gguf->find_string("tokenizer.chat_template")) template_source = std::string(*t);
    const auto& ids = tokenizer_->special_ids();
    if (ids.bos != no_token) options.special_tokens.emplace_back("bos_token", tokenizer_->token_piece(ids.bos));
    if (ids.eos != no_token) options.special_tokens.emplace_back("eos_token", tokenizer_->token_piece(ids.eos));
  } else {
    tokenizer_ = load_tokenizer(files_->directory());
    load_hf_extras(files_->directory(), template_source, options);
  }
  for (const int id : files_->config().eos_token_ids) add_stop(stop_ids_, id);
  add_stop(stop_ids_, tokenizer_->special_ids().eos);
  add_stop(stop_ids_, tokenizer_->special_ids().eot);
  if (!template_source.empty()) chat_ = std::make_unique<chat_template>(template_source, std::move(options));
}

model_bundle::~model_bundle() = default;

const tokenizer& model_bundle::tokens() const {
  if (!tokenizer_) throw std::invalid_argument("the model was loaded without a tokenizer (--skip-tokenizer-init)");
  return *tokenizer_;
}

std::vector<token_id> model_bundle::encode_prompt(std::string_view text, bool add_special_tokens) const {
  std::vector<token_id> ids;
  const auto& special = tokens().special_ids();
  if (add_special_tokens && special.add_bos && special.bos != no_token) ids.push_back(special.bos);
  tokenizer_->encode_into(text, special_tokens::parse, ids);
  return ids;
}

std::vector<token_id> model_bundle::encode_chat(const chat_request& request) const {
  if (!chat_) throw std::invalid_argument(tokenizer_ ? "this model has no chat template"
                                                     : "the model was loaded without a tokenizer (--skip-tokenizer-init)");
  const auto rendered = chat_->render(request);  // the segments below view its text
  std::vector<text_segment> segments;
  segments.reserve(rendered.size());
  for (const auto& r : rendered) segments.push_back({r.text, r.trusted});
  return tokenizer_->encode_segments(segments);
}

void model_bundle::load_hf_extras(const std::filesystem::path& dir, std::string& template_source,
                                  chat_template_options& options) {
  simdjson::dom::parser parser;
  if (std::filesystem::exists(dir / "tokenizer_config.json")) {
    const std::string text = read_text(dir / "tokenizer_config.json");
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) != simdjson::SUCCESS || !doc.is_object())
      throw load_error((dir / "tokenizer_config.json").string() + ": not a JSON object");
    for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
      simdjson::dom::element e;
      if (doc[key].get(e) == simdjson::SUCCESS)
        if (auto t = token_text(e)) options.special_tokens.emplace_back(key, std::move(*t));
    }
    simdjson::dom::element tmpl;
    if (doc["chat_template"].get(tmpl) == simdjson::SUCCESS) {
      std::string_view s;
      if (tmpl.get_string().get(s) == simdjson::SUCCESS) {
        template_source = std::string(s);
      } else if (tmpl.is_array()) {
        for (const auto entry : tmpl.get_array()) {
          std::string_view name, body;
          if (entry["name"].get_string().get(name) == simdjson::SUCCESS &&
              entry["template"].get_string().get(body) == simdjson::SUCCESS && name == "default")
            template_source = std::string(body);
        }
      }
    }
  }
  if (std::filesystem::exists(dir / "chat_template.jinja")) template_source = read_text(dir / "chat_template.jinja");
  if (std::filesystem::exists(dir / "generation_config.json")) {
    const std::string text = read_text(dir / "generation_config.json");
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) == simdjson::SUCCESS) {
      simdjson::dom::element eos;
      if (doc["eos_token_id"].get(eos) == simdjson::SUCCESS) {
        std::int64_t id;
        if (eos.get_int64().get(id) == simdjson::SUCCESS) add_stop(stop_ids_, id);
        if (eos.is_array())
          for (const auto e : eos.get_array())
            if (e.get_int64().get(id) == simdjson::SUCCESS) add_stop(stop_ids_, id);
      }
    }
  }
}

}  // namespace moeserve::model
