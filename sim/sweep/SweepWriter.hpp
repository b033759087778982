// Writes a sweep's results file from the points' own results files, keeping
// points an earlier run of the same sweep already holds (resume). Written to a
// temporary file and renamed, like every trsim output.
//
// Layout (format "trsim-sweep", format_version 1; strings are variable-length UTF-8):
//   /                  attrs format, format_version, sweep_yaml (the sweep file's text),
//                      base_config, swept_keys (key paths, one per line), n_points
//   /points/<hash>/    one group per point in sweep order; attrs index, config_hash,
//                      overrides ("key.path=value" lines), status ("ok", "failed" or
//                      "not_run"), error; an ok point also holds the root attributes and
//                      the layers/, run/ and summary/ groups of its run results file
//   /summary/          one row per (ok point, layer): point (int64), config_hash, network,
//                      layer (strings), cycles, compute_cycles, stall_cycles, ideal_cycles,
//                      utilization, term_pairs, macs, dense_macs, energy_total_pj,
//                      error_rel_l2, accuracy (float64; NaN where unknown)
//   /summary/params/<key.path>   the point's value of each swept key, as written (strings)
#pragma once
#include <set>
#include <string>

#include "sim/sweep/SweepSpec.hpp"

namespace trsim {

struct SweepMergeCounts {
    int ok = 0;
    int failed = 0;
    int notRun = 0;
};

// Config hashes of the points `path` already holds with status ok (empty if no file).
std::set<std::string> completedPoints(const std::string& path);

SweepMergeCounts writeSweepResults(const std::string& path, const SweepSpec& spec, const std::string& partsDir);

}  // namespace trsim
