#pragma once
// The values of the chat-template interpreter: Python's data model as jinja2 sees it.
//
// A value is a small handle (copying it is cheap): undefined, none, bool, int (64-bit;
// overflow is an error where Python would grow), float, string (a tainted_string: text plus
// which bytes are untrusted), list (or tuple), dict (insertion-ordered, string keys),
// callable (macros, global functions, bound methods), namespace (the one mutable kind, as
// jinja2's namespace()), and loop (the `loop` variable of a for block).
//
// Strings, lists and dicts are immutable once built (the template runs in jinja2's
// ImmutableSandboxedEnvironment: list.append, dict.update, ... are refused), so they are
// shared between copies and may be shared between threads; a namespace belongs to the one
// render that created it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "model/chat/tainted_string.hpp"

namespace moeserve::model::jinja {

class value;
class dict_data;
class callable;
class interpreter;
struct list_data;
struct namespace_data;
struct loop_state;

// Why a value is undefined, for the error raised when it is used where jinja2 fails
// ("'foo' is undefined", "'dict object' has no attribute 'x'").
struct undefined_value {
  std::shared_ptr<const std::string> hint;
};

class value {
 public:
  enum class kind : std::uint8_t {
    undefined,
    none,
    boolean,
    integer,
    floating,
    string,
    list,
    dict,
    callable,
    ns,
    loop
  };

  value() = default;  // undefined, with no hint
  static value undefined(std::string hint);
  static value none() { return value(std::nullptr_t{}); }
  static value boolean(bool b) { return value(b); }
  static value integer(std::int64_t i) { return value(i); }
  static value floating(double d) { return value(d); }
  static value string(tainted_string s);
  static value string(std::string text, bool trusted);
  static value trusted_string(std::string text) { return string(std::move(text), true); }
  static value list(std::vector<value> items, bool is_tuple = false);
  static value dict(dict_data d);
  static value function(std::shared_ptr<const callable> f);
  static value name_space(std::shared_ptr<namespace_data> ns);
  static value loop(std::shared_ptr<loop_state> state);

  kind type() const { return static_cast<kind>(v_.index()); }
  bool is_undefined() const { return type() == kind::undefined; }
  bool is_none() const { return type() == kind::none; }
  bool is_bool() const { return type() == kind::boolean; }
  bool is_int() const { return type() == kind::integer; }
  bool is_float() const { return type() == kind::floating; }
  // int or bool (Python's bool is an int)
  bool is_integral() const { return is_int() || is_bool(); }
  bool is_number() const { return is_integral() || is_float(); }
  bool is_string() const { return type() == kind::string; }
  bool is_list() const { return type() == kind::list; }
  bool is_tuple() const;
  bool is_dict() const { return type() == kind::dict; }
  bool is_callable() const { return type() == kind::callable; }
  bool is_namespace() const { return type() == kind::ns; }
  bool is_loop() const { return type() == kind::loop; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // int, bool or float as an integer (bool as 0/1); requires is_integral()
  std::int64_t integral() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  // any number as a double; requires is_number()
  double number() const { return is_float() ? as_float() : static_cast<double>(integral()); }
  const tainted_string& as_string() const { return *std::get<std::shared_ptr<const tainted_string>>(v_); }
  const std::string& text() const { return as_string().text(); }
  const list_data& as_list() const { return *std::get<std::shared_ptr<const list_data>>(v_); }
  const std::vector<value>& items() const;
  const dict_data& as_dict() const { return *std::get<std::shared_ptr<const dict_data>>(v_); }
  const callable& as_callable() const { return *std::get<std::shared_ptr<const callable>>(v_); }
  namespace_data& as_namespace() const { return *std::get<std::shared_ptr<namespace_data>>(v_); }
  const std::shared_ptr<namespace_data>& namespace_ptr() const { return std::get<std::shared_ptr<namespace_data>>(v_); }
  loop_state& as_loop() const { return *std::get<std::shared_ptr<loop_state>>(v_); }
  const std::shared_ptr<loop_state>& loop_ptr() const { return std::get<std::shared_ptr<loop_state>>(v_); }
  // The hint of an undefined value ("" when it has none).
  std::string_view undefined_hint() const;
  // How deeply lists and dicts nest in this value: 0 for scalars, 1 for a flat list.
  std::size_t nesting() const;

 private:
  explicit value(std::nullptr_t n) : v_(n) {}
  explicit value(bool b) : v_(b) {}
  explicit value(std::int64_t i) : v_(i) {}
  explicit value(double d) : v_(d) {}

  std::variant<undefined_value, std::nullptr_t, bool, std::int64_t, double, std::shared_ptr<const tainted_string>,
               std::shared_ptr<const list_data>, std::shared_ptr<const dict_data>, std::shared_ptr<const callable>,
               std::shared_ptr<namespace_data>, std::shared_ptr<loop_state>>
      v_;
};

struct list_data {
  std::vector<value> items;
  bool is_tuple = false;
  std::size_t depth = 1;  // set by value::list
};

// An insertion-ordered map from strings to values; keys are string values so that they
// keep their provenance. Lookups are linear for small dicts and hashed for large ones.
class dict_data {
 public:
  using entry = std::pair<value, value>;

  // Sets key (a string value) to v: in place when the key exists, else appended.
  void set(value key, value v);
  void set(std::string_view trusted_key, value v) {
    set(value::trusted_string(std::string(trusted_key)), std::move(v));
  }
  const value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<entry>& entries() const { return entries_; }
  void clear();
  // How deeply lists and dicts nest in it (set by value::dict).
  std::size_t depth() const { return depth_; }

 private:
  friend class value;
  std::size_t depth_ = 1;
  static constexpr std::size_t index_threshold = 16;
  std::size_t find_index(std::string_view key) const;  // size() when absent
  std::vector<entry> entries_;
  std::unordered_map<std::string_view, std::size_t> index_;  // filled once size > threshold
};

// The arguments of a call: positional, then keyword in call order.
struct call_args {
  std::vector<value> positional;
  std::vector<std::pair<std::string, value>> keyword;
};

// Something a template can call. Implementations must be safe to call from several
// renders at once (built-ins and macros hold no per-render state).
class callable {
 public:
  virtual ~callable() = default;
  virtual std::string name() const = 0;
  virtual value call(interpreter& in, call_args args) const = 0;
};

// jinja2's namespace(): attributes that {% set ns.attr = ... %} may change.
struct namespace_data {
  dict_data attrs;
};

// The state behind `loop` in a for block.
struct loop_state {
  std::shared_ptr<const std::vector<value>> items;
  std::size_t index0 = 0;
  std::size_t depth0 = 0;
};

// Python's type name ("str", "int", "NoneType", ...), for error messages.
std::string type_name(const value& v);
// jinja2's name of the object in "'dict object' has no attribute" messages.
std::string object_description(const value& v);
// Python truthiness (undefined is false).
bool truthy(const value& v);
// Python ==, recursively (1 == 1.0 == True; a tuple never equals a list). Undefined equals
// undefined only. Values nested deeper than max_value_depth are an error.
bool values_equal(const value& a, const value& b);

// How deeply lists and dicts may nest: building a deeper one is an error (so that
// recursive operations and destructors stay within the stack), and recursive operations
// (equality, repr, tojson) give up beyond it.
inline constexpr std::size_t max_value_depth = 512;

}  // namespace moeserve::model::jinja
