#pragma once
// What every benchmark records beside its figures: the commit under test, the machine,
// the date and the load average (other work on the machine skews every figure, see
// docs/PERFORMANCE.md), and a JSON string escaper for writing them.
#include <string>

namespace moeserve::bench {

std::string commit();                           // MOESERVE_COMMIT from the environment, else the built commit
std::string machine();                          // "<online cpus> x <cpu model>"
std::string utc_date();                         // ISO 8601, UTC
double load_average();                          // 1-minute load average, or -1 where unknown
std::string json_escape(const std::string& s);  // for a JSON string; control characters become spaces

}  // namespace moeserve::bench
