#include "model/chat/filters.hpp"

#include "model/chat/filter_support.hpp"

namespace moeserve::model::jinja {

filter_fn find_filter(std::string_view name) {
  for (const auto part : {text_filters(), number_filters(), sequence_filters()}) {
    for (const auto& f : part) {
      if (f.name == name) return f.fn;
    }
  }
  return nullptr;
}

}  // namespace moeserve::model::jinja
