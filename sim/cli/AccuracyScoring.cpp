#include "sim/cli/AccuracyScoring.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sim/cli/PythonTool.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/io/TraceReader.hpp"
#include "sim/sweep/SweepSpec.hpp"

namespace trsim {
namespace {

std::string scorerScript() { return sourceDir() + "/traces/score.py"; }

// The value score.py --values printed for `key` ("KEY<TAB>VALUE" lines).
std::optional<double> valueFor(const std::string& output, const std::string& key) {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos || line.substr(0, tab) != key) continue;
        try {
            std::size_t used = 0;
            const double v = std::stod(line.substr(tab + 1), &used);
            if (used == line.size() - tab - 1) return v;
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

std::string lastLine(const std::string& file) {
    std::ifstream in(file);
    std::string last;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) last = line;
    // A progress bar redraws with carriage returns: keep what the terminal would show last.
    const auto cr = last.rfind('\r');
    return cr == std::string::npos ? last : last.substr(cr + 1);
}

std::string seconds(double s) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << s << " s";
    return o.str();
}

}  // namespace

bool accuracyMissing(const Trace& trace, const SimConfig& config) {
    if (trace.source != "trained" || trace.metric.empty() || !accuracySettingKey(config, &trace)) return false;
    return !lookupAccuracy(trace, config).value;
}

AccuracyLookup accuracyForRun(const Trace& trace, const SimConfig& config, bool mayScore, std::ostream& progress) {
    if (config.accuracy.score == AccuracyScoring::Off) return {std::nullopt, "no accuracy: accuracy.score is off"};
    AccuracyLookup found = lookupAccuracy(trace, config);
    if (found.value || config.accuracy.score != AccuracyScoring::Auto || !mayScore || !accuracyMissing(trace, config))
        return found;
    const std::string key = *accuracySettingKey(config, &trace);
    if (config.simulation.progress)
        progress << "trsim run: scoring the accuracy of " << key << " on " << trace.network
                 << " (not in the score cache; accuracy.score: auto)\n"
                 << std::flush;
    std::string values;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> args{scorerScript(), "setting", trace.path, key, "--values"};
    if (!config.simulation.progress) args.push_back("--quiet");
    const int status = runPython(args, {false, &values});
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::optional<double> v = status == 0 ? valueFor(values, key) : std::nullopt;
    if (!v)
        return {std::nullopt, "no accuracy: scoring " + key + " failed (traces/score.py exit status " +
                                  std::to_string(status) + ", its message above); " + found.note};
    if (config.simulation.progress)
        progress << "trsim run: " << trace.metric << " " << *v << " (" << key << ", scored in " << seconds(took)
                 << ")\n";
    return {v, "scored now by traces/score.py (" + key + "), cached in " + scoreCachePath(trace.path)};
}

void scoreSweepAccuracy(const SweepSpec& spec, const std::vector<int>& todo, int jobs, const std::string& logDir,
                        std::ostream& progress) {
    // The distinct (trace, key) pairs the points about to run lack, in point order.
    std::map<std::string, Trace> summaries;
    std::vector<std::pair<std::string, std::string>> pending;
    std::set<std::pair<std::string, std::string>> seen;
    for (int index : todo) {
        const SweepPoint& p = spec.points[static_cast<std::size_t>(index)];
        const SimConfig config = loadConfig(spec.baseConfigPath, p.overrides);
        if (config.accuracy.score != AccuracyScoring::Auto) continue;
        auto it = summaries.find(config.tracePath);
        if (it == summaries.end()) {
            Trace summary;  // an unreadable trace is not scored here: its points fail with the reason
            try {
                summary = readTraceSummary(config.tracePath);
            } catch (const std::exception&) {
            }
            it = summaries.emplace(config.tracePath, std::move(summary)).first;
        }
        if (!accuracyMissing(it->second, config)) continue;
        const std::pair<std::string, std::string> item{config.tracePath, *accuracySettingKey(config, &it->second)};
        if (seen.insert(item).second) pending.push_back(item);
    }
    if (pending.empty()) return;
    std::filesystem::create_directories(logDir);
    const int atOnce = std::max(1, std::min<int>(jobs, static_cast<int>(pending.size())));
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::string threads = std::to_string(std::max(1, cores / atOnce));
    progress << "trsim sweep: scoring " << pending.size() << " setting" << (pending.size() == 1 ? "" : "s")
             << " missing from the score caches, " << atOnce << " at once (accuracy.score: auto)\n"
             << std::flush;
    const auto start = std::chrono::steady_clock::now();
    std::map<pid_t, std::size_t> running;
    std::size_t next = 0, done = 0, failed = 0;
    const auto logOf = [&](std::size_t i) { return (std::filesystem::path(logDir) / ("score-" + std::to_string(i) + ".log")).string(); };
    while (next < pending.size() || !running.empty()) {
        while (next < pending.size() && static_cast<int>(running.size()) < atOnce) {
            running[startPython({scorerScript(), "setting", pending[next].first, pending[next].second, "--threads",
                                 threads},
                                logOf(next))] = next;
            ++next;
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        unregisterChild(pid);
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const std::size_t i = it->second;
        running.erase(it);
        ++done;
        const auto& [trace, key] = pending[i];
        const int exit = pythonExitStatus(status);
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress << "trsim sweep: scored " << done << "/" << pending.size() << ", " << seconds(elapsed) << ": "
                 << std::filesystem::path(trace).filename().string() << " " << key << ": ";
        if (exit == 0) {
            const ScoreCache cache = readScoreCache(trace);
            const auto v = cache.scores.find(key);
            if (v != cache.scores.end()) progress << v->second;
            else progress << "scored, not cached (" << lastLine(logOf(i)) << ")";
            std::filesystem::remove(logOf(i));
        } else {
            ++failed;
            progress << "failed (exit status " << exit << "): " << lastLine(logOf(i)) << " [" << logOf(i) << "]";
        }
        progress << "\n" << std::flush;
    }
    if (failed > 0)
        progress << "trsim sweep: " << failed << " setting" << (failed == 1 ? "" : "s")
                 << " not scored; their points report accuracy NaN with the reason\n";
    std::error_code ec;
    if (std::filesystem::is_empty(logDir, ec)) std::filesystem::remove(logDir, ec);
}

}  // namespace trsim
