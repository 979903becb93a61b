#include "model/tokenizer/load_tokenizer.hpp"

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/sentencepiece_tokenizer.hpp"
#include "model/tokenizer/tokenizer_error.hpp"
#include "model/tokenizer/tokenizer_json.hpp"

namespace moeserve::model {

std::unique_ptr<tokenizer> load_tokenizer(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    const bool has_model = std::filesystem::exists(path / "tokenizer.model", ec);
    if (std::filesystem::exists(path / "tokenizer.json", ec)) {
      try {
        return load_tokenizer(path / "tokenizer.json");
      } catch (const tokenizer_error&) {
        // Not a byte-level BPE (e.g. a Metaspace tokenizer.json converted from a SentencePiece
        // model): the SentencePiece model itself, if it is there.
        if (!has_model) throw;
      }
    }
    if (has_model) return load_tokenizer(path / "tokenizer.model");
    throw tokenizer_error(path.string() + ": no tokenizer.json or tokenizer.model");
  }
  const std::string ext = path.extension().string();
  if (ext == ".json") return std::make_unique<bpe_tokenizer>(read_tokenizer_json(path));
  if (ext == ".model") return sentencepiece_tokenizer::load(path);
  throw tokenizer_error(path.string() + ": not a tokenizer.json or tokenizer.model");
}

}  // namespace moeserve::model
