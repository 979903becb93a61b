#include "model/tokenizer/stop_matcher.hpp"

#include <algorithm>

namespace moeserve::model {

stop_matcher::stop_matcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

stop_matcher::result stop_matcher::push(std::string_view piece) {
  result r;
  if (stopped_) return r;
  pending_.append(piece);
  // The earliest complete stop string wins.
  std::size_t cut = std::string::npos;
  for (const auto& s : stops_) cut = std::min(cut, pending_.find(s));
  if (cut != std::string::npos) {
    r.text = pending_.substr(0, cut);
    r.stopped = stopped_ = true;
    pending_.clear();
    return r;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  std::size_t hold = 0;
  for (const auto& s : stops_)
    for (std::size_t len = std::min(s.size() - 1, pending_.size()); len > hold; --len)
      if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
        hold = len;
        break;
      }
  r.text = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return r;
}

std::string stop_matcher::finish() {
  std::string rest;
  rest.swap(pending_);
  return stopped_ ? std::string{} : rest;
}

}  // namespace moeserve::model
