#pragma once
// Intrusive multi-producer single-consumer queue (Dmitry Vyukov's design).
//
//   producers ──push──► head ─► ... ─► tail ──pop──► the one consumer
//
// push() is wait-free: one atomic exchange and one release store. pop() is lock-free and
// may only be called by one thread at a time (the actor's current turn). A producer that
// has exchanged head but not yet linked its predecessor leaves the queue briefly
// "inconsistent": pop() then returns nullptr although an element is on its way; callers
// must treat nullptr as "nothing poppable right now", not as "empty forever".
//
// The queue owns nothing: nodes are allocated and freed by the caller. FIFO holds per
// producer (each producer's pushes are linked in its program order).
//
// The two ends are separate types so that an owner can keep them on different cache lines
// (actor_cell does: senders write the producer end, the actor's turn the consumer end).
// mpsc_queue bundles both for everyone else.
#include <atomic>

namespace moeserve::actors {

struct mpsc_node {
  std::atomic<mpsc_node*> next{nullptr};
};

struct mpsc_producer_end {
  std::atomic<mpsc_node*> head{nullptr};
};

struct mpsc_consumer_end {
  mpsc_node* tail = nullptr;
  mpsc_node stub;
};

// Makes an empty queue out of the two ends.
inline void mpsc_init(mpsc_producer_end& in, mpsc_consumer_end& out) noexcept {
  out.stub.next.store(nullptr, std::memory_order_relaxed);
  out.tail = &out.stub;
  in.head.store(&out.stub, std::memory_order_relaxed);
}

// Any thread.
inline void mpsc_push(mpsc_producer_end& in, mpsc_node* node) noexcept {
  node->next.store(nullptr, std::memory_order_relaxed);
  mpsc_node* prev = in.head.exchange(node, std::memory_order_acq_rel);
  prev->next.store(node, std::memory_order_release);
}

// Consumer only. Returns the oldest node, or nullptr (see above).
inline mpsc_node* mpsc_pop(mpsc_producer_end& in, mpsc_consumer_end& out) noexcept {
  mpsc_node* tail = out.tail;
  mpsc_node* next = tail->next.load(std::memory_order_acquire);
  if (tail == &out.stub) {
    if (next == nullptr) return nullptr;
    out.tail = next;
    tail = next;
    next = next->next.load(std::memory_order_acquire);
  }
  if (next != nullptr) {
    out.tail = next;
    return tail;
  }
  if (tail != in.head.load(std::memory_order_acquire)) return nullptr;  // a push in flight
  mpsc_push(in, &out.stub);
  next = tail->next.load(std::memory_order_acquire);
  if (next != nullptr) {
    out.tail = next;
    return tail;
  }
  return nullptr;
}

class mpsc_queue {
 public:
  mpsc_queue() noexcept { mpsc_init(in_, out_); }
  mpsc_queue(const mpsc_queue&) = delete;
  mpsc_queue& operator=(const mpsc_queue&) = delete;

  void push(mpsc_node* node) noexcept { mpsc_push(in_, node); }  // any thread
  mpsc_node* pop() noexcept { return mpsc_pop(in_, out_); }      // consumer only

 private:
  mpsc_producer_end in_;
  mpsc_consumer_end out_;
};

}  // namespace moeserve::actors
