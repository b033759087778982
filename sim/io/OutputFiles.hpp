// Where trsim's outputs go. Every output is checked before any simulation
// starts (its directory exists and is writable; it is not a directory; it is
// not, by file identity, one of the run's inputs) and written atomically: to a
// TemporaryFile beside it, fsync, rename. A failed or interrupted write leaves
// the earlier file as it was and no temporary behind.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace trsim {

struct SimConfig;

// An output cannot be written (exit status 4). what() names the path.
class OutputError : public std::runtime_error {
public:
    explicit OutputError(const std::string& message) : std::runtime_error(message) {}
};

struct InputFile {
    std::string path;
    std::string role;  // "config", "trace", "energy table", "sweep file", ...
};

// Every file a run of `config` reads: the config, the trace, the trace's score
// cache (ScoreCache.hpp), the energy and area tables (those configured).
std::vector<InputFile> inputFilesOf(const SimConfig& config);

// Throws OutputError naming `path` (shown as given) and the problem.
void checkOutputPath(const std::string& path, const std::vector<InputFile>& inputs);

// For an output directory (e.g. --report-csv DIR) that will hold `files`: DIR is
// a directory or will be created inside an existing writable directory, and
// each DIR/file passes checkOutputPath. Throws OutputError naming `option`.
void checkOutputDirectory(const std::string& dir, const std::vector<std::string>& files,
                          const std::vector<InputFile>& inputs, const std::string& option);

// True if both paths exist and are the same file (st_dev and st_ino), whatever their names.
bool sameFile(const std::string& a, const std::string& b);

// Writes `size` bytes to `path` atomically; throws OutputError naming the path and errno's text.
void writeFileAtomically(const std::string& path, const void* data, std::size_t size);

}  // namespace trsim
