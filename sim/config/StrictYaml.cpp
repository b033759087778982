#include "sim/config/StrictYaml.hpp"

#include <cmath>
#include <sstream>

#include "sim/config/ConfigError.hpp"
#include "sim/config/YamlFile.hpp"

namespace trsim {

std::string joinWords(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : ", ") + w;
    return s;
}

void StrictYaml::attribute(const std::string& keyPath, const std::string& origin) {
    origins_.emplace_back(keyPath, origin);
}

void StrictYaml::problem(const std::string& path, const std::string& message) {
    std::string where = file_;
    std::size_t longest = 0;
    for (const auto& [key, origin] : origins_) {
        // The problem is at the set key, below it (its value's content) or above it
        // (a map the --set created, e.g. an unknown energy entry).
        const auto below = [](const std::string& deep, const std::string& top) {
            return deep.size() > top.size() && deep.compare(0, top.size(), top) == 0 &&
                   (deep[top.size()] == '.' || deep[top.size()] == '[');
        };
        const bool covers = path == key || below(path, key) || below(key, path);
        if (covers && key.size() >= longest) {
            longest = key.size();
            where = origin;
        }
    }
    problems_.push_back(where + ": " + printable(path) + ": " + printable(message));
}

void StrictYaml::throwIfAny() const {
    if (!problems_.empty()) throw ConfigError(problems_);
}

YAML::Node StrictYaml::map(const YAML::Node& parent, const std::string& path, const std::string& key, bool required) {
    const std::string keyPath = join(path, key);
    YAML::Node node = parent[key];
    if (!node || node.IsNull()) {
        if (required) problem(keyPath, "missing (a map is required)");
        return YAML::Node(YAML::NodeType::Map);
    }
    if (!node.IsMap()) {
        problem(keyPath, "must be a map of keys, not a " + std::string(node.IsSequence() ? "list" : "single value"));
        return YAML::Node(YAML::NodeType::Map);
    }
    return node;
}

void StrictYaml::onlyKeys(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed) {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            problem(join(path, "<key>"), "a key must be a single word, not a list or map (allowed here: " +
                                             joinWords(allowed) + ")");
            continue;
        }
        const std::string key = kv.first.Scalar();
        bool known = false;
        for (const auto& a : allowed) known = known || a == key;
        if (!known) problem(join(path, key), "unknown key (allowed here: " + joinWords(allowed) + ")");
    }
}

bool StrictYaml::scalarAt(const YAML::Node& parent, const std::string& keyPath, const std::string& key, bool required,
                          YAML::Node& out) {
    const YAML::Node found = parent[key];
    // Node::operator= would assign through to a missing (invalid) node and throw; rebind instead.
    if (!found || found.IsNull()) {
        if (required) problem(keyPath, "missing (required)");
        return false;
    }
    if (!found.IsScalar()) {
        problem(keyPath, "must be a single value, not a " + std::string(found.IsMap() ? "map" : "list"));
        return false;
    }
    out.reset(found);
    return true;
}

int StrictYaml::integer(const YAML::Node& parent, const std::string& path, const std::string& key, long lo, long hi,
                        std::optional<int> fallback) {
    const std::string keyPath = join(path, key);
    YAML::Node n;
    if (!scalarAt(parent, keyPath, key, !fallback, n)) return fallback.value_or(static_cast<int>(lo));
    long v = 0;
    if (!YAML::convert<long>::decode(n, v)) {
        problem(keyPath, "'" + n.Scalar() + "' is not an integer (allowed: " + std::to_string(lo) + ".." +
                             std::to_string(hi) + ")");
        return static_cast<int>(lo);
    }
    if (v < lo || v > hi) {
        problem(keyPath, std::to_string(v) + " is out of range (allowed: " + std::to_string(lo) + ".." +
                             std::to_string(hi) + ")");
        return static_cast<int>(lo);
    }
    return static_cast<int>(v);
}

double StrictYaml::number(const YAML::Node& parent, const std::string& path, const std::string& key, double lo,
                          double hi, std::optional<double> fallback) {
    const std::string keyPath = join(path, key);
    YAML::Node n;
    if (!scalarAt(parent, keyPath, key, !fallback, n)) return fallback.value_or(lo);
    double v = 0;
    if (!YAML::convert<double>::decode(n, v) || !std::isfinite(v)) {
        problem(keyPath, "'" + n.Scalar() + "' is not a number");
        return lo;
    }
    if (v < lo || v > hi) {
        std::ostringstream s;
        s << v << " is out of range (allowed: " << lo << ".." << hi << ")";
        problem(keyPath, s.str());
        return lo;
    }
    return v;
}

bool StrictYaml::boolean(const YAML::Node& parent, const std::string& path, const std::string& key,
                         std::optional<bool> fallback) {
    const std::string keyPath = join(path, key);
    YAML::Node n;
    if (!scalarAt(parent, keyPath, key, !fallback, n)) return fallback.value_or(false);
    bool v = false;
    if (!YAML::convert<bool>::decode(n, v)) {
        problem(keyPath, "'" + n.Scalar() + "' is not a boolean (allowed: true, false)");
        return false;
    }
    return v;
}

std::string StrictYaml::text(const YAML::Node& parent, const std::string& path, const std::string& key,
                             std::optional<std::string> fallback) {
    YAML::Node n;
    if (!scalarAt(parent, join(path, key), key, !fallback, n)) return fallback.value_or("");
    return n.Scalar();
}

std::string StrictYaml::choice(const YAML::Node& parent, const std::string& path, const std::string& key,
                               const std::vector<std::string>& allowed, std::optional<std::string> fallback) {
    const std::string keyPath = join(path, key);
    YAML::Node n;
    if (!scalarAt(parent, keyPath, key, !fallback, n)) return fallback.value_or(allowed.front());
    for (const auto& a : allowed)
        if (a == n.Scalar()) return a;
    problem(keyPath, "'" + n.Scalar() + "' is not allowed (allowed: " + joinWords(allowed) + ")");
    return allowed.front();
}

std::optional<int> StrictYaml::integerOrNone(const YAML::Node& parent, const std::string& path,
                                             const std::string& key, long lo, long hi) {
    const std::string keyPath = join(path, key);
    YAML::Node n = parent[key];
    if (!n) {
        problem(keyPath, "missing (required: an integer " + std::to_string(lo) + ".." + std::to_string(hi) +
                             ", or none)");
        return std::nullopt;
    }
    if (n.IsNull() || (n.IsScalar() && n.Scalar() == "none")) return std::nullopt;
    return integer(parent, path, key, lo, hi, std::nullopt);
}

}  // namespace trsim
