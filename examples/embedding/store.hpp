#pragma once
// store: the shared key -> counter map, one actor on the runtime's thread pool. All
// sessions talk to it by ask; it never blocks and never knows who asks (each request
// carries its own reply_to). Its state needs no lock: only its own handlers touch it.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "actors/ask.hpp"

namespace moeserve::examples::embedding {

using key_count = std::pair<std::string, std::int64_t>;

// Adds delta to key; answers the new value, or nullopt when it would overflow (the
// counter is then left unchanged).
struct incr_request {
  std::string key;
  std::int64_t delta = 1;
  actors::reply_to<std::optional<std::int64_t>> reply;
};
struct get_request {
  std::string key;
  actors::reply_to<std::int64_t> reply;
};
// The n largest counters, largest first (ties by key).
struct top_request {
  std::size_t n = 5;
  actors::reply_to<std::vector<key_count>> reply;
};
using store_protocol = std::variant<incr_request, get_request, top_request>;

class store final : public actors::actor<store_protocol> {
 public:
  void receive(store_protocol& message) override;

 private:
  std::unordered_map<std::string, std::int64_t> counters_;
};

}  // namespace moeserve::examples::embedding
