// Command-line arguments shared by the commands that take a config:
// CONFIG [--set key.path=value ...] [-o OUT] (the last only where allowed).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace trsim {

struct ConfigArgs {
    std::string configPath;
    std::vector<std::string> overrides;
    std::string outputPath;
    std::string reportCsvDir;  // run: --report-csv DIR, SCALE-Sim style reports
    bool help = false;
};

// Returns nullopt after writing the problem to `error`.
std::optional<ConfigArgs> parseConfigArgs(const std::vector<std::string>& args, bool acceptsOutput,
                                          std::string& error);

}  // namespace trsim
