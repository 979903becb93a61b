// The probe itself: it must see large requests, or the "never allocates what a corrupt
// file claims" checks of the reader tests would pass vacuously.

#include "tests/model/io/allocation_probe.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moeserve::model::testing {
namespace {

TEST(AllocationProbe, SeesTheLargestRequestOfItsThread) {
  std::size_t seen = 0;
  {
    allocation_probe probe;
    std::vector<char> big(1 << 20);
    big[12345] = 'x';
    std::string small(100, 'y');
    EXPECT_EQ(big[12345] + small[5], 'x' + 'y');
    seen = probe.largest();
  }
  EXPECT_GE(seen, std::size_t{1} << 20);
  allocation_probe fresh;
  EXPECT_EQ(fresh.largest(), 0u);
}

}  // namespace
}  // namespace moeserve::model::testing
