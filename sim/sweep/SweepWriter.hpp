// Writes a sweep's results file from the points' own results files. Nothing an
// existing OUT.h5 holds is lost: a point of this sweep already there with status
// ok is kept (resume: same config hash, same simulation), and points of other
// sweeps written into the same file earlier are carried over after this sweep's
// points (a sweep file can hold several sweeps). Built in memory and written
// atomically, like every trsim output.
//
// Layout (format "trsim-sweep", format_version 1; strings are variable-length UTF-8):
//   /                  attrs format, format_version, sweep_yaml (this sweep file's text),
//                      base_config, swept_keys (key paths, one per line: this sweep's, then
//                      those of earlier sweeps in the file), n_points, sweeps (the sweep files
//                      that contributed points, one per line)
//   /points/<hash>/    one group per point: this sweep's in sweep order (index 0..n-1), then
//                      earlier sweeps' points (index n, n+1, ...); attrs index, config_hash,
//                      overrides ("key.path=value" lines), sweep (its sweep file), status
//                      ("ok", "failed" or "not_run"), error; an ok point also holds the root
//                      attributes and the layers/, run/ and summary/ groups of its run results file
//   /summary/          one row per (ok point, layer): point (int64), config_hash, network,
//                      layer (strings), cycles, compute_cycles, stall_cycles, ideal_cycles,
//                      utilization, term_pairs, macs, dense_macs, energy_total_pj,
//                      error_rel_l2, accuracy (float64; NaN where unknown)
//   /summary/params/<key.path>   the point's value of each swept key: as its overrides set
//                      it, else as its resolved config has it (strings)
#pragma once
#include <set>
#include <string>

#include "sim/sweep/SweepSpec.hpp"

namespace trsim {

struct SweepMergeCounts {
    int ok = 0;
    int failed = 0;
    int notRun = 0;
    int otherSweeps = 0;  // points of earlier sweeps carried over
};

// Config hashes of the points `path` already holds with status ok (empty if no
// file). Throws OutputError if `path` exists but is not a trsim sweep file.
std::set<std::string> completedPoints(const std::string& path);

SweepMergeCounts writeSweepResults(const std::string& path, const SweepSpec& spec, const std::string& partsDir);

}  // namespace trsim
