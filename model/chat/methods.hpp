#pragma once
// Methods of strings, dicts and lists that templates may call ({{ s.strip() }},
// {{ d.items() }}), with Python's semantics.
//   str:  capitalize center count endswith find format index isalnum isalpha isdigit
//         islower isspace isupper join ljust lower lstrip replace rfind rindex rjust
//         rsplit rstrip split splitlines startswith strip title upper
//   dict: copy get items keys values
//   list: copy count index
// The mutating methods (list.append, dict.update, ...) exist but are refused, as in
// jinja2's ImmutableSandboxedEnvironment: reading one gives an undefined value whose use
// reports the security error. str.format supports positional and named fields with !r/!s
// conversions and no format specs.
#include <optional>
#include <string_view>

#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

// The method `name` of `object`, bound to it; nullopt when the object has no such method.
std::optional<value> find_method(const value& object, std::string_view name);

}  // namespace moeserve::model::jinja
