#include "sim/run/AccuracyKey.hpp"

#include <cstdio>
#include <map>

#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/run/LayerConfigs.hpp"

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

std::string qtPart(std::optional<int> bits) { return ":q" + (bits ? std::to_string(*bits) : std::string("none")); }

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

// One setting's key, `w`/`d` the kind's operand names, QT bits already normalised.
std::string settingKey(const std::string& w, std::optional<int> wq, const std::string& d, std::optional<int> dq) {
    return "w=" + w + qtPart(wq) + ";d=" + d + qtPart(dq);
}

// The uniform key of `c` (today's rule: QT normalised over the whole trace).
std::optional<std::string> uniformKey(const SimConfig& c, const Trace* trace) {
    const PeKind& kind = peKindOf(c);
    const auto w = kind.accuracyOperand(c.weights), d = kind.accuracyOperand(c.data);
    if (!w || !d) return std::nullopt;
    return settingKey(*w, effectiveBits(c.quantize.weightBits, trace, true), *d,
                      effectiveBits(c.quantize.dataBits, trace, false));
}

// What of a layer's config the model's arithmetic sees (before any QT normalisation).
struct LayerArithmetic {
    std::string w, d;
    std::optional<int> wq, dq;
    bool operator==(const LayerArithmetic& o) const { return w == o.w && d == o.d && wq == o.wq && dq == o.dq; }
};

// What each trace layer's config (per_layer resolved) gives the scorer; `uniform` when every layer has the
// same, and then `first` is a config with that setting.
struct Resolution {
    std::vector<LayerArithmetic> layers;
    bool uniform = true;
    SimConfig first;
};

Resolution resolve(const SimConfig& c, const Trace& trace) {
    const LayerConfigs configs(c, trace);
    const PeKind& kind = peKindOf(c);
    Resolution r;
    for (const TraceLayer& l : trace.layers) {
        const SimConfig& lc = configs.of(l.name);
        r.layers.push_back({kind.accuracyOperand(lc.weights).value_or(""), kind.accuracyOperand(lc.data).value_or(""),
                            lc.quantize.weightBits, lc.quantize.dataBits});
        if (r.layers.size() == 1) r.first = lc;
        r.uniform = r.uniform && r.layers.back() == r.layers.front();
    }
    return r;
}

}  // namespace

std::string escapeLayerName(const std::string& name) {
    std::string out;
    for (unsigned char ch : name) {
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                           ch == '_' || ch == '.' || ch == '-';
        if (plain) {
            out += static_cast<char>(ch);
            continue;
        }
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", ch);
        out += buf;
    }
    return out;
}

std::string accuracyMetric(const Trace& trace) {
    if (!trace.published.rows.empty()) return trace.published.metric;
    return trace.metric.empty() ? "metric" : trace.metric;
}

std::string perLayerSettingKey(const std::vector<std::string>& layerNames, const std::vector<std::string>& layerKeys) {
    // The default is the key most layers have (ties: the one met first in trace order).
    std::map<std::string, std::size_t> count;
    for (const auto& k : layerKeys) ++count[k];
    std::string best;
    std::size_t most = 0;
    for (const auto& k : layerKeys)
        if (count[k] > most) {
            most = count[k];
            best = k;
        }
    std::string key = best;
    for (std::size_t i = 0; i < layerKeys.size(); ++i)
        if (layerKeys[i] != best) key += "|" + escapeLayerName(layerNames[i]) + "=" + layerKeys[i];
    return key;
}

std::optional<std::string> accuracySettingKey(const SimConfig& c, const Trace* trace) {
    if (c.perLayer.empty()) return uniformKey(c, trace);
    if (!trace || trace->layers.empty()) return std::nullopt;  // per-layer keys name the trace's layers
    if (!peKindOf(c).accuracyOperand(c.weights)) return std::nullopt;
    const Resolution r = resolve(c, *trace);
    if (r.uniform) return uniformKey(r.first, trace);
    // QT normalised layer by layer: b at or above a layer's declared bits leaves that layer's values as they are.
    std::vector<std::string> names, keys;
    for (std::size_t i = 0; i < trace->layers.size(); ++i) {
        const TraceLayer& l = trace->layers[i];
        const LayerArithmetic& a = r.layers[i];
        const auto norm = [](std::optional<int> q, int bits) { return q && *q >= bits ? std::nullopt : q; };
        names.push_back(l.name);
        keys.push_back(settingKey(a.w, norm(a.wq, l.wBits), a.d, norm(a.dq, l.xBits)));
    }
    // Per-layer settings that differ only in a QT no layer feels are one setting: the uniform key.
    bool same = true;
    for (const auto& k : keys) same = same && k == keys.front();
    return same ? keys.front() : perLayerSettingKey(names, keys);
}

AccuracyLookup lookupAccuracy(const Trace& trace, const SimConfig& c) {
    const auto key = accuracySettingKey(c, &trace);
    if (!key) return {std::nullopt, "no accuracy: pe.kind " + c.pe.kind + ": its arithmetic is not scored"};
    if (!trace.published.rows.empty()) return lookupPublished(trace, *key);
    if (trace.metric.empty())
        return {std::nullopt, "no accuracy: the " + trace.source + " trace '" + trace.network +
                                  "' has no metric (only trained traces have one)"};
    // The trace's own values are for one setting on every layer: the run's, or the one per_layer gives all.
    std::optional<SimConfig> resolvedUniform;
    const SimConfig* uniform = &c;
    if (!c.perLayer.empty()) {
        Resolution r = resolve(c, trace);
        uniform = r.uniform ? &resolvedUniform.emplace(std::move(r.first)) : nullptr;
    }
    const bool noQt = uniform && !effectiveBits(uniform->quantize.weightBits, &trace, true) &&
                      !effectiveBits(uniform->quantize.dataBits, &trace, false);
    if (noQt)
        if (const auto v = peKindOf(*uniform).accuracy(trace, *uniform))
            return {v, "the trace's own value (int8_metric, or its /tr_accuracy row)"};
    const auto it = trace.scores.scores.find(*key);
    if (it != trace.scores.scores.end()) return {it->second, "score cache " + trace.scores.path + " (" + *key + ")"};
    if (!trace.scores.problem.empty())
        return {std::nullopt, "no accuracy: " + trace.scores.problem + ": " + scoreCommand(trace, *key)};
    return {std::nullopt, "no accuracy: setting " + *key + " not scored yet; score it (once) with: " +
                              scoreCommand(trace, *key)};
}

}  // namespace trsim
