// A fixed set of worker threads running tasks in submission order. With no
// workers a task runs when its result is first asked for, on the asking thread
// (std::launch::deferred): one-thread runs do the same work in the same order.
#pragma once
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace trsim {

class ThreadPool {
public:
    explicit ThreadPool(int workers);
    ~ThreadPool();  // finishes the queued tasks, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int workers() const { return static_cast<int>(threads_.size()); }

    // Runs `task`; its result or exception comes out of the returned future.
    template <class F>
    auto submit(F task) -> std::future<decltype(task())> {
        using R = decltype(task());
        if (threads_.empty()) return std::async(std::launch::deferred, std::move(task));
        auto packaged = std::make_shared<std::packaged_task<R()>>(std::move(task));
        std::future<R> result = packaged->get_future();
        enqueue([packaged] { (*packaged)(); });
        return result;
    }

private:
    void enqueue(std::function<void()> job);
    void work();

    std::vector<std::thread> threads_;
    std::queue<std::function<void()>> queue_;
    std::mutex lock_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace trsim
