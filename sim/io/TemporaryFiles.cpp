#include "sim/io/TemporaryFiles.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace trsim {
namespace fs = std::filesystem;
namespace {

// The signal handler may only touch async-signal-safe state: fixed arrays, atomics.
constexpr std::size_t kSlots = 64;
constexpr std::size_t kPathMax = 4096;
std::array<std::array<char, kPathMax>, kSlots> gPaths{};
// Slot states: free, being written (the handler skips it), ready (the handler removes its file).
enum SlotState : int { kFree = 0, kWriting = 1, kReady = 2 };
std::array<std::atomic<int>, kSlots> gPathState{};
std::array<std::atomic<pid_t>, kSlots> gChildren{};

void onSignal(int sig) {
    for (std::size_t i = 0; i < kSlots; ++i) {
        const pid_t child = gChildren[i].load();
        if (child > 0) ::kill(child, sig);
    }
    for (std::size_t i = 0; i < kSlots; ++i)
        if (gPathState[i].load() == kReady) ::unlink(gPaths[i].data());
    // End the way the signal would have ended the process (exit status 128+sig for the shell).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

int claimPathSlot(const std::string& path) {
    if (path.size() >= kPathMax) return -1;
    for (std::size_t i = 0; i < kSlots; ++i) {
        int expected = kFree;
        if (!gPathState[i].compare_exchange_strong(expected, kWriting)) continue;
        std::memcpy(gPaths[i].data(), path.c_str(), path.size() + 1);
        gPathState[i].store(kReady);  // published only once the text is complete
        return static_cast<int>(i);
    }
    return -1;  // more than kSlots at once: still removed by the destructor
}

void releasePathSlot(int slot) {
    if (slot >= 0) gPathState[static_cast<std::size_t>(slot)].store(kFree);
}

}  // namespace

void installSignalCleanup() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
            struct sigaction old {};
            sigaction(sig, nullptr, &old);
            // A signal the parent ignores (nohup, a background job's SIGINT) stays ignored.
            if (old.sa_handler != SIG_IGN) sigaction(sig, &sa, nullptr);
        }
        // Over a file-size limit (ulimit -f), write(2) then fails with EFBIG and the
        // output error is reported, instead of SIGXFSZ killing trsim mid-write.
        ::signal(SIGXFSZ, SIG_IGN);
        return true;
    }();
    (void)installed;
}

TemporaryFile::TemporaryFile(const std::string& target, const std::string& suffix)
    : path_(target + ".tmp-" + std::to_string(::getpid()) + suffix), slot_(claimPathSlot(path_)) {}

TemporaryFile::~TemporaryFile() {
    if (path_.empty()) return;
    ::unlink(path_.c_str());
    releasePathSlot(slot_);
}

void TemporaryFile::commitTo(const std::string& target) {
    if (::rename(path_.c_str(), target.c_str()) != 0)
        throw std::runtime_error("cannot rename '" + path_ + "' to '" + target + "': " + std::strerror(errno));
    releasePathSlot(slot_);
    path_.clear();
}

int removeOnSignal(const std::string& path) { return claimPathSlot(path); }

void forgetOnSignal(int handle) { releasePathSlot(handle); }

void registerChild(pid_t pid) {
    for (auto& c : gChildren) {
        pid_t expected = 0;
        if (c.compare_exchange_strong(expected, pid)) return;
    }
}

void unregisterChild(pid_t pid) {
    for (auto& c : gChildren) {
        pid_t expected = pid;
        if (c.compare_exchange_strong(expected, 0)) return;
    }
}

namespace {

// Whether process `pid` still runs: it exists and is not a zombie (dead, not yet reaped).
bool running(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno != EPERM) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return true;  // no /proc: trust kill(2)
    const auto close = text.rfind(')');  // "pid (comm) S ...": comm may hold spaces and parentheses
    return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

}  // namespace

void removeStaleTemporaries(const std::string& target, bool targetLocked) {
    const fs::path t(target);
    const fs::path dir = t.parent_path().empty() ? fs::path(".") : t.parent_path();
    const std::string prefix = t.filename().string() + ".tmp-";
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string rest = name.substr(prefix.size());
        const std::string pidText = rest.substr(0, rest.find_first_not_of("0123456789"));
        if (pidText.empty() || pidText.size() > 9) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(pidText));
        if (pid == ::getpid() || (!targetLocked && running(pid))) continue;  // its writer still runs
        std::error_code ignored;
        fs::remove(it->path(), ignored);
    }
}

}  // namespace trsim
