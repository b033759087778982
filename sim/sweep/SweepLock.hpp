// One sweep at a time per output file: an exclusive flock(2) on "OUT.h5.lock",
// held from before the first point starts until the merged file is written.
// A second sweep on the same output refuses at once, naming the process that
// holds the lock, instead of racing it for the parts directory and the merge.
// The kernel drops the lock when its holder dies (even by kill -9), so a stale
// lock file never blocks anyone; the holder removes the file when done.
#pragma once
#include <string>

namespace trsim {

class SweepLock {
public:
    // Throws OutputError if another process holds the lock or it cannot be taken.
    explicit SweepLock(const std::string& output);
    ~SweepLock();
    SweepLock(const SweepLock&) = delete;
    SweepLock& operator=(const SweepLock&) = delete;

private:
    std::string path_;
    int fd_ = -1;
    int cleanup_ = -1;  // the lock file is removed if trsim is interrupted
};

}  // namespace trsim
