#include "sim/run/AccuracyKey.hpp"

namespace trsim {
namespace {

// operands.*.quantize_bits (contract 1) arrives with the qt-area branch; until
// it is merged every run uses the trace's integers as they are.
std::optional<int> quantizeBits(const OperandCoding&) { return std::nullopt; }

// QT at b bits leaves every value as it is when b covers the operand's declared
// magnitude bits in every layer (shift 0, clamp above every value): the same
// model as no QT, so the same key.
std::optional<int> effectiveBits(std::optional<int> bits, const Trace* trace, bool weights) {
    if (!bits || !trace || trace->layers.empty()) return bits;
    for (const TraceLayer& l : trace->layers)
        if (*bits < (weights ? l.wBits : l.xBits)) return bits;
    return std::nullopt;
}

std::string operandKey(const OperandCoding& o, bool revealed, const Trace* trace, bool weights) {
    const auto q = effectiveBits(quantizeBits(o), trace, weights);
    const std::string qb = "q" + (q ? std::to_string(*q) : std::string("none"));
    if (!revealed || !o.budget) return "exact:" + qb;
    return encodingName(o.encoding) + ":g" + std::to_string(o.groupSize) + ":k" + std::to_string(*o.budget) + ":" + qb;
}

std::string scoreCommand(const Trace& trace, const std::string& key) {
    return "/usr/bin/python3 traces/score.py setting '" + trace.path + "' '" + key + "'";
}

}  // namespace

std::optional<std::string> accuracySettingKey(const SimConfig& c, const Trace* trace) {
    // PE-KIND: move into plug-in (whether a kind's products are exact or revealed)
    bool revealed = false;
    switch (c.pe.kind) {
        case PeKind::Mac:
        case PeKind::Stripes:
        case PeKind::Pragmatic:
        case PeKind::Laconic: break;
        case PeKind::Tr: revealed = true; break;
        case PeKind::DnaTeq: return std::nullopt;
    }
    return "w=" + operandKey(c.weights, revealed, trace, true) + ";d=" + operandKey(c.data, revealed, trace, false);
}

AccuracyLookup lookupAccuracy(const Trace& trace, const SimConfig& c) {
    const auto key = accuracySettingKey(c, &trace);
    if (!key) return {std::nullopt, "no accuracy: " + peKindName(c.pe.kind) + "'s arithmetic is not scored"};
    if (trace.metric.empty())
        return {std::nullopt, "no accuracy: the " + trace.source + " trace '" + trace.network +
                                  "' has no metric (only trained traces have one)"};
    if (*key == "w=exact:qnone;d=exact:qnone" && trace.int8Metric)
        return {trace.int8Metric, "the trace's 8-bit model (int8_metric)"};
    const bool noQt = !effectiveBits(quantizeBits(c.weights), &trace, true) &&
                      !effectiveBits(quantizeBits(c.data), &trace, false);
    if (noQt && c.pe.kind == PeKind::Tr)
        for (const TrAccuracyRow& r : trace.trAccuracy)
            if (r.weightEncoding == encodingName(c.weights.encoding) && r.dataEncoding == encodingName(c.data.encoding) &&
                r.weightGroupSize == c.weights.groupSize && r.dataGroupSize == c.data.groupSize &&
                r.weightBudget == c.weights.budget && r.dataBudget == c.data.budget)
                return {r.value, "the trace's /tr_accuracy row"};
    const auto it = trace.scores.scores.find(*key);
    if (it != trace.scores.scores.end()) return {it->second, "score cache " + trace.scores.path + " (" + *key + ")"};
    if (!trace.scores.problem.empty())
        return {std::nullopt, "no accuracy: " + trace.scores.problem + ": " + scoreCommand(trace, *key)};
    return {std::nullopt, "no accuracy: setting " + *key + " not scored yet; score it (once) with: " +
                              scoreCommand(trace, *key)};
}

}  // namespace trsim
