// model_bundle: a GGUF file's tokenizer (from its metadata) encodes like the model's
// tokenizer.json; chat template and stop ids come from GGUF metadata or from a Hugging Face
// directory's tokenizer_config.json / generation_config.json.
#include "model/bundle/model_bundle.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/bundle/gguf_tokenizer.hpp"
#include "model/tokenizer/load_tokenizer.hpp"
#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {
namespace {

const std::filesystem::path root = MOESERVE_SOURCE_DIR;
const auto gguf_path = root / "models/SmolLM2-135M-Instruct.Q4_1.gguf";
const auto tokenizer_json = root / "models/SmolLM2-135M-Instruct.tokenizer.json";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(model_bundle, gguf_tokenizer_encodes_like_tokenizer_json) {
  if (!std::filesystem::exists(gguf_path) || !std::filesystem::exists(tokenizer_json))
    GTEST_SKIP() << "default model or its tokenizer.json missing (tools/install-deps --model; tokenizer tests)";
  const gguf_file f(gguf_path);
  const auto from_gguf = tokenizer_from_gguf(f);
  const auto from_json = load_tokenizer(tokenizer_json);
  const std::string texts[] = {read("/usr/share/common-licenses/GPL-3"),
                               "Hello <|im_start|>user\n 你好，世界！ 🤖🚀 \t\t  code: for (int i=0;i<10;++i) {}"};
  for (const auto& t : texts)
    for (const auto mode : {special_tokens::parse, special_tokens::as_text})
      EXPECT_EQ(from_gguf->encode(t, mode), from_json->encode(t, mode));
  EXPECT_EQ(from_gguf->special_ids().eos, 2);
  EXPECT_FALSE(from_gguf->special_ids().add_bos);
}

TEST(model_bundle, gguf_gives_template_and_stop_ids) {
  if (!std::filesystem::exists(gguf_path)) GTEST_SKIP() << "default model missing";
  const model_bundle b(gguf_path);
  ASSERT_NE(b.chat(), nullptr);
  chat_request r;
  r.messages.push_back({.role = "user", .content = "Hi"});
  std::string text;
  for (const auto& s : b.chat()->render(r)) text += s.text;
  EXPECT_NE(text.find("<|im_start|>user\nHi<|im_end|>"), std::string::npos) << text;
  EXPECT_EQ(b.stop_token_ids(), (std::vector<token_id>{2}));
}

TEST(model_bundle, hugging_face_directory_reads_tokenizer_config_and_generation_config) {
  if (!std::filesystem::exists(tokenizer_json)) GTEST_SKIP() << "tokenizer.json of the default model missing";
  const auto dir = std::filesystem::path(testing::TempDir()) / "bundle_hf";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto fixture = root / "tests/fixtures/arch/llama";
  std::filesystem::copy(fixture / "config.json", dir / "config.json");
  std::filesystem::create_symlink(fixture / "model.safetensors", dir / "model.safetensors");
  std::filesystem::copy(tokenizer_json, dir / "tokenizer.json");
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"eos_token": {"content": "<|im_end|>"}, "bos_token": "<|im_start|>",)"
      << R"( "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}"}]})";
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [2, 7]})";
  const model_bundle b(dir);
  ASSERT_NE(b.chat(), nullptr);
  chat_request r;
  r.messages.push_back({.role = "user", .content = "x"});
  std::string text;
  for (const auto& s : b.chat()->render(r)) text += s.text;
  EXPECT_EQ(text, "<|im_start|>x<|im_end|>");
  EXPECT_EQ(b.stop_token_ids(), (std::vector<token_id>{2, 7}));  // config eos 2, tokenizer eos 2, generation 2 and 7
}

TEST(model_bundle, missing_paths_and_foreign_tokenizers_give_clear_errors) {
  EXPECT_THROW(model_bundle(root / "no/such/model.gguf"), std::exception);
  const auto dir = root / "tests/fixtures/arch/llama";  // weights but no tokenizer
  EXPECT_THROW(model_bundle{dir}, tokenizer_error);
}

}  // namespace
}  // namespace moeserve::model
