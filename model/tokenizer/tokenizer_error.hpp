#pragma once
// The one error type of the tokenizers.
//
// Thrown when a tokenizer cannot be built (an unreadable or malformed tokenizer.json or
// tokenizer.model, a vocabulary whose merges name unknown tokens, a pre-tokenizer we do not
// support, an invalid regular expression) and, at encode time, only if the regex engine
// gives up on an input (it never does for the built-in patterns). The message says what
// was wrong and where, e.g. "models/x/tokenizer.json: model.merges[12]: 'a b': the merged
// token 'ab' is not in the vocabulary".

#include <stdexcept>

namespace moeserve::model {

class tokenizer_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace moeserve::model
