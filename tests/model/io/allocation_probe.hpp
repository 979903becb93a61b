#pragma once
// allocation_probe: records the largest single operator new request made by the current
// thread while a probe is alive. model_io_tests replaces the global operator new
// (allocation_probe.cpp) so that tests can show a corrupt file's claimed sizes never reach
// an allocation.

#include <cstddef>

namespace moeserve::model::testing {

class allocation_probe {
 public:
  allocation_probe();
  ~allocation_probe();
  allocation_probe(const allocation_probe&) = delete;
  allocation_probe& operator=(const allocation_probe&) = delete;

  std::size_t largest() const;
};

}  // namespace moeserve::model::testing
