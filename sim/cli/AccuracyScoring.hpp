// Accuracy on demand (config key accuracy.score): the model quality a run reports for its setting,
// computed by the Python scorer (traces/score.py: the trace's integer model on its test set, with the
// simulator's own QT and TR through modules/functional/capi) when neither the trace nor its score cache
// `<trace>.scores.tsv` holds it, and cached there for every later run and sweep.
//
// Contract:
//  - auto: a missing score of a trained trace is scored once, before the simulation, with a progress line
//    on stderr; cached: only what the trace and cache hold (sim/run/AccuracyKey.hpp lookup order); off: none.
//  - Scoring never fails the run: a scorer error leaves the accuracy NaN, its reason in the note, and the
//    scorer's own one-line message on stderr.
//  - The key is the full trace's (before simulation.layers selects layers): the accuracy is the network's.
//  - Sweeps score the distinct missing (trace, key) pairs of the points they are about to run, `jobs` at a
//    time, before any point runs; their workers then only read the caches (`trsim run --no-score`).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"
#include "sim/run/AccuracyKey.hpp"

namespace trsim {

struct SweepSpec;

// Whether `config` on `trace` (a full trace, or its summary) lacks an accuracy that scoring can give:
// the lookup has none, the PE kind is scored, and the trace is a trained one with a metric.
bool accuracyMissing(const Trace& trace, const SimConfig& config);

// The accuracy `trsim run` reports, scoring it first when accuracy.score is auto and `mayScore`.
AccuracyLookup accuracyForRun(const Trace& trace, const SimConfig& config, bool mayScore, std::ostream& progress);

// Scores what the points `todo` of a sweep lack (points whose accuracy.score is auto), `jobs` scorers at
// once, each scorer's output in `logDir`/score-N.log (removed when it succeeded).
void scoreSweepAccuracy(const SweepSpec& spec, const std::vector<int>& todo, int jobs, const std::string& logDir,
                        std::ostream& progress);

}  // namespace trsim
