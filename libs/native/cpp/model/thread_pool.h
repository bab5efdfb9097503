// A persistent pool of worker threads for the forward pass. One decode step
// issues about five parallel regions per layer, microseconds each, so the
// workers are created once and wait between regions.
//
// The machines this runs on are often oversubscribed (2 cores, other
// processes), so nothing ever waits for a thread that has not started work:
// tasks are claimed one at a time from a shared ticket, the calling thread
// claims too, and a region ends when every *claimed* task is done. A worker
// that the kernel has not scheduled yet simply finds no task left. Idle
// workers spin briefly (regions of one step are back to back), then sleep on
// a futex, so between steps they cost nothing.
//
// The caller claims tasks from the front (0, 1, 2, ...), workers from the
// back (n - 1, n - 2, ...): with tasks in memory order (Linear::chunks), each
// thread streams its own end of the weights, and the two meet where the
// chunks are short.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace tessera {

// A non-owning reference to a callable `void(int64_t task, int thread)`:
// two words, no allocation (std::function allocates for larger captures).
class TaskRef {
 public:
  template <typename F>
  TaskRef(const F& f)  // NOLINT: implicit by design, like std::function_ref
      : obj_(&f), call_([](const void* o, int64_t i, int t) { (*static_cast<const F*>(o))(i, t); }) {}
  void operator()(int64_t task, int thread) const { call_(obj_, task, thread); }

 private:
  const void* obj_;
  void (*call_)(const void*, int64_t, int);
};

class ThreadPool {
 public:
  // `n_threads` counts the calling thread: 1 means no workers at all.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs task(i, thread) for every i in [0, n_tasks); thread is 0 for the
  // caller and 1..size()-1 for workers. Returns when all tasks are done.
  // The caller takes tasks from the front, workers from the back.
  // Not re-entrant: one region at a time, from one calling thread.
  void run(int64_t n_tasks, TaskRef task);

  // Says no region follows soon (a forward pass ended): idle workers sleep
  // at once instead of spinning, so they leave the cores to the threads
  // that carry the result to JS and bring the next call. The next run()
  // wakes them.
  void rest() { resting_.store(true, std::memory_order_relaxed); }

  // Wakes sleeping workers ahead of the next run(), so that they are
  // spinning when its first region comes instead of waiting for a futex
  // wake then: call it where the next forward is known to be coming (its
  // call queued), from any thread.
  void prewake();

 private:
  // The ticket packs (generation, back, front) into one word: tasks
  // [front, back) are unclaimed. A claim is a single compare-and-swap that
  // cannot take a task of a region that already ended.
  static constexpr int kIndexBits = 20;
  static constexpr uint64_t kIndexMask = (1ull << kIndexBits) - 1;
  static constexpr int kGenShift = 2 * kIndexBits;

  // Takes the first (from_back: last) unclaimed task of `generation`.
  bool claim(uint64_t generation, bool from_back, int64_t* index);
  void run_region(int64_t n_tasks, TaskRef task);
  void worker_loop(int thread);
  void wait_for_region(uint64_t* seen);
  void wake_workers();

  int n_threads_;
  std::vector<std::thread> workers_;
  const TaskRef* task_ = nullptr;
  uint64_t generation_ = 0;  // written by the caller only
  alignas(64) std::atomic<uint64_t> ticket_{0};
  alignas(64) std::atomic<int64_t> done_{0};  // tasks finished by workers this region
  alignas(64) std::atomic<int32_t> wake_seq_{0};
  std::atomic<int32_t> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> resting_{false};
};

}  // namespace tessera
