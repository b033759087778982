#include "sim/cli/PythonTool.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace trsim {

std::string sourceDir() { return TRSIM_SOURCE_DIR; }

int runPython(const std::vector<std::string>& args) {
    static const char* kPython = "/usr/bin/python3";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const char* old = std::getenv("PYTHONPATH");
        const std::string path = sourceDir() + (old && *old ? ":" + std::string(old) : "");
        ::setenv("PYTHONPATH", path.c_str(), 1);
        std::vector<char*> argv{const_cast<char*>(kPython)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(kPython, argv.data());
        ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return 127;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace trsim
