#pragma once
// The one error type of the weight-file layer.
//
// Every rejection of a weight file (unreadable, truncated, corrupt, inconsistent, or of a
// kind we do not support) throws load_error. Its message always starts with the file's
// path and then says where (a byte offset, a metadata key or a tensor name) and what was
// wrong, e.g.
//
//   "models/x.gguf: offset 0x18: key length 1152921504606846976 exceeds the 40 bytes left"
//
// Callers (the CLI, the executor's model loading) catch it and report the message as is.

#include <stdexcept>
#include <string>

namespace moeserve::model {

class load_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace moeserve::model
