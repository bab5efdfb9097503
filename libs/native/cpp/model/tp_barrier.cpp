#include "model/tp_barrier.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TESSERA_CPU_RELAX() _mm_pause()
#else
#define TESSERA_CPU_RELAX() ((void)0)
#endif

namespace tessera {

namespace {
// About 10-50 microseconds of spinning: enough for peers on their own cores.
constexpr int kSpins = 4000;
}  // namespace

void RankBarrier::arrive_and_wait() {
  if (aborted_.load(std::memory_order_acquire)) throw RankAborted();
  const uint64_t phase = phase_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
    // Reset before the phase moves: nobody can arrive at the next barrier
    // before seeing the new phase.
    arrived_.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      phase_.store(phase + 1, std::memory_order_release);
    }
    cv_.notify_all();
    return;
  }
  auto released = [&] {
    return phase_.load(std::memory_order_acquire) != phase || aborted_.load(std::memory_order_acquire);
  };
  for (int i = 0; i < kSpins && !released(); ++i) TESSERA_CPU_RELAX();
  if (!released()) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, released);
  }
  if (phase_.load(std::memory_order_acquire) == phase) throw RankAborted();
}

void RankBarrier::abort() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

void RankBarrier::reset() {
  arrived_.store(0, std::memory_order_relaxed);
  aborted_.store(false, std::memory_order_release);
}

}  // namespace tessera
