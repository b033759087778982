#include "sim/cli/PythonTool.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "sim/io/TemporaryFiles.hpp"

namespace trsim {
namespace {

const char* kPython = "/usr/bin/python3";

// In the child: the environment the tools expect, then exec (never returns).
[[noreturn]] void execPython(const std::vector<std::string>& args) {
    const char* old = std::getenv("PYTHONPATH");
    const std::string path = sourceDir() + (old && *old ? ":" + std::string(old) : "");
    ::setenv("PYTHONPATH", path.c_str(), 1);
    ::setenv("TRSIM_FUNCTIONAL_LIB", functionalLibrary().c_str(), 0);
    std::vector<char*> argv{const_cast<char*>(kPython)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kPython, argv.data());
    ::_exit(127);
}

}  // namespace

std::string sourceDir() { return TRSIM_SOURCE_DIR; }

std::string functionalLibrary() { return TRSIM_FUNCTIONAL_C_LIB; }

int pythonExitStatus(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int runPython(const std::vector<std::string>& args, const PythonOutput& output) {
    int pipeFds[2] = {-1, -1};
    if (output.captureStdout && ::pipe(pipeFds) != 0) return 127;
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (output.captureStdout) {
            ::dup2(pipeFds[1], STDOUT_FILENO);
            ::close(pipeFds[0]);
            ::close(pipeFds[1]);
        } else if (output.stdoutToStderr) {
            ::dup2(STDERR_FILENO, STDOUT_FILENO);
        }
        execPython(args);
    }
    if (pid > 0) registerChild(pid);
    if (output.captureStdout) {
        ::close(pipeFds[1]);
        char buf[4096];
        for (;;) {
            const ssize_t n = pid > 0 ? ::read(pipeFds[0], buf, sizeof buf) : 0;
            if (n > 0) output.captureStdout->append(buf, static_cast<std::size_t>(n));
            else if (n < 0 && errno == EINTR) continue;
            else break;
        }
        ::close(pipeFds[0]);
    }
    int status = 0;
    if (pid < 0) return 127;
    pid_t waited;
    while ((waited = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    unregisterChild(pid);
    return waited < 0 ? 127 : pythonExitStatus(status);
}

pid_t startPython(const std::vector<std::string>& args, const std::string& logFile) {
    const int log = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) throw std::runtime_error(logFile + ": cannot be written: " + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int devNull = ::open("/dev/null", O_RDONLY);
        if (devNull >= 0) ::dup2(devNull, STDIN_FILENO);
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        execPython(args);
    }
    ::close(log);
    if (pid < 0) throw std::runtime_error(std::string("cannot start ") + kPython + ": " + std::strerror(errno));
    registerChild(pid);
    return pid;
}

}  // namespace trsim
