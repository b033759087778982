#include "sim/run/AccuracyKey.hpp"

#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"

namespace trsim {
namespace {

// QT at b bits leaves every value as it is when b covers the operand's declared
// magnitude bits in every layer (shift 0, clamp above every value): the same
// model as no QT, so the same key.
std::optional<int> effectiveBits(std::optional<int> bits, const Trace* trace, bool weights) {
    if (!bits || !trace || trace->layers.empty()) return bits;
    for (const TraceLayer& l : trace->layers)
        if (*bits < (weights ? l.wBits : l.xBits)) return bits;
    return std::nullopt;
}

std::string scoreCommand(const Trace& trace, const std::string& key) {
    return "/usr/bin/python3 traces/score.py setting '" + trace.path + "' '" + key + "'";
}

// A trace that carries its authors' published values (/published_accuracy) is
// answered from them alone: its own integers are synthetic, so no other source
// knows the model's quality.
AccuracyLookup lookupPublished(const Trace& trace, const std::string& key) {
    const PublishedAccuracy& p = trace.published;
    for (const PublishedAccuracy::Row& row : p.rows)
        if (!row.key.empty() && row.key == key)
            return {row.value, "published by the authors: " + row.setting + " (" + p.source + ")"};
    return {std::nullopt, "no accuracy: setting " + key + " is none of the " + std::to_string(p.rows.size()) +
                              " settings the authors published for '" + trace.network + "' (" + p.source +
                              "; see its /published_accuracy rows)"};
}

}  // namespace

std::string accuracyMetric(const Trace& trace) {
    if (!trace.published.rows.empty()) return trace.published.metric;
    return trace.metric.empty() ? "metric" : trace.metric;
}

std::optional<std::string> accuracySettingKey(const SimConfig& c, const Trace* trace) {
    const PeKind& kind = peKindOf(c);
    const auto w = kind.accuracyOperand(c.weights), d = kind.accuracyOperand(c.data);
    if (!w || !d) return std::nullopt;
    auto qt = [](std::optional<int> bits) { return ":q" + (bits ? std::to_string(*bits) : std::string("none")); };
    return "w=" + *w + qt(effectiveBits(c.quantize.weightBits, trace, true)) + ";d=" + *d +
           qt(effectiveBits(c.quantize.dataBits, trace, false));
}

AccuracyLookup lookupAccuracy(const Trace& trace, const SimConfig& c) {
    const auto key = accuracySettingKey(c, &trace);
    if (!key) return {std::nullopt, "no accuracy: pe.kind " + c.pe.kind + ": its arithmetic is not scored"};
    if (!trace.published.rows.empty()) return lookupPublished(trace, *key);
    if (trace.metric.empty())
        return {std::nullopt, "no accuracy: the " + trace.source + " trace '" + trace.network +
                                  "' has no metric (only trained traces have one)"};
    const bool noQt = !effectiveBits(c.quantize.weightBits, &trace, true) &&
                      !effectiveBits(c.quantize.dataBits, &trace, false);
    if (noQt)
        if (const auto v = peKindOf(c).accuracy(trace, c))
            return {v, "the trace's own value (int8_metric, or its /tr_accuracy row)"};
    const auto it = trace.scores.scores.find(*key);
    if (it != trace.scores.scores.end()) return {it->second, "score cache " + trace.scores.path + " (" + *key + ")"};
    if (!trace.scores.problem.empty())
        return {std::nullopt, "no accuracy: " + trace.scores.problem + ": " + scoreCommand(trace, *key)};
    return {std::nullopt, "no accuracy: setting " + *key + " not scored yet; score it (once) with: " +
                              scoreCommand(trace, *key)};
}

}  // namespace trsim
