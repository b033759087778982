#include "sim/io/ScoreCache.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace trsim {
namespace {

std::vector<std::string> splitTabs(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string part;
    while (std::getline(s, part, '\t')) out.push_back(part);
    return out;
}

}  // namespace

std::string scoreCachePath(const std::string& tracePath) { return tracePath + ".scores.tsv"; }

ScoreCache readScoreCache(const std::string& tracePath) {
    ScoreCache c;
    c.path = scoreCachePath(tracePath);
    std::error_code ec;
    if (!std::filesystem::exists(c.path, ec)) return c;
    c.present = true;
    std::ifstream in(c.path);
    if (!in) {
        c.problem = c.path + ": cannot be read";
        return c;
    }
    std::string line, traceBytes;
    std::map<std::string, double> scores;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty()) continue;
        if (line[0] == '#') {
            const auto parts = splitTabs(line.substr(1));
            if (parts.size() == 2 && parts[0].find("trace_bytes") != std::string::npos) traceBytes = parts[1];
            continue;
        }
        const auto cols = splitTabs(line);
        std::size_t used = 0;
        double value = 0;
        try {
            if (cols.size() == 3) value = std::stod(cols[1], &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (cols.size() != 3 || used != cols[1].size()) {
            c.problem = c.path + ":" + std::to_string(n) + ": expected 'key<TAB>value<TAB>seconds', got '" + line + "'";
            return c;
        }
        scores[cols[0]] = value;
    }
    const auto size = std::filesystem::file_size(tracePath, ec);
    if (ec || traceBytes != std::to_string(size)) {
        c.problem = c.path + ": scores of another version of the trace (trace_bytes " +
                    (traceBytes.empty() ? std::string("missing") : traceBytes) + ", the trace has " +
                    (ec ? std::string("unknown size") : std::to_string(size)) + " bytes); score it again";
        return c;
    }
    c.scores = std::move(scores);
    return c;
}

}  // namespace trsim
