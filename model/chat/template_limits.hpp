#pragma once
// Configurable limits of the chat-template engine, with safe defaults. Exceeding one is a
// template_error of kind `limit`, never a crash or unbounded work.
#include <cstddef>
#include <cstdint>

namespace moeserve::model::jinja {

struct parse_limits {
  std::size_t max_template_bytes = 1u << 20;  // the template source
  std::size_t max_nesting_depth = 100;        // nested blocks, brackets and operators
};

struct render_limits {
  // The rendered output, and also the largest string any operation may build.
  std::size_t max_output_bytes = 32u << 20;
  // Iterations of all {% for %} loops of one render together; also bounds the size of the
  // sequences range(), list repetition and the iterating filters may build.
  std::uint64_t max_loop_iterations = 1'000'000;
  // Nested macro calls.
  std::size_t max_call_depth = 32;
  // Stack the interpreter may use below the frame of render(). The most deeply nested
  // template the other defaults allow needs about 1.5 MiB (several times that under
  // AddressSanitizer, where this limit is then what stops it); the rendering thread needs
  // this much free stack plus some slack (the parser needs well under 1 MiB).
  std::size_t max_stack_bytes = 2u << 20;
};

}  // namespace moeserve::model::jinja
