// Temporary files and worker processes that must not outlive an interrupted
// trsim. A TemporaryFile is removed by its destructor (every exception path)
// unless committed, and by the SIGINT/SIGTERM/SIGHUP handler that
// installSignalCleanup sets up; the handler also forwards the signal to the
// registered worker processes, then lets the signal end trsim as it would have.
// kill -9 cannot be caught: removeStaleTemporaries clears what such a kill left.
#pragma once
#include <sys/types.h>

#include <string>

namespace trsim {

// Installs the handlers once per process (idempotent), and ignores SIGXFSZ so a
// file-size limit is a write error like a full disk.
void installSignalCleanup();

class TemporaryFile {
public:
    // "<target>.tmp-<pid><suffix>", beside the target so the final rename(2) stays
    // on one file system (a suffix for writers that append one themselves, e.g. ".vcd").
    explicit TemporaryFile(const std::string& target, const std::string& suffix = "");
    ~TemporaryFile();
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    const std::string& path() const { return path_; }
    // Renames the temporary file to the target (atomic for the name) and stops tracking it.
    void commitTo(const std::string& target);

private:
    std::string path_;
    int slot_ = -1;
};

// Any other file to remove if trsim is interrupted (e.g. a lock file): a handle
// for forgetOnSignal, or -1 if every slot is taken.
int removeOnSignal(const std::string& path);
void forgetOnSignal(int handle);

// Worker processes to signal if trsim itself is interrupted.
void registerChild(pid_t pid);
void unregisterChild(pid_t pid);

// Removes "<target>.tmp-<pid>[<suffix>]" files whose process is gone (left by kill -9 or a crash;
// a killed process its parent has not reaped yet, a zombie, counts as gone).
// `targetLocked`: the caller holds the target's lock (SweepLock), so no other process
// may be writing it and every temporary of the target is stale, whatever its pid.
void removeStaleTemporaries(const std::string& target, bool targetLocked = false);

}  // namespace trsim
