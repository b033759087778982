// The config reference: every key the loader (ConfigLoader.cpp) accepts, with its type, what is
// allowed, its default and what it means. `trsim config --reference` prints it and docs/CONFIG.md
// is its copy. The loader keeps its own checks; tests/config_schema_test.cpp proves this table
// complete and exact against it (every section's keys, every range end, every choice, every
// default), and that docs/CONFIG.md is what this prints, so neither can drift from the loader.
#pragma once
#include <string>
#include <vector>

namespace trsim {

enum class ConfigKeyType { Integer, IntegerOrNone, Number, Choice, Boolean, Text, Path, List };

struct ConfigKeyDoc {
    std::string key;           // full dotted path, e.g. "operands.data.budget"; kEntry stands for any
                               // energy table entry name in energy.ENTRY.*
    ConfigKeyType type;
    std::string allowed;       // "lo..hi" for Integer, IntegerOrNone and Number; "a, b, c" for Choice; else ""
    std::string defaultValue;  // as YAML writes it; empty with `required`
    bool required;
    std::string description;
};

inline constexpr const char* kEntry = "ENTRY";

const std::vector<ConfigKeyDoc>& configKeys();
std::string configKeyTypeName(ConfigKeyType t);

// The whole reference as Markdown: keys, cross-key rules, the energy table format.
std::string configReferenceMarkdown();

}  // namespace trsim
