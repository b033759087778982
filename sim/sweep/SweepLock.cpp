#include "sim/sweep/SweepLock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "sim/io/OutputFiles.hpp"
#include "sim/io/TemporaryFiles.hpp"

namespace trsim {

SweepLock::SweepLock(const std::string& output) : path_(output + ".lock") {
    // The holder unlinks the file when done: a lock taken on a file that was
    // unlinked meanwhile protects nothing, so retry until the locked file is the one at the path.
    for (;;) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw OutputError(path_ + ": cannot create the sweep lock: " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            std::string holder;
            std::ifstream(path_) >> holder;
            ::close(fd_);
            fd_ = -1;
            if (err == EWOULDBLOCK)
                throw OutputError(output + ": another trsim sweep" + (holder.empty() ? "" : " (pid " + holder + ")") +
                                  " is writing this file; wait for it to finish or choose another output");
            throw OutputError(path_ + ": cannot lock: " + std::strerror(err));
        }
        struct stat held {}, named {};
        if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
            held.st_dev == named.st_dev)
            break;
        ::close(fd_);
    }
    cleanup_ = removeOnSignal(path_);
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) (void)!::write(fd_, pid.data(), pid.size());
}

SweepLock::~SweepLock() {
    forgetOnSignal(cleanup_);
    ::unlink(path_.c_str());
    ::close(fd_);
}

}  // namespace trsim
