// The one place simulation statistics are recorded. Modules and run control put
// numbers here with a unit and a description; the results writer is the only
// consumer, so no result is ever printed ad hoc or left without a unit.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

namespace trsim {

struct Stat {
    double value = 0;
    std::string unit;
    std::string description;
};

class StatsRegistry {
public:
    // Scopes are named like "layers/fc1" and keep their first-insertion order; stats within a scope too.
    // Scope components and stat names become HDF5 paths, so they must be non-empty, and stat names may
    // not contain '/' (std::invalid_argument otherwise). A stat keeps the unit it was created with:
    // set or add with another unit throws std::logic_error.
    void set(const std::string& scope, const std::string& name, double value, const std::string& unit,
             const std::string& description);
    // Creates the stat at 0 when absent, then adds delta (counters accumulated over a run).
    void add(const std::string& scope, const std::string& name, double delta, const std::string& unit,
             const std::string& description);

    bool has(const std::string& scope, const std::string& name) const;
    // Throws std::out_of_range naming scope/name.
    double get(const std::string& scope, const std::string& name) const;
    // Scopes in insertion order.
    const std::vector<std::string>& scopes() const;
    // Stat names of a scope in insertion order; empty for a scope that holds no stats.
    const std::vector<std::string>& names(const std::string& scope) const;
    // Throws std::out_of_range naming scope/name.
    const Stat& stat(const std::string& scope, const std::string& name) const;

private:
    struct Scope {
        std::vector<std::string> order;
        std::unordered_map<std::string, Stat> stats;
    };

    // Finds or creates the stat, enforcing name rules and unit consistency.
    Stat& entry(const std::string& scope, const std::string& name, const std::string& unit);
    const Stat* find(const std::string& scope, const std::string& name) const;

    std::vector<std::string> scopeOrder_;
    std::unordered_map<std::string, Scope> scopes_;
};

}  // namespace trsim
