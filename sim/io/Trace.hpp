// In-memory form of a layer trace (HDF5 format_version 1 or 2, written by
// traces/trsim_trace): the integer operands of every layer plus what is needed
// to interpret them. Produced by readTrace (sim/io/TraceReader.hpp), which has
// already checked every invariant documented here.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "modules/functional/OperandTensor.hpp"
#include "modules/functional/Reference.hpp"
#include "sim/io/ScoreCache.hpp"

namespace trsim {

enum class LayerType { Fc, Conv, Lstm };

// The name used for the type in trace files and messages: "fc", "conv", "lstm".
inline std::string layerTypeName(LayerType t) {
    switch (t) {
        case LayerType::Fc: return "fc";
        case LayerType::Conv: return "conv";
        case LayerType::Lstm: return "lstm";
    }
    throw std::invalid_argument("layerTypeName: unknown LayerType");
}

struct TraceLayer {
    std::string name;          // the layer's group name under /layers
    int index = 0;             // execution order, 0..n-1
    LayerType type = LayerType::Fc;
    double wScale = 1.0;       // real weight = weights value * wScale
    double xScale = 1.0;       // real input  = inputs value * xScale
    int wBits = 8, xBits = 8;  // magnitude bits: |v| <= 2^bits - 1 (sign-magnitude)
    ConvParams conv;           // conv only (square stride/padding in format 1); defaults otherwise
    int hiddenSize = 0;        // lstm only: weights has N = 4 * hiddenSize rows (gates i, f, g, o)
    std::string role;          // format 2's optional attribute 'role' (first, se, ...); "" when absent
    OperandTensor weights;     // fc/lstm [N,K], conv [N,C/groups,KH,KW], at the width w_bits needs
    OperandTensor inputs;      // fc/lstm [M,K], conv [B,C,H,W], at the width x_bits needs
    // Bits per stored data value of the trace's next layer (sim/run/OutputPrecision.hpp), set when a layer
    // selection drops that layer from the run; 0: the run's next layer is the trace's.
    double nextLayerDataBits = 0;
};

// The trace's metric with weights and data through TR (the /tr_accuracy table
// written by traces/tr_accuracy.py); budgets are nullopt for "no budget".
struct TrAccuracyRow {
    std::string weightEncoding, dataEncoding;
    int weightGroupSize = 1, dataGroupSize = 1;
    std::optional<int> weightBudget, dataBudget;
    double value = 0;
};

// The model quality its authors published for settings of theirs (/published_accuracy,
// written by traces/make_paper.py): one row per setting, keyed by the canonical
// setting key trsim computes for the config that expresses it (sim/run/AccuracyKey.hpp).
// A row whose setting trsim cannot express has an empty key. `metric` is the unit of
// every value (e.g. "accuracy_percent", "perplexity"); `source` names the file and commit.
struct PublishedAccuracy {
    struct Row {
        std::string key;      // canonical setting key, "" when not expressible in trsim
        std::string setting;  // the authors' name of the setting, e.g. "QT wb=9 db=8"
        double value = 0;
    };
    std::string metric, source;
    std::vector<Row> rows;  // empty when the trace has no /published_accuracy
};

struct Trace {
    std::string path;          // the file it was read from
    std::string network;
    std::string source;        // "trained" or "synthetic"
    std::string description;
    std::string metric;        // empty when the file has none
    std::optional<double> floatMetric, int8Metric;
    int formatVersion = 0;
    std::vector<TraceLayer> layers;  // in execution order (sorted by index)
    std::vector<TrAccuracyRow> trAccuracy;  // empty when the trace has no /tr_accuracy
    PublishedAccuracy published;            // rows empty when the trace has no /published_accuracy
    ScoreCache scores;                      // <path>.scores.tsv beside the trace (traces/score.py)
};

}  // namespace trsim
