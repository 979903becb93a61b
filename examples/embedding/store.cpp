#include "store.hpp"

#include <algorithm>

#include "actors/overloaded.hpp"

namespace moeserve::examples::embedding {

void store::receive(store_protocol& message) {
  std::visit(actors::overloaded{[&](incr_request& r) {
                                  std::int64_t& value = counters_[r.key];
                                  std::int64_t sum = 0;
                                  if (__builtin_add_overflow(value, r.delta, &sum)) {
                                    r.reply.send(std::nullopt);
                                    return;
                                  }
                                  value = sum;
                                  r.reply.send(value);
                                },
                                [&](get_request& r) {
                                  const auto it = counters_.find(r.key);
                                  r.reply.send(it != counters_.end() ? it->second : 0);
                                },
                                [&](top_request& r) {
                                  std::vector<key_count> all(counters_.begin(), counters_.end());
                                  const auto n = std::min(r.n, all.size());
                                  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n),
                                                    all.end(), [](const key_count& a, const key_count& b) {
                                                      return a.second != b.second ? a.second > b.second
                                                                                  : a.first < b.first;
                                                    });
                                  all.resize(n);
                                  r.reply.send(std::move(all));
                                }},
             message);
}

}  // namespace moeserve::examples::embedding
