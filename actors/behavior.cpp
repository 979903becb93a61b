#include "actors/behavior.hpp"

#include <cstdio>
#include <cstdlib>

#include "actors/actor_cell.hpp"

namespace moeserve::actors {

actor_base::actor_base() noexcept : cell_(actor_cell::under_construction()) {
  if (cell_ == nullptr) {
    std::fputs("moeserve::actors: actor objects are created by actor_system::spawn, not directly\n", stderr);
    std::abort();
  }
}

actor_id actor_base::id() const noexcept { return cell_->id(); }
std::string_view actor_base::name() const noexcept { return cell_->name(); }
actor_system& actor_base::system() const noexcept { return cell_->system(); }
void actor_base::stop() noexcept { cell_->stop_after_handler(exit_reason::normal); }

}  // namespace moeserve::actors
