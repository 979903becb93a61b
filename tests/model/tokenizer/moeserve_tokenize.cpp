// moeserve_tokenize: a command-line front end to the tokenizers, for the Hugging Face
// agreement test (hf_agreement.py) and for looking at tokenizations by hand.
//
//   moeserve_tokenize (--tokenizer PATH | --gguf-vocab-json PATH) [--input FILE]
//                     [--mode text|trusted] [--lines] [--decode [--keep-special]] [--check-stream]
//
//   --tokenizer PATH        tokenizer.json, tokenizer.model, or a model directory
//   --gguf-vocab-json PATH  a GGUF vocabulary dumped as JSON by tools/make_smollm2_tokenizer.py
//                           (tokens, token_types, merges, pre, special ids), built into a
//                           bpe_vocabulary the way a GGUF loader does
//   encode (default)        reads text, prints the ids on one line, separated by spaces
//   --mode                  text: special-token strings are plain text (untrusted, default);
//                           trusted: they become special tokens
//   --lines                 encode each input line (without its '\n') on its own, one output
//                           line of ids per input line
//   --decode                reads ids (whitespace-separated) and writes the text, streamed
//                           through the detokenizer one id at a time
//   --check-stream          with --decode: also decode in one call and fail (exit 1) unless
//                           the streamed text equals it and every streamed piece is valid UTF-8
// Exit status: 0 ok, 1 check failed, 2 usage or load error.
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/bpe_vocabulary.hpp"
#include "model/tokenizer/load_tokenizer.hpp"
#include "model/tokenizer/tokenizer_error.hpp"
#include "model/tokenizer/utf8.hpp"

namespace {

using namespace moeserve::model;

std::string read_all(const std::string& path) {
  std::ostringstream s;
  if (path.empty() || path == "-") {
    s << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw tokenizer_error(path + ": cannot open");
    s << in.rdbuf();
  }
  return std::move(s).str();
}

// What a GGUF loader does with tokenizer.ggml.* (see bpe_vocabulary.hpp).
std::unique_ptr<tokenizer> from_gguf_vocab_json(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) throw tokenizer_error(path + ": not JSON");
  bpe_vocabulary v;
  for (const auto t : doc["tokens"].get_array()) v.tokens.emplace_back(std::string_view(t.get_string()));
  for (const auto t : doc["token_types"].get_array()) {
    v.token_types.push_back(static_cast<token_type>(static_cast<std::int64_t>(t.get_int64())));
  }
  for (const auto m : doc["merges"].get_array()) {
    const auto merge = parse_merge(std::string_view(m.get_string()));
    if (!merge) throw tokenizer_error(path + ": bad merge");
    v.merges.push_back(*merge);
  }
  if (!apply_gguf_pre(v, std::string_view(doc["pre"].get_string()))) throw tokenizer_error(path + ": unknown pre");
  v.special_ids.bos = static_cast<token_id>(static_cast<std::int64_t>(doc["bos"].get_int64()));
  v.special_ids.eos = static_cast<token_id>(static_cast<std::int64_t>(doc["eos"].get_int64()));
  v.special_ids.pad = static_cast<token_id>(static_cast<std::int64_t>(doc["pad"].get_int64()));
  v.special_ids.add_bos = doc["add_bos"].get_bool();
  return std::make_unique<bpe_tokenizer>(std::move(v));
}

int usage() {
  std::fprintf(
      stderr,
      "usage: moeserve_tokenize (--tokenizer PATH | --gguf-vocab-json PATH) [--input FILE]\n"
      "                         [--mode text|trusted] [--lines] [--decode [--keep-special]] [--check-stream]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tokenizer_path;
  std::string vocab_json;
  std::string input;
  std::string mode = "text";
  bool decode = false;
  bool keep_special = false;
  bool check_stream = false;
  bool lines = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw tokenizer_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--tokenizer") {
        tokenizer_path = value();
      } else if (a == "--gguf-vocab-json") {
        vocab_json = value();
      } else if (a == "--input") {
        input = value();
      } else if (a == "--mode") {
        mode = value();
      } else if (a == "--decode") {
        decode = true;
      } else if (a == "--keep-special") {
        keep_special = true;
      } else if (a == "--lines") {
        lines = true;
      } else if (a == "--check-stream") {
        check_stream = true;
      } else {
        return usage();
      }
    } catch (const tokenizer_error& e) {
      std::fprintf(stderr, "moeserve_tokenize: %s\n", e.what());
      return usage();
    }
  }
  if (tokenizer_path.empty() == vocab_json.empty() || (mode != "text" && mode != "trusted")) return usage();

  try {
    const std::unique_ptr<tokenizer> tok =
        vocab_json.empty() ? load_tokenizer(tokenizer_path) : from_gguf_vocab_json(vocab_json);
    const std::string data = read_all(input);
    if (!decode) {
      const special_tokens how = mode == "trusted" ? special_tokens::parse : special_tokens::as_text;
      auto print = [](const std::vector<token_id>& ids) {
        std::string line;
        line.reserve(ids.size() * 6);
        for (std::size_t i = 0; i < ids.size(); ++i) {
          if (i > 0) line += ' ';
          line += std::to_string(ids[i]);
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
      };
      if (!lines) {
        print(tok->encode(data, how));
        return 0;
      }
      std::size_t begin = 0;
      while (begin < data.size()) {
        std::size_t end = data.find('\n', begin);
        if (end == std::string::npos) end = data.size();
        print(tok->encode(std::string_view(data).substr(begin, end - begin), how));
        begin = end + 1;
      }
      return 0;
    }
    std::vector<token_id> ids;
    std::istringstream in(data);
    for (long long id = 0; in >> id;) ids.push_back(static_cast<token_id>(id));
    const decode_options options{!keep_special};
    detokenizer stream = tok->make_detokenizer(options);
    std::string text;
    std::string piece;
    for (const token_id id : ids) {
      piece.clear();
      stream.push(id, piece);
      if (check_stream && !utf8::is_valid(piece)) {
        std::fprintf(stderr, "moeserve_tokenize: the piece streamed for id %d is not valid UTF-8\n", id);
        return 1;
      }
      text += piece;
    }
    piece.clear();
    stream.finish(piece);
    text += piece;
    if (check_stream && text != tok->decode(ids, options)) {
      std::fprintf(stderr, "moeserve_tokenize: streamed text differs from decode()\n");
      return 1;
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moeserve_tokenize: %s\n", e.what());
    return 2;
  }
}
