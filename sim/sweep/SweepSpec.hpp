// A sweep file: a base config and the key paths to vary. Expanded once, at
// load, into points; every point's config is validated then, so a typo in point
// 17 fails before point 1 runs.
//
//   base: ../default.yaml            # relative to the sweep file
//   set:                             # optional: overrides for every point
//     simulation.progress: false
//   sweep:
//     product:                       # cartesian product of these lists
//       operands.weights.budget: [4, 8, 12]
//       pe.kind: [tr, mac]
//     zip:                           # lists of equal length, varied together
//       operands.data.budget: [2, 3]
//       operands.data.group_size: [1, 1]
//
// Points are ordered with the product's first key slowest, then the zip index.
#pragma once
#include <string>
#include <vector>

#include "sim/config/Config.hpp"

namespace trsim {

struct SweepPoint {
    int index = 0;
    std::vector<std::string> overrides;  // "key.path=value", the set block first
    std::vector<std::string> values;     // one per swept key, as written in YAML
    std::string configHash;              // of the resolved config
    std::vector<std::string> inputFiles; // trace and energy table it reads (never an output)
};

struct SweepSpec {
    std::string path;
    std::string text;                    // the sweep file as written
    std::string baseConfigPath;          // resolved
    std::vector<std::string> sweptKeys;  // product keys, then zip keys
    std::vector<SweepPoint> points;
};

// Throws ConfigError naming the sweep file and key, or the point and its config problem.
SweepSpec loadSweep(const std::string& path);

}  // namespace trsim
