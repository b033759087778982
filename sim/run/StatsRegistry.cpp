#include "sim/run/StatsRegistry.hpp"

#include <stdexcept>

namespace trsim {
namespace {

std::string qualified(const std::string& scope, const std::string& name) { return scope + "/" + name; }

// Rejected here rather than in the writer so the mistake surfaces where the stat is
// recorded, not at the end of a long run.
void checkScopeName(const std::string& scope) {
    bool componentEmpty = true;
    for (char c : scope) {
        if (c == '/') {
            if (componentEmpty) break;
            componentEmpty = true;
        } else {
            componentEmpty = false;
        }
    }
    if (scope.empty() || componentEmpty) {
        throw std::invalid_argument("stat scope '" + scope +
                                    "' is not a path of non-empty names separated by '/' (like \"layers/fc1\")");
    }
}

void checkStatName(const std::string& scope, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        throw std::invalid_argument("stat name '" + name + "' in scope '" + scope +
                                    "' must be non-empty and contain no '/'");
    }
}

}  // namespace

Stat& StatsRegistry::entry(const std::string& scope, const std::string& name, const std::string& unit) {
    checkScopeName(scope);
    checkStatName(scope, name);
    auto scopeIt = scopes_.find(scope);
    if (scopeIt == scopes_.end()) {
        scopeIt = scopes_.emplace(scope, Scope{}).first;
        scopeOrder_.push_back(scope);
    }
    Scope& s = scopeIt->second;
    auto statIt = s.stats.find(name);
    if (statIt == s.stats.end()) {
        statIt = s.stats.emplace(name, Stat{0, unit, ""}).first;
        s.order.push_back(name);
    } else if (statIt->second.unit != unit) {
        throw std::logic_error("stat " + qualified(scope, name) + " has unit '" + statIt->second.unit +
                               "', not '" + unit + "'");
    }
    return statIt->second;
}

void StatsRegistry::set(const std::string& scope, const std::string& name, double value, const std::string& unit,
                        const std::string& description) {
    Stat& s = entry(scope, name, unit);
    s.value = value;
    s.description = description;
}

void StatsRegistry::add(const std::string& scope, const std::string& name, double delta, const std::string& unit,
                        const std::string& description) {
    Stat& s = entry(scope, name, unit);
    s.value += delta;
    if (s.description.empty()) s.description = description;
}

const Stat* StatsRegistry::find(const std::string& scope, const std::string& name) const {
    const auto scopeIt = scopes_.find(scope);
    if (scopeIt == scopes_.end()) return nullptr;
    const auto statIt = scopeIt->second.stats.find(name);
    return statIt == scopeIt->second.stats.end() ? nullptr : &statIt->second;
}

bool StatsRegistry::has(const std::string& scope, const std::string& name) const { return find(scope, name) != nullptr; }

double StatsRegistry::get(const std::string& scope, const std::string& name) const { return stat(scope, name).value; }

const Stat& StatsRegistry::stat(const std::string& scope, const std::string& name) const {
    if (const Stat* s = find(scope, name)) return *s;
    const bool scopeKnown = scopes_.count(scope) != 0;
    throw std::out_of_range("no stat " + qualified(scope, name) +
                            (scopeKnown ? "" : " (scope '" + scope + "' holds no stats)"));
}

const std::vector<std::string>& StatsRegistry::scopes() const { return scopeOrder_; }

const std::vector<std::string>& StatsRegistry::names(const std::string& scope) const {
    static const std::vector<std::string> kNone;
    const auto it = scopes_.find(scope);
    return it == scopes_.end() ? kNone : it->second.order;
}

}  // namespace trsim
