#pragma once
// Intrusive multi-producer single-consumer queue (Dmitry Vyukov's design).
//
//   producers ──push──► head_ ─► ... ─► tail_ ──pop──► the one consumer
//
// push() is wait-free: one atomic exchange and one release store. pop() is lock-free and
// may only be called by one thread at a time (the actor's current turn). A producer that
// has exchanged head_ but not yet linked its predecessor leaves the queue briefly
// "inconsistent": pop() then returns nullptr although an element is on its way; callers
// must treat nullptr as "nothing poppable right now", not as "empty forever".
//
// The queue owns nothing: nodes are allocated and freed by the caller. FIFO holds per
// producer (each producer's pushes are linked in its program order).
#include <atomic>

namespace moeserve::actors {

struct mpsc_node {
  std::atomic<mpsc_node*> next{nullptr};
};

class mpsc_queue {
 public:
  mpsc_queue() noexcept : head_(&stub_), tail_(&stub_) {}
  mpsc_queue(const mpsc_queue&) = delete;
  mpsc_queue& operator=(const mpsc_queue&) = delete;

  // Any thread.
  void push(mpsc_node* node) noexcept {
    node->next.store(nullptr, std::memory_order_relaxed);
    mpsc_node* prev = head_.exchange(node, std::memory_order_acq_rel);
    prev->next.store(node, std::memory_order_release);
  }

  // Consumer only. Returns the oldest node, or nullptr (see above).
  mpsc_node* pop() noexcept {
    mpsc_node* tail = tail_;
    mpsc_node* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // a push in flight
    push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

 private:
  std::atomic<mpsc_node*> head_;  // producers' end
  mpsc_node* tail_;               // consumer's end
  mpsc_node stub_;
};

}  // namespace moeserve::actors
