#include "model/thread_pool.h"

#include <chrono>
#include <climits>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <sched.h>

namespace tessera {

namespace {

// How long an idle worker spins before sleeping. Regions of one forward step
// are microseconds apart, so a short spin saves a futex wake per region; a
// long one would steal the core from the JS thread (and from other
// processes) between steps.
constexpr auto kSpinFor = std::chrono::microseconds(100);
// Pause rounds the caller spins for workers' last tasks before yielding.
constexpr int kFinishSpins = 1 << 12;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

void futex_wait(std::atomic<int32_t>* word, int32_t expected) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<int32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
  if (word->load() == expected) sched_yield();
#endif
}

void futex_wake_all(std::atomic<int32_t>* word) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<int32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)word;
#endif
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  wake_seq_.fetch_add(1);
  futex_wake_all(&wake_seq_);
  for (auto& w : workers_) w.join();
}

bool ThreadPool::claim(uint64_t generation, bool from_back, int64_t* index) {
  uint64_t v = ticket_.load(std::memory_order_acquire);
  for (;;) {
    if ((v >> kGenShift) != generation) return false;
    const uint64_t back = (v >> kIndexBits) & kIndexMask, front = v & kIndexMask;
    if (front >= back) return false;
    const uint64_t next = from_back ? v - (1ull << kIndexBits) : v + 1;
    if (ticket_.compare_exchange_weak(v, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
      *index = static_cast<int64_t>(from_back ? back - 1 : front);
      return true;
    }
  }
}

void ThreadPool::run(int64_t n_tasks, TaskRef task) {
  if (n_tasks <= 0) return;
  if (n_threads_ == 1 || n_tasks == 1) {
    for (int64_t i = 0; i < n_tasks; ++i) task(i, 0);
    return;
  }
  // The ticket holds at most kIndexMask tasks; bigger regions run in slices.
  const int64_t slice = static_cast<int64_t>(kIndexMask);
  for (int64_t base = 0; base < n_tasks; base += slice) {
    const int64_t n = n_tasks - base < slice ? n_tasks - base : slice;
    auto shifted = [&](int64_t i, int thread) { task(base + i, thread); };
    run_region(n, base == 0 ? task : TaskRef(shifted));
  }
}

void ThreadPool::run_region(int64_t n_tasks, TaskRef task) {
  task_ = &task;
  done_.store(0, std::memory_order_relaxed);
  resting_.store(false, std::memory_order_relaxed);
  generation_ = (generation_ + 1) & ((1ull << (64 - kGenShift)) - 1);
  if (generation_ == 0) generation_ = 1;  // 0 is the idle ticket's generation
  ticket_.store((generation_ << kGenShift) | (static_cast<uint64_t>(n_tasks) << kIndexBits),
                std::memory_order_release);
  wake_workers();
  int64_t mine = 0, i;
  while (claim(generation_, false, &i)) {
    task(i, 0);
    ++mine;
  }
  // Only tasks a worker claimed remain; they are short, so spin, then yield
  // in case the worker was preempted on our core.
  const int64_t theirs = n_tasks - mine;
  for (int spins = 0; done_.load(std::memory_order_acquire) != theirs; ++spins) {
    if (spins < kFinishSpins) {
      cpu_relax();
    } else {
      sched_yield();
    }
  }
  task_ = nullptr;
}

void ThreadPool::wake_workers() {
  wake_seq_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(&wake_seq_);
}

void ThreadPool::prewake() {
  resting_.store(false, std::memory_order_relaxed);
  wake_workers();
}

void ThreadPool::wait_for_region(uint64_t* seen) {
  auto generation = [&] { return ticket_.load(std::memory_order_acquire) >> kGenShift; };
  auto spin_until = std::chrono::steady_clock::now() + kSpinFor;
  for (int spins = 1; generation() == *seen && !stop_.load(std::memory_order_relaxed); ++spins) {
    cpu_relax();
    if (spins % 64 != 0) continue;
    if (!resting_.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < spin_until) continue;
    // Sleep: announce it, then re-check, so a region published meanwhile is
    // either seen here or its wake_seq_ bump makes futex_wait return.
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    const int32_t seq = wake_seq_.load(std::memory_order_seq_cst);
    if (generation() == *seen && !stop_.load()) futex_wait(&wake_seq_, seq);
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    // Woken: by a region (the loop ends) or by prewake(), which means one
    // is coming: spin for it again.
    spin_until = std::chrono::steady_clock::now() + kSpinFor;
  }
  *seen = generation();
}

void ThreadPool::worker_loop(int thread) {
  uint64_t seen = 0;
  for (;;) {
    wait_for_region(&seen);
    if (stop_.load()) return;
    int64_t i;
    while (claim(seen, true, &i)) {
      (*task_)(i, thread);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }
}

}  // namespace tessera
