#include "model/tokenizer/token_surfaces.hpp"

#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {

void token_surface_table::add(std::string_view surface, std::uint8_t flags) {
  if (arena_.size() + surface.size() > UINT32_MAX) throw tokenizer_error("token surfaces exceed 4 GiB");
  arena_.append(surface);
  offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
  flags_.push_back(flags);
}

}  // namespace moeserve::model
