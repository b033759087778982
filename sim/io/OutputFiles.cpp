#include "sim/io/OutputFiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sim/io/TemporaryFiles.hpp"

namespace trsim {
namespace fs = std::filesystem;

bool sameFile(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void checkOutputPath(const std::string& path, const std::vector<InputFile>& inputs) {
    if (path.empty()) throw OutputError("output path is empty");
    for (const InputFile& in : inputs)
        if (sameFile(path, in.path))
            throw OutputError(path + ": is the " + in.role + " '" + in.path +
                              "' this command reads; writing there would destroy it (choose another output)");
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw OutputError(path + ": is a directory (the output must be a file name)");
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    if (!fs::is_directory(dir, ec))
        throw OutputError(path + ": directory '" + dir.string() + "' does not exist (create it first)");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw OutputError(path + ": directory '" + dir.string() + "' is not writable: " + std::strerror(errno));
}

void writeFileAtomically(const std::string& path, const void* data, std::size_t size) {
    TemporaryFile tmp(path);
    const auto fail = [&](const char* call) {
        throw OutputError(path + ": " + call + " of '" + tmp.path() + "' failed: " + std::strerror(errno));
    };
    const int fd = ::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("open(2)");
    const char* p = static_cast<const char*>(data);
    for (std::size_t left = size; left > 0;) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            ::close(fd);
            errno = err;
            fail("write(2)");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    // rename(2) is atomic for the name, not the data: without fsync a crash right
    // after the rename could leave the final name pointing at an empty file.
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        errno = err;
        fail("fsync(2)");
    }
    if (::close(fd) != 0) fail("close(2)");
    try {
        tmp.commitTo(path);
    } catch (const std::exception& e) {
        throw OutputError(path + ": " + e.what());
    }
}

}  // namespace trsim
