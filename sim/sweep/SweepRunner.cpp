#include "sim/sweep/SweepRunner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "sim/io/TemporaryFiles.hpp"

extern char** environ;

namespace trsim {
namespace fs = std::filesystem;
namespace {

std::string lastLines(const std::string& file, std::size_t count) {
    std::ifstream in(file);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
        if (lines.size() > count) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

std::string clock(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    std::ostringstream o;
    o << s / 60 << ":" << std::setw(2) << std::setfill('0') << s % 60;
    return o.str();
}

pid_t spawnWorker(const SweepSpec& spec, const SweepPoint& p, const SweepRunOptions& o) {
    // --no-score: the sweep scored the accuracies its points lack before starting them (AccuracyScoring.hpp).
    std::vector<std::string> args{o.trsimExecutable, "run", spec.baseConfigPath, "-o",
                                  partPath(o.partsDir, p.configHash, ".h5"), "--no-score"};
    for (const auto& ov : p.overrides) {
        args.push_back("--set");
        args.push_back(ov);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = partPath(o.partsDir, p.configHash, ".log");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, o.trsimExecutable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start worker " + o.trsimExecutable + ": " + std::strerror(rc));
    registerChild(pid);  // an interrupted sweep passes the signal on to its workers
    return pid;
}

}  // namespace

std::string partPath(const std::string& partsDir, const std::string& hash, const char* suffix) {
    return (fs::path(partsDir) / (hash + suffix)).string();
}

std::string selfExecutable() { return fs::read_symlink("/proc/self/exe").string(); }

SweepRunCounts runSweepPoints(const SweepSpec& spec, const std::vector<int>& todo, const SweepRunOptions& o,
                              std::ostream& progress) {
    fs::create_directory(o.partsDir);  // its parent, the output's directory, was checked to exist
    const bool bar = isatty(STDERR_FILENO);
    const auto start = std::chrono::steady_clock::now();
    SweepRunCounts counts;
    std::map<pid_t, int> running;
    std::size_t next = 0;
    const auto report = [&](const SweepPoint& p, bool ok, const std::string& why) {
        const int done = counts.ok + counts.failed;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double eta = done > 0 ? elapsed / done * (static_cast<double>(todo.size()) - done) : 0;
        if (!ok) progress << (bar ? "\r\033[K" : "") << "point " << p.index << " failed: " << why << "\n";
        if (bar) {
            const int width = 30, filled = static_cast<int>(width * done / std::max<std::size_t>(1, todo.size()));
            progress << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
                     << std::string(static_cast<std::size_t>(width - filled), '.') << "] ";
        } else {
            progress << "sweep: ";
        }
        progress << done << "/" << todo.size() << " points, " << counts.failed << " failed, " << clock(elapsed)
                 << " elapsed, ETA " << clock(eta) << (bar ? "" : "\n") << std::flush;
    };
    while (next < todo.size() || !running.empty()) {
        while (next < todo.size() && static_cast<int>(running.size()) < std::max(1, o.jobs)) {
            const SweepPoint& p = spec.points[static_cast<std::size_t>(todo[next])];
            fs::remove(partPath(o.partsDir, p.configHash, ".failed"));
            running[spawnWorker(spec, p, o)] = todo[next];
            ++next;
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        unregisterChild(pid);
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const SweepPoint& p = spec.points[static_cast<std::size_t>(it->second)];
        running.erase(it);
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                        fs::exists(partPath(o.partsDir, p.configHash, ".h5"));
        std::string why;
        if (ok) {
            counts.ok++;
        } else {
            counts.failed++;
            const std::string log = partPath(o.partsDir, p.configHash, ".log");
            why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                    : "killed by signal " + std::to_string(WTERMSIG(status));
            std::ofstream(partPath(o.partsDir, p.configHash, ".failed")) << why << "\n" << lastLines(log, 20);
            const std::string tail = lastLines(log, 1);
            why += tail.empty() ? "" : ": " + tail.substr(0, tail.size() - 1);
        }
        report(p, ok, why);
    }
    if (bar) progress << "\n";
    return counts;
}

}  // namespace trsim
