#include "sim/run/ThreadPool.hpp"

namespace trsim {

ThreadPool::ThreadPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
    {
        const std::lock_guard<std::mutex> guard(lock_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void ThreadPool::enqueue(std::function<void()> job) {
    {
        const std::lock_guard<std::mutex> guard(lock_);
        queue_.push(std::move(job));
    }
    wake_.notify_one();
}

void ThreadPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock<std::mutex> guard(lock_);
            wake_.wait(guard, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            job = std::move(queue_.front());
            queue_.pop();
        }
        job();  // packaged tasks keep their exceptions for the future
    }
}

}  // namespace trsim
