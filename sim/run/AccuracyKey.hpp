// Which model quality (accuracy, perplexity) a configuration has on a trace,
// and where it comes from or why there is none.
//
// The setting key names what changes the model's arithmetic: per operand the TR
// coding when it has a budget (encoding, group size, budget) and the QT
// re-quantization (operands.*.quantize_bits, contract 1). It is the string
// traces/trsim_trace/setting.py builds (tested against each other):
//   w=<operand>;d=<operand>,  operand = exact:q<b> | <encoding>:g<g>:k<k>:q<b>,  b = bits or "none"
// The PE kind names its arithmetic per operand (PeKind::accuracyOperand): exact
// products (mac, stripes, pragmatic, laconic) see only the QT part; tr its
// coding under a budget; dnateq's exponential quantization is not scored.
//
// With per_layer (sim/config/PerLayer.hpp) whose layers differ in that setting, the key is per layer:
//   <default>|<layer>=<setting>|<layer>=<setting>...
// <default> is the setting most layers have (a tie: the one met first in trace order), then every
// other layer in trace order with its own setting; layer names are percent-encoded outside
// [A-Za-z0-9_.-]. QT is normalised per layer there (bits >= the layer's declared bits: none). Settings
// that per_layer makes equal on every layer key as that one uniform setting, so every committed key of
// a uniform setting stays what it was.
// e.g. w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|stem=w=exact:qnone;d=hese:g1:k2:qnone
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

// nullopt for PE kinds whose arithmetic the scorer does not model (dnateq), and for per_layer configs
// without a trace (their key names its layers). With a trace, QT that covers every layer's declared bits
// of an operand (it changes no value) keys as no QT. Throws TraceConfigMismatch when per_layer does not
// fit the trace.
std::optional<std::string> accuracySettingKey(const SimConfig& config, const Trace* trace = nullptr);

// The per-layer key from each layer's name and setting key, in trace order (the rule above).
std::string perLayerSettingKey(const std::vector<std::string>& layerNames, const std::vector<std::string>& layerKeys);
// A layer name as a per-layer key writes it: bytes outside [A-Za-z0-9_.-] as %XX (upper-case hex).
std::string escapeLayerName(const std::string& name);

struct AccuracyLookup {
    std::optional<double> value;
    // Where the value comes from, or why there is none (with the command that scores it).
    std::string note;
};

// A trace with /published_accuracy rows (the authors' values for their settings)
// answers from them alone: the row with the config's key, else nothing, with the
// reason. Otherwise looks in order at: the trace's 8-bit metric (no budget, no
// QT), its /tr_accuracy rows (TR without QT), its score cache (traces/score.py).
AccuracyLookup lookupAccuracy(const Trace& trace, const SimConfig& config);

// The unit of lookupAccuracy's values: the published rows' metric, else the
// trace's metric, else "metric".
std::string accuracyMetric(const Trace& trace);

}  // namespace trsim
