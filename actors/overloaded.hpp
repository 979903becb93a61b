#pragma once
// Builds one visitor out of several lambdas, for std::visit over a protocol variant:
//   std::visit(overloaded{[&](const ping& p) {...}, [&](const stop_cmd&) {...}}, msg);
namespace moeserve::actors {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace moeserve::actors
