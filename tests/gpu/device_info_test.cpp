#include <gtest/gtest.h>

#include "gpu/device_info.hpp"

namespace moeserve::gpu {
namespace {

TEST(DeviceInfo, ListsDevicesOrSaysWhyThereAreNone) {
  const device_inventory inv = list_devices();
  if (inv.devices.empty()) {
    EXPECT_FALSE(inv.problem.empty());
    return;
  }
  for (const auto& d : inv.devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.compute_major, 5);
    EXPECT_GT(d.multiprocessors, 0);
    EXPECT_GT(d.total_memory, std::size_t{1} << 30);
    EXPECT_LE(d.free_memory, d.total_memory);
    EXPECT_NE(describe(d).find("sm_"), std::string::npos);
  }
}

}  // namespace
}  // namespace moeserve::gpu
