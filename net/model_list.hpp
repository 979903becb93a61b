#pragma once
// model_list: the answer of GET /v1/models, in OpenAI's shape with vLLM's extra fields.
//
//   {"object":"list","data":[{"id":"m","object":"model","created":1700000000,
//                             "owned_by":"moeserve","root":"m","parent":null,"max_model_len":8192}]}
//
// One card per served name (all names of --served-model-name, else the model's name).
#include <cstdint>
#include <span>
#include <string>

namespace moeserve::net {

struct model_card {
  std::string id;  // the served name
  std::int64_t created = 0;
  std::string root;  // the model it serves (its path or repository name)
  std::int64_t max_model_len = 0;
};

std::string model_list_json(std::span<const model_card> models);

}  // namespace moeserve::net
