#pragma once
// A sandboxed Jinja2-subset template engine for chat templates, written for moeserve:
// Debian packages no C++ template library that renders Hugging Face chat templates
// byte-identically to Python's jinja2, in a sandbox, with provenance of every output byte.
//
// What it renders: the subset of jinja2 that chat templates use (see parser.hpp for the
// statements and operators, filters.hpp, template_tests.hpp, methods.hpp and builtins.hpp
// for the library), in the configuration transformers uses: ImmutableSandboxedEnvironment
// with trim_blocks, lstrip_blocks and the loopcontrols extension, its tojson filter
// (ensure_ascii=False) and its raise_exception / strftime_now globals. The output is
// byte-identical to jinja2's for the templates, conversations and random templates of the
// oracle test (tools/check_chat_templates.py). Known differences from jinja2:
//   - integers are 64-bit: a result out of range is an error;
//   - dict.items()/keys()/values(), range() and the filters that return generators in
//     jinja2 return lists, so printing one directly prints a list; there is no Markup type
//     (escape and safe return plain strings);
//   - str.format() takes no format specs; `%` formatting knows s r d i f x only;
//   - case mapping and printability of characters outside the scripts listed in
//     unicode_text.hpp; string dict keys only;
//   - recursive for loops, {% call %} blocks, loop.changed() and template loading
//     (extends, include, import, block) are refused at parse time;
//   - the sandbox limits (template_limits.hpp) stop templates that jinja2 would finish;
//   - error messages say the same thing in other words, with line and column.
//
// The sandbox: no I/O of any kind (a template cannot include, import or extend another),
// no access to host objects, and limits (template_limits.hpp) on template size and
// nesting, loop iterations, macro call depth, stack use and output size; every violation is a
// template_error with the line and column where it happened.
//
// Provenance: strings in the context are trusted or untrusted (tainted_string.hpp); the
// output is returned as segments that say which bytes came from untrusted strings, so
// that the tokenizer can refuse to read special tokens there.
//
// Threads: parsing yields an immutable compiled_template that any number of threads may
// render at once; each render has its own state.
#include <memory>
#include <string_view>
#include <vector>

#include "model/chat/interpreter.hpp"
#include "model/chat/tainted_string.hpp"
#include "model/chat/template_limits.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

class compiled_template {
 public:
  // Parses a template. Throws template_error (kind syntax or limit).
  static compiled_template parse(std::string_view source, const parse_limits& limits = {});

  // Renders with the variables of `context`. Throws template_error (kind runtime, raised or
  // limit). The segments concatenate to the output; adjacent segments differ in `trusted`.
  std::vector<rendered_segment> render(const dict_data& context, const render_options& options = {}) const;
  // The same, as one tainted string.
  tainted_string render_tainted(const dict_data& context, const render_options& options = {}) const;

 private:
  struct program;
  explicit compiled_template(std::shared_ptr<const program> p) : program_(std::move(p)) {}
  std::shared_ptr<const program> program_;
};

// The text of rendered segments, concatenated.
std::string join_segments(const std::vector<rendered_segment>& segments);

}  // namespace moeserve::model::jinja
