// A persistent pool of worker threads for the forward pass. One forward step
// issues hundreds of small parallel regions (every matmul, attention, norms),
// so workers are created once and wait between regions by spinning briefly
// and then sleeping; spawning threads per operation would cost more than the
// work itself at decode batch sizes.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

class ThreadPool {
 public:
  // `n_threads` counts the calling thread: 1 means no workers at all.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs task(i, thread) for every i in [0, n_tasks), tasks handed out in
  // order from a shared counter; the caller works too and returns when all
  // tasks are done. Not re-entrant: one region at a time.
  void run(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& task);

 private:
  void worker_loop(int thread);
  void drain(int thread);

  int n_threads_;
  std::vector<std::thread> workers_;
  const std::function<void(int64_t, int)>* task_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_task_{0};
  std::atomic<int> busy_workers_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace tessera
