// Keeps AddressSanitizer's view of the main thread's stack right after SystemC has run.
//
// Debian's libsystemc runs processes as QuickThreads coroutines and announces each stack switch to ASan
// (weak references to __sanitizer_start/finish_switch_fiber), but after sc_start returns ASan still
// records a coroutine's stack top for the main thread. An exception thrown on the main thread after that
// (any failing run) makes ASan refuse to unpoison the frames it unwinds ("ignoring requested
// __asan_handle_no_return", google/sanitizers#189) and then report stack errors in code that has none.
// announceMainStack(), called on the main thread after sc_start, tells ASan the thread is back on its own
// stack. Without ASan it does nothing.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace trsim {

inline void announceMainStack() {
#if defined(__SANITIZE_ADDRESS__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void* bottom = nullptr;
    size_t size = 0;
    const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!known) return;
    void* fakeStack = nullptr;  // no fake stacks: the job runs with detect_stack_use_after_return=0
    __sanitizer_start_switch_fiber(&fakeStack, bottom, size);
    __sanitizer_finish_switch_fiber(fakeStack, nullptr, nullptr);
#endif
}

}  // namespace trsim
