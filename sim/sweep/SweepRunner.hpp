// Runs sweep points as separate `trsim run` processes (SystemC elaborates one
// design per process), several at a time. Each point leaves files in the parts
// directory, named by its config hash:
//   <hash>.h5      the point's results (written atomically by trsim run)
//   <hash>.log     what the worker printed
//   <hash>.failed  why it failed (exit status and the end of its log)
// A failing point is reported and the others go on.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/sweep/SweepSpec.hpp"

namespace trsim {

struct SweepRunOptions {
    int jobs = 1;
    std::string partsDir;
    std::string trsimExecutable;  // the worker program (this trsim)
};

struct SweepRunCounts {
    int ok = 0;
    int failed = 0;
};

std::string partPath(const std::string& partsDir, const std::string& hash, const char* suffix);

// Runs `todo` (indices into spec.points); progress lines or a bar go to `progress`.
SweepRunCounts runSweepPoints(const SweepSpec& spec, const std::vector<int>& todo, const SweepRunOptions& options,
                              std::ostream& progress);

// This program's path, for starting workers.
std::string selfExecutable();

}  // namespace trsim
