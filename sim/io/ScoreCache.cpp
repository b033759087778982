#include "sim/io/ScoreCache.hpp"

#include <cmath>
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

// Why `value` cannot be a score of `metric` (empty when it can): the same rule as
// traces/score_cache.py's out_of_range.
std::string outOfRange(double value, const std::string& metric) {
    if (!std::isfinite(value)) return "is not finite";
    if (metric == "accuracy" && !(value >= 0.0 && value <= 1.0)) return "is outside the allowed range [0, 1]";
    if (metric == "perplexity" && value < 1.0) return "is outside the allowed range [1, inf)";
    return "";
}

}  // namespace

std::string scoreCachePath(const std::string& tracePath) { return tracePath + ".scores.tsv"; }

ScoreCache readScoreCache(const std::string& tracePath) {
    ScoreCache c;
    c.path = scoreCachePath(tracePath);
    std::error_code ec;
    if (!std::filesystem::exists(c.path, ec)) return c;
    c.present = true;
    if (std::filesystem::is_directory(c.path, ec)) {
        c.problem = c.path + ": is a directory, not a score cache (remove it: traces/score.py writes scores there)";
        return c;
    }
    std::ifstream in(c.path);
    if (!in) {
        c.problem = c.path + ": cannot be read";
        return c;
    }
    std::string line, traceBytes, metric;
    std::map<std::string, double> scores;
    std::map<std::string, int> lineOf;
    for (int n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF line endings (an editor's) are valid
        if (line.empty()) continue;
        if (line[0] == '#') {
            const auto parts = splitTabs(line.substr(1));
            if (parts.size() == 2 && parts[0].find("trace_bytes") != std::string::npos) traceBytes = parts[1];
            if (parts.size() == 2 && parts[0].find("metric") != std::string::npos) metric = parts[1];
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
        if (const auto it = lineOf.find(cols[0]); it != lineOf.end()) {
            c.problem = c.path + ":" + std::to_string(n) + ": setting " + cols[0] + " is also on line " +
                        std::to_string(it->second);
            return c;
        }
        lineOf[cols[0]] = n;
        scores[cols[0]] = value;
    }
    const auto size = std::filesystem::file_size(tracePath, ec);
    if (ec || traceBytes != std::to_string(size)) {
        c.problem = c.path + ": scores of another version of the trace (trace_bytes " +
                    (traceBytes.empty() ? std::string("missing") : traceBytes) + ", the trace has " +
                    (ec ? std::string("unknown size") : std::to_string(size)) + " bytes); score it again";
        return c;
    }
    for (const auto& [key, value] : scores) {
        const std::string why = outOfRange(value, metric);
        if (!why.empty()) {
            std::ostringstream v;
            v.precision(17);
            v << value;
            c.problem = c.path + ":" + std::to_string(lineOf[key]) + ": " + key + ": " +
                        (metric.empty() ? std::string("value") : metric) + " " + v.str() + " " + why;
            return c;
        }
    }
    c.scores = std::move(scores);
    return c;
}

}  // namespace trsim
