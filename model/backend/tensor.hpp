#pragma once
// tensor: a 2-D activation buffer owned by a backend (host memory on the CPU backend,
// device memory on a GPU). Architectures never look inside: they pass tensors from one
// backend op to the next. Row-major: `rows` tokens (or sequences) of `cols` values.
//
// A tensor is a view; the backend's scratch arena owns the memory, and a tensor stays
// valid until the backend's next begin_step().
#include <cstdint>

#include "model/io/dtype.hpp"

namespace moeserve::model {

struct tensor {
  void* data = nullptr;
  dtype type = dtype::f32;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
  std::int64_t size() const { return rows * cols; }
};

}  // namespace moeserve::model
