#pragma once
// --self-test: starts the service on an ephemeral loopback port, drives it with a few
// blocking clients, checks every reply, then shuts it down through its own SIGTERM path.
// Returns the process exit code (0: every check passed).
namespace moeserve::examples::embedding {

int run_self_test();

}  // namespace moeserve::examples::embedding
