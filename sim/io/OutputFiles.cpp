#include "sim/io/OutputFiles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sim/config/Config.hpp"
#include "sim/io/ScoreCache.hpp"
#include "sim/io/TemporaryFiles.hpp"

namespace trsim {
namespace fs = std::filesystem;

bool sameFile(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::vector<InputFile> inputFilesOf(const SimConfig& config) {
    std::vector<InputFile> inputs{{config.configPath, "config"}, {config.tracePath, "trace"}};
    if (!config.tracePath.empty()) inputs.push_back({scoreCachePath(config.tracePath), "trace's score cache"});
    if (!config.energy.path.empty()) inputs.push_back({config.energy.path, "energy table"});
    if (!config.area.path.empty()) inputs.push_back({config.area.path, "area table"});
    return inputs;
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
    // access(2) says yes to root everywhere, also on file systems that take no new file (/proc):
    // create and remove a probe beside the output, as its temporary file will be.
    const std::string probe = path + ".tmp-probe-" + std::to_string(::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        throw OutputError(path + ": cannot create a file in directory '" + dir.string() + "': " + std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

void checkOutputDirectory(const std::string& dir, const std::vector<std::string>& files,
                          const std::vector<InputFile>& inputs, const std::string& option) {
    if (dir.empty()) throw OutputError(option + ": the directory is empty");
    std::error_code ec;
    const bool exists = fs::exists(dir, ec);
    if (exists && !fs::is_directory(dir, ec))
        throw OutputError(option + " " + dir + ": is not a directory");
    if (exists) {
        if (::access(dir.c_str(), W_OK | X_OK) != 0)
            throw OutputError(option + " " + dir + ": is not writable: " + std::strerror(errno));
        for (const std::string& f : files) {
            try {
                checkOutputPath((fs::path(dir) / f).string(), inputs);
            } catch (const OutputError& e) {
                throw OutputError(option + " " + dir + ": " + e.what());
            }
        }
        return;
    }
    // Created when written, with its missing parents: the nearest existing one must take it.
    fs::path parent = fs::path(dir).parent_path();
    while (!parent.empty() && !fs::exists(parent, ec)) parent = parent.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent, ec))
        throw OutputError(option + " " + dir + ": '" + parent.string() + "' is not a directory");
    // access(2) says yes to root also where no directory can be made (/proc): make and remove a probe.
    std::string probe = (parent / (".trsim-probe-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::access(parent.c_str(), W_OK | X_OK) != 0 || ::mkdtemp(probe.data()) == nullptr)
        throw OutputError(option + " " + dir + ": cannot be created in directory '" + parent.string() +
                          "': " + std::strerror(errno));
    ::rmdir(probe.c_str());
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
