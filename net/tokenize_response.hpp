#pragma once
// The answers of POST /tokenize and POST /detokenize, as vLLM writes them:
//
//   {"count":3,"max_model_len":8192,"tokens":[1,2,3],"token_strs":null}
//   {"prompt":"Hello"}
//
// token_strs is the tokens' texts when the request set return_token_strs, else null.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::net {

struct tokenize_response {
  std::vector<std::int32_t> tokens;
  std::int64_t max_model_len = 0;
  std::optional<std::vector<std::string>> token_strs;
};

std::string to_json(const tokenize_response& response);
std::string detokenize_response_json(std::string_view prompt);

}  // namespace moeserve::net
