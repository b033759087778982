#include "sim/config/LayerSelection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <stdexcept>

namespace trsim {
namespace {

const char* kAllowed =
    "allowed: items separated by commas, each a layer NAME, a glob (layer*), A:B with 0-based indices A <= i < B "
    "(either may be left out), or a role: first, last, depthwise, se";

std::optional<std::size_t> parseIndex(const std::string& text, const std::string& whole) {
    if (text.empty()) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) || text.size() > 9)
        throw std::invalid_argument("'" + whole + "': '" + text + "' is not a layer index (" + kAllowed + ")");
    return static_cast<std::size_t>(std::stoul(text));
}

bool isRole(const std::string& word) {
    const auto& roles = layerRoleNames();
    return std::find(roles.begin(), roles.end(), word) != roles.end();
}

std::string layerList(const std::vector<SelectableLayer>& layers) {
    std::string known;
    for (const auto& l : layers) known += (known.empty() ? "" : ", ") + l.name;
    return known;
}

// What a role item selects; empty when the trace has no such layer.
std::vector<std::size_t> roleMatches(const std::string& role, const std::vector<SelectableLayer>& layers) {
    std::vector<std::size_t> kept;
    if (layers.empty()) return kept;
    if (role == "first") return {0};
    if (role == "last") return {layers.size() - 1};
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (role == "depthwise" ? layers[i].depthwise : layers[i].role == role) kept.push_back(i);
    return kept;
}

std::string roleMeaning(const std::string& role) {
    if (role == "depthwise") return "no depthwise convolution (a conv with groups > 1 and groups == C)";
    return "no layer whose role attribute is '" + role + "' (format-2 traces carry one per layer, traces/README.md)";
}

}  // namespace

const std::vector<std::string>& layerRoleNames() {
    static const std::vector<std::string> roles{"first", "last", "depthwise", "se"};
    return roles;
}

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
    for (std::size_t start = 0;;) {
        const auto comma = text.find(',', start);
        LayerSelection::Item item;
        item.text = text.substr(start, comma - start);
        if (item.text.empty()) throw std::invalid_argument("'" + text + "': empty layer name (" + kAllowed + ")");
        for (const auto& earlier : s.items)
            if (earlier.text == item.text)
                throw std::invalid_argument("'" + text + "': layer '" + item.text + "' named twice");
        if (const auto colon = item.text.find(':'); colon != std::string::npos) {
            item.kind = LayerSelection::Kind::Range;
            item.from = parseIndex(item.text.substr(0, colon), text);
            item.to = parseIndex(item.text.substr(colon + 1), text);
            if (item.from && item.to && *item.from >= *item.to)
                throw std::invalid_argument("'" + text + "': empty range '" + item.text + "' (" + kAllowed + ")");
        } else if (item.text.find_first_of("*?[") != std::string::npos) {
            item.kind = LayerSelection::Kind::Glob;
        } else if (isRole(item.text)) {
            item.kind = LayerSelection::Kind::Role;
        }
        s.items.push_back(std::move(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return s;
}

std::vector<std::size_t> selectLayers(const LayerSelection& s, const std::vector<SelectableLayer>& layers) {
    std::vector<bool> kept(layers.size(), s.all());
    const auto named = [&](const std::string& name) {
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (layers[i].name == name) return std::optional<std::size_t>(i);
        return std::optional<std::size_t>();
    };
    for (const LayerSelection::Item& item : s.items) {
        std::vector<std::size_t> matches;
        switch (item.kind) {
            case LayerSelection::Kind::Range: {
                const std::size_t to = std::min(item.to.value_or(layers.size()), layers.size());
                for (std::size_t i = item.from.value_or(0); i < to; ++i) matches.push_back(i);
                if (matches.empty())
                    throw std::invalid_argument(
                        (s.items.size() > 1 ? "'" + item.text + "': " : std::string()) + "range selects no layer (the trace has " +
                        std::to_string(layers.size()) + " layers, indices 0.." + std::to_string(layers.size() - 1) + ")");
                break;
            }
            case LayerSelection::Kind::Glob:
                for (std::size_t i = 0; i < layers.size(); ++i)
                    if (::fnmatch(item.text.c_str(), layers[i].name.c_str(), 0) == 0) matches.push_back(i);
                if (matches.empty())
                    throw std::invalid_argument("'" + item.text + "' matches no layer (the trace's layers: " +
                                                layerList(layers) + ")");
                break;
            case LayerSelection::Kind::Role:
                // A layer of that name wins over the role.
                if (const auto i = named(item.text)) {
                    matches.push_back(*i);
                    break;
                }
                matches = roleMatches(item.text, layers);
                if (matches.empty())
                    throw std::invalid_argument("role '" + item.text + "' selects no layer: the trace has " +
                                                roleMeaning(item.text));
                break;
            case LayerSelection::Kind::Name:
                if (const auto i = named(item.text)) {
                    matches.push_back(*i);
                    break;
                }
                throw std::invalid_argument("no layer named '" + item.text + "' (the trace's layers: " +
                                            layerList(layers) + ")");
        }
        for (std::size_t i : matches) kept[i] = true;
    }
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (kept[i]) out.push_back(i);
    return out;
}

std::vector<std::size_t> selectLayers(const LayerSelection& s, const std::vector<std::string>& layerNames) {
    std::vector<SelectableLayer> layers;
    for (const auto& n : layerNames) layers.push_back({n, "", false});
    return selectLayers(s, layers);
}

}  // namespace trsim
