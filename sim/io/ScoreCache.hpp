// The accuracy scores of a trained trace under TR / QT settings, computed by
// traces/score.py and kept beside the trace in "<trace>.scores.tsv" (trsim never
// writes it and never modifies the trace). Text, one setting per line:
//   # trace_bytes<TAB>657767            the size of the trace the scores belong to
//   # metric<TAB>accuracy               (other '#' lines are comments)
//   <setting key><TAB><value><TAB><seconds to score>
// Keys are canonical setting keys (sim/run/AccuracyKey.hpp, the same string as
// traces/trsim_trace/setting.py).
#pragma once
#include <map>
#include <string>

namespace trsim {

struct ScoreCache {
    std::string path;                      // <trace>.scores.tsv
    bool present = false;                  // the file exists
    std::string problem;                   // non-empty: the file is unusable (stale, malformed): why
    std::map<std::string, double> scores;  // setting key -> metric value
};

std::string scoreCachePath(const std::string& tracePath);

// Never throws for a bad cache: a stale or malformed file gives `problem`
// (naming the file, line and what is wrong) and no scores.
ScoreCache readScoreCache(const std::string& tracePath);

}  // namespace trsim
