#include "sim/config/LayerSelection.hpp"

#include <algorithm>
#include <stdexcept>

namespace trsim {
namespace {

const char* kAllowed = "allowed: NAME,NAME,... or A:B with 0-based indices A <= i < B, either may be left out";

std::optional<std::size_t> parseIndex(const std::string& text, const std::string& whole) {
    if (text.empty()) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) || text.size() > 9)
        throw std::invalid_argument("'" + whole + "': '" + text + "' is not a layer index (" + kAllowed + ")");
    return static_cast<std::size_t>(std::stoul(text));
}

}  // namespace

std::string layersOverride(const std::string& spec) {
    std::string quoted = "\"";
    for (char c : spec) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return "simulation.layers=" + quoted + "\"";
}

LayerSelection parseLayerSelection(const std::string& text) {
    LayerSelection s;
    if (text.empty()) return s;
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
        s.isRange = true;
        s.from = parseIndex(text.substr(0, colon), text);
        s.to = parseIndex(text.substr(colon + 1), text);
        if (s.from && s.to && *s.from >= *s.to)
            throw std::invalid_argument("'" + text + "': empty range (" + kAllowed + ")");
        return s;
    }
    for (std::size_t start = 0;;) {
        const auto comma = text.find(',', start);
        const std::string name = text.substr(start, comma - start);
        if (name.empty()) throw std::invalid_argument("'" + text + "': empty layer name (" + kAllowed + ")");
        if (std::find(s.names.begin(), s.names.end(), name) != s.names.end())
            throw std::invalid_argument("'" + text + "': layer '" + name + "' named twice");
        s.names.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return s;
}

std::vector<std::size_t> selectLayers(const LayerSelection& s, const std::vector<std::string>& layerNames) {
    std::vector<std::size_t> kept;
    if (s.isRange) {
        const std::size_t from = s.from.value_or(0), to = std::min(s.to.value_or(layerNames.size()), layerNames.size());
        for (std::size_t i = from; i < to; ++i) kept.push_back(i);
        if (kept.empty())
            throw std::invalid_argument("range selects no layer (the trace has " + std::to_string(layerNames.size()) +
                                        " layers, indices 0.." + std::to_string(layerNames.size() - 1) + ")");
        return kept;
    }
    if (s.names.empty()) {
        for (std::size_t i = 0; i < layerNames.size(); ++i) kept.push_back(i);
        return kept;
    }
    for (const std::string& name : s.names)
        if (std::find(layerNames.begin(), layerNames.end(), name) == layerNames.end()) {
            std::string known;
            for (const auto& n : layerNames) known += (known.empty() ? "" : ", ") + n;
            throw std::invalid_argument("no layer named '" + name + "' (the trace's layers: " + known + ")");
        }
    for (std::size_t i = 0; i < layerNames.size(); ++i)
        if (std::find(s.names.begin(), s.names.end(), layerNames[i]) != s.names.end()) kept.push_back(i);
    return kept;
}

}  // namespace trsim
