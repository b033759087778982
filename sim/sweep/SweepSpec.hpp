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
//
// `sweep:` may also be a list of such blocks, each with its own product and/or
// zip; the points are the union of the blocks' points, in block order. A point
// whose resolved config (its config hash) equals a point of an earlier block
// runs once, as that earlier point: the output keys points by config hash, so
// one config can only have one result. Within one block two points with one
// hash are an error (a repeated value, or a key that changes no simulated
// number). Problems name the block: `sweep[1].zip.array.cols: ...`.
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"

namespace trsim {

struct SweepPoint {
    int index = 0;                       // in the union of the blocks
    int block = 0;                       // which block listed it first
    std::vector<std::string> overrides;  // "key.path=value", the set block first
    std::vector<std::string> keys;       // its block's swept keys: product keys, then zip keys
    std::vector<std::string> values;     // one per key, as written in YAML
    std::string configHash;              // of the resolved config
    std::vector<std::string> inputFiles; // files it reads (inputFilesOf): never an output
};

// What each block of the file contributed.
struct SweepBlockCount {
    std::string where;   // "sweep" (the single-block form) or "sweep[i]"
    std::size_t listed = 0;    // points the block lists (product size x zip length)
    std::size_t repeated = 0;  // of those, points an earlier block already has (run once)
};

struct SweepSpec {
    std::string path;
    std::string text;                    // the sweep file as written
    std::string baseConfigPath;          // resolved
    std::vector<std::string> sweptKeys;  // every block's keys, first seen first
    std::vector<SweepPoint> points;
    std::vector<SweepBlockCount> blocks;
};

// Points a sweep may list unless the caller raises the bound (trsim sweep --max-points):
// every point's config is resolved at load, and each runs as its own process.
constexpr std::size_t kDefaultMaxSweepPoints = 100000;

// Throws ConfigError naming the sweep file and key, or the point and its config problem.
// `extraOverrides` ("key.path=value", e.g. from --layers) apply to every point after the set block.
// More than `maxPoints` points (all blocks together) is an error naming each block's size, found
// before any point is resolved. `progress`: where a long expansion reports, every two seconds.
SweepSpec loadSweep(const std::string& path, const std::vector<std::string>& extraOverrides = {},
                    std::size_t maxPoints = kDefaultMaxSweepPoints, std::ostream* progress = nullptr);

}  // namespace trsim
