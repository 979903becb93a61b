#pragma once
// stop_matcher: stop strings over streamed text. Text arrives in pieces; the matcher says
// how much of it may be shown now and whether a stop string has appeared. Text that could
// still become the start of a stop string is held back, so a client never sees part of a
// stop string (OpenAI semantics: the stop string itself is not returned).
//
//   stop_matcher m({"\n\nUser:"});
//   m.push("Hello\n")   -> {"Hello", false}     "\n" held: it may start the stop string
//   m.push("\nUser: ")  -> {"", true}           stopped; the text ends at "Hello"
//   m.finish()          -> what is still held (when the stream ends without a stop)
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model {

class stop_matcher {
 public:
  struct result {
    std::string text;      // newly releasable text
    bool stopped = false;  // a stop string appeared; nothing after it is released, ever
  };

  explicit stop_matcher(std::vector<std::string> stops);
  result push(std::string_view piece);
  std::string finish();  // the held-back text, at the end of a stream that did not stop
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // received but not released
  bool stopped_ = false;
};

}  // namespace moeserve::model
