#pragma once
// model_bundle: everything a model path gives: the weights and config (model_files), the
// tokenizer, the chat template with its special-token variables, and the ids that end a
// generation.
//
//   GGUF file        tokenizer and template from the metadata (tokenizer.ggml.*,
//                    tokenizer.chat_template)
//   Hugging Face dir tokenizer.json / tokenizer.model; the template from chat_template.jinja
//                    or tokenizer_config.json's chat_template (a string, or a list of
//                    {name, template} of which "default" is taken); bos_token/eos_token from
//                    tokenizer_config.json; eos_token_id from generation_config.json
//
// Stop ids: the config's eos ids, the tokenizer's eos and end-of-turn ids, and
// generation_config.json's eos_token_id (an int or a list).
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "model/arch/model_files.hpp"
#include "model/chat/chat_template.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace moeserve::model {

struct bundle_options {
  load_format format = load_format::auto_;  // dummy: config.json alone (model_files.hpp)
  // No tokenizer and no chat template (vLLM's --skip-tokenizer-init): prompts come as
  // token ids and outputs go without text. The stop ids are then the config's.
  bool skip_tokenizer = false;
};

class model_bundle {
 public:
  // Throws load_error, config_error, tokenizer_error or template_error.
  explicit model_bundle(const std::filesystem::path& path, const bundle_options& options = {});
  ~model_bundle();

  const model_files& files() const { return *files_; }
  const model_config& config() const { return files_->config(); }
  bool has_tokenizer() const { return tokenizer_ != nullptr; }
  // Throws std::invalid_argument when the bundle was made without a tokenizer.
  const tokenizer& tokens() const;
  // Null when the model has no chat template.
  const chat_template* chat() const { return chat_.get(); }
  const std::vector<token_id>& stop_token_ids() const { return stop_ids_; }

  // The ids of a plain prompt: special-token strings parsed, bos first when the model
  // wants one (and add_special_tokens).
  std::vector<token_id> encode_prompt(std::string_view text, bool add_special_tokens = true) const;
  // The ids of a conversation rendered with the chat template: special tokens are read
  // only in the template's own text (chat_template.hpp). Throws std::invalid_argument when
  // the model has no template, or as chat_template::render does.
  std::vector<token_id> encode_chat(const chat_request& request) const;

 private:
  void load_hf_extras(const std::filesystem::path& dir, std::string& template_source,
                      chat_template_options& options);

  std::unique_ptr<model_files> files_;
  std::unique_ptr<tokenizer> tokenizer_;
  std::unique_ptr<chat_template> chat_;
  std::vector<token_id> stop_ids_;
};

}  // namespace moeserve::model
