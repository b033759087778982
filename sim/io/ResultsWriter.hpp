// Writes one simulation run (config, trace identity, every statistic, optional
// layer outputs) to an HDF5 results file. This is the only way results leave the
// simulator.
//
// Results file layout (format "trsim-results", format_version 1)
// ---------------------------------------------------------------
// Every string (attributes and the /summary/layer dataset) is a variable-length,
// UTF-8, null-terminated HDF5 string (H5T_C_S1, size H5T_VARIABLE, H5T_CSET_UTF8):
// h5py returns attributes as `str`; read string datasets with `.asstr()[...]`.
// Integers are little-endian (H5T_STD_I32LE / H5T_STD_I64LE), stats H5T_IEEE_F64LE.
// All groups track link and attribute creation order, so h5py iterates them
// (and the summary columns) in the order written below, not alphabetically.
//
//   /                          attributes:
//       format          string  "trsim-results"
//       format_version  int32   1
//       trsim_version   string  "0.1"
//       config_hash     string  16 hex chars, hash of the resolved config
//       config_yaml     string  the resolved config text
//       trace_path      string  trace file the run read
//       trace_network   string  network named in the trace
//       trace_source    string  where the trace's data came from (e.g. real / synthetic)
//   /layers/                   one group per layer, in execution order
//   /layers/<layer>/           attribute index (int32, 0-based execution position); attribute operands
//                              (string): the layer's resolved operands.weights and operands.data as one
//                              line of flow YAML, per_layer applied (sim/config/PerLayer.hpp)
//       <stat>                 scalar float64 dataset per stat of scope "layers/<layer>",
//                              attributes unit (string) and description (string)
//       output                 optional int64 dataset, shape as given; chunked and
//                              gzip level 4 when it has more than 4096 elements
//       <map>                  optional float64 datasets of LayerMap (e.g. pe_utilization
//                              [rows, cols]), attributes unit and description
//       term_hist_<what>       1-D float64 term histograms (unit bins from 0), unless
//                              outputs.term_histograms is false; layout and meaning of
//                              each in sim/run/TermHistograms.hpp
//   /<scope>/<stat>            every other stats scope (e.g. /run/total_cycles) the same
//                              way: a group at the scope's path, one scalar float64
//                              dataset per stat with unit and description. Scopes below
//                              a layer ("layers/<layer>/<sub>") nest inside that layer.
//   /summary/                  the per-layer stats as one table:
//       layer                  1-D string [n_layers], layer names in execution order
//       <stat>                 1-D float64 [n_layers] for every stat name found in any
//                              "layers/<layer>" scope (first-seen order), NaN where a
//                              layer lacks it; attributes unit and description
//
// Reserved names (rejected with an error): scopes "layers" and "summary[/...]",
// a "layers/<x>" scope whose <x> is not in layerOrder, and layer stats named
// "output" or "layer".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "modules/functional/IntTensor.hpp"

#include "sim/run/StatsRegistry.hpp"

namespace trsim {

struct LayerOutput {
    std::string layer;
    std::vector<int64_t> shape;
    TensorValues data;  // row-major; size must be the product of shape
};

// A per-layer array of doubles with a unit, e.g. pe_utilization [rows, cols].
struct LayerMap {
    std::string layer;
    std::string name;
    std::string unit;
    std::string description;
    std::vector<int64_t> shape;
    std::vector<double> data;  // row-major; size must be the product of shape
};

// What a run is (the root attributes): known before it starts.
struct RunHeader {
    std::string configYaml;  // resolved config text
    std::string configHash;  // 16 hex chars
    std::string tracePath, traceNetwork, traceSource;
};

struct RunRecord : RunHeader {
    std::vector<std::string> layerOrder;  // execution order; each has scope "layers/<name>" in stats
    const StatsRegistry* stats = nullptr;  // required
    std::vector<LayerOutput> outputs;      // optional, saved when non-empty
    std::vector<LayerMap> maps;            // optional per-layer arrays
    std::map<std::string, std::string> layerOperands;  // layer -> its operands attribute (optional)
};

// Builds the file in memory and writes it atomically (writeFileAtomically: a
// temporary beside it, fsync, rename), so a reader never sees a half-written file
// and a failed or interrupted run never destroys an earlier result nor leaves a
// temporary behind. An invalid record throws std::runtime_error naming the path and
// the problem; a failed write throws OutputError. The parent directory must exist.
void writeResults(const std::string& path, const RunRecord& run);

// One layer's group (/layers/<name>), copied out of a run's records once they are final.
struct LayerRecord {
    // Stats of one scope below the layer's ("layers/<name>/<path>", e.g. actions/term_pair), in insertion order.
    struct Nested {
        std::string path;
        std::vector<std::pair<std::string, Stat>> stats;
    };
    std::string name;
    std::string operands;                             // its operands attribute; none when empty
    std::vector<std::pair<std::string, Stat>> stats;  // scope "layers/<name>", in insertion order
    std::vector<LayerOutput> output;                  // at most one
    std::vector<LayerMap> maps;
    std::vector<Nested> nested;                       // the scopes below it, in the registry's scope order
};
// The layer record of `name` (its stats, nested scopes, operands, output and maps) in a run's records.
LayerRecord layerRecordOf(const std::string& name, const StatsRegistry& stats,
                          const std::map<std::string, std::string>& layerOperands,
                          const std::vector<LayerOutput>& outputs, const std::vector<LayerMap>& maps);
LayerRecord layerRecordOf(const RunRecord& run, const std::string& name);

// writeResults started before a run ends, so the writing overlaps the simulation: the file's
// root attributes (from `header`) at construction, then each layer's group as
// addLayer() gives it, on a thread of the stream's own; finish() writes the rest and saves the file.
// The file is the one writeResults would write for the same record, byte for byte in content and
// creation order. Contract: the HDF5 library is not thread-safe, so from construction until finish()
// or destruction returns nothing else in the process may call it. Layers come in run.layerOrder's
// order; finish() validates the whole record first (the errors of writeResults) and throws if the
// layers given differ from run.layerOrder. Destroyed without a successful finish(), nothing reaches
// `path`. A failed write on the thread is thrown by finish().
class ResultsStream {
public:
    ResultsStream(const std::string& path, const RunHeader& header);
    ~ResultsStream();
    ResultsStream(const ResultsStream&) = delete;
    ResultsStream& operator=(const ResultsStream&) = delete;
    void addLayer(LayerRecord layer);
    void finish(const RunRecord& run);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace trsim
