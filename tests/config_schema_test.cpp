// The config reference table (sim/config/ConfigSchema.cpp) against the loader it documents: every
// section lists exactly the keys the loader accepts there, every range end and choice is accepted
// and every value just outside is refused naming the key, every default is what the loader fills
// in, and docs/CONFIG.md is exactly what `trsim config --reference` prints.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sim/config/ConfigLoader.hpp"
#include "sim/config/ConfigSchema.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

const std::string kSource = TRSIM_SOURCE_DIR;
const std::string kDefault = kSource + "/configs/default.yaml";

std::string loadError(const std::vector<std::string>& sets) {
    try {
        loadConfig(kDefault, sets);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string parent(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? "" : key.substr(0, dot);
}

// A key with the energy entry placeholder made real (every table defines multiply_8b).
std::string concrete(const std::string& key) {
    const auto at = key.find(kEntry);
    return at == std::string::npos ? key : key.substr(0, at) + "multiply_8b" + key.substr(at + std::string(kEntry).size());
}

std::string leaf(const std::string& key) {
    const auto dot = key.rfind('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

// The loader names what each section allows when it meets an unknown key there.
std::set<std::string> allowedByLoader(const std::string& section) {
    const std::string probe = (section.empty() ? "" : section + ".") + "zz_not_a_key";
    const std::string error = loadError({probe + "=1"});
    const std::string marker = probe + ": unknown key (allowed here: ";
    const auto at = error.find(marker);
    EXPECT_NE(at, std::string::npos) << section << ": " << error;
    if (at == std::string::npos) return {};
    const auto start = at + marker.size(), end = error.find(')', start);
    std::set<std::string> keys;
    std::stringstream list(error.substr(start, end - start));
    for (std::string k; std::getline(list, k, ',');) keys.insert(k.substr(k.find_first_not_of(' ')));
    return keys;
}

TEST(ConfigSchema, EverySectionListsExactlyTheKeysTheLoaderAccepts) {
    std::map<std::string, std::set<std::string>> children;  // section -> direct children in the table
    for (const ConfigKeyDoc& k : configKeys()) {
        for (std::string key = k.key; ; key = parent(key)) {
            children[parent(key)].insert(leaf(key));
            if (parent(key).empty()) break;
        }
    }
    EXPECT_GE(children.size(), 10u);
    for (const auto& [section, keys] : children) {
        if (section.find(kEntry) != std::string::npos) continue;  // checked with a real entry below
        if (section == "energy") {  // its keys are the energy table's entries
            EXPECT_NE(loadError({"energy.zz_not_an_entry.value=1"}).find("not an entry of the energy table"),
                      std::string::npos);
            continue;
        }
        EXPECT_EQ(allowedByLoader(section), keys) << "section '" << section << "'";
    }
    const std::set<std::string> entryKeys = allowedByLoader("energy.multiply_8b");
    std::set<std::string> documented;
    for (const ConfigKeyDoc& k : configKeys())
        if (k.key.rfind(std::string("energy.") + kEntry + ".", 0) == 0) documented.insert(leaf(k.key));
    EXPECT_EQ(entryKeys, documented);
}

// Integers and numbers "lo..hi": both ends load, just outside is refused naming the key.
// pe.kind=mac keeps the tMAC's coefficient-counter rule out of the operand ranges.
TEST(ConfigSchema, EveryRangeEndIsTheLoadersEnd) {
    int checked = 0;
    for (const ConfigKeyDoc& k : configKeys()) {
        if (k.type != ConfigKeyType::Integer && k.type != ConfigKeyType::IntegerOrNone && k.type != ConfigKeyType::Number)
            continue;
        // array.area_mm2 replaces rows and cols and must fit at least one PE: its
        // sizing is proven in area_model_test.cpp.
        if (k.key == "array.area_mm2") continue;
        const std::string key = concrete(k.key);
        const auto dots = k.allowed.find("..");
        ASSERT_NE(dots, std::string::npos) << k.key;
        const double lo = std::stod(k.allowed.substr(0, dots)), hi = std::stod(k.allowed.substr(dots + 2));
        const bool integer = k.type != ConfigKeyType::Number;
        const double below = integer ? lo - 1 : lo * 0.999 - (lo == 0 ? 1e-6 : 0);
        const double above = integer ? hi + 1 : hi * 1.001;
        const auto text = [&](double v) {
            std::ostringstream s;
            s.precision(17);
            s << v;
            return s.str();
        };
        const std::string kind = k.key == "pe.kind" ? "" : "pe.kind=mac";
        for (double ok : {lo, hi})
            EXPECT_EQ(loadError({kind, key + "=" + text(ok)}), "") << k.key << " = " << ok;
        for (double bad : {below, above})
            EXPECT_NE(loadError({kind, key + "=" + text(bad)}).find(key + ": "), std::string::npos)
                << k.key << " = " << bad;
        ++checked;
    }
    EXPECT_GE(checked, 20);
}

TEST(ConfigSchema, EveryChoiceIsTheLoadersChoice) {
    for (const ConfigKeyDoc& k : configKeys()) {
        if (k.type == ConfigKeyType::Boolean) {
            const std::string key = concrete(k.key);
            EXPECT_NE(loadError({key + "=maybe"}).find(key + ": 'maybe' is not a boolean"), std::string::npos) << key;
        }
        if (k.type != ConfigKeyType::Choice) continue;
        const std::string key = concrete(k.key);
        EXPECT_NE(loadError({key + "=zz"}).find(key + ": 'zz' is not allowed (allowed: " + k.allowed + ")"),
                  std::string::npos)
            << k.key;
        // Choices valid only beside another key's value (the loader names that key when it is missing).
        const std::map<std::string, std::string> needs{{"outputs.vcd_level=cycle", "simulation.mode=structural"}};
        std::stringstream list(k.allowed);
        for (std::string v; std::getline(list, v, ',');) {
            v = v.substr(v.find_first_not_of(' '));
            const auto need = needs.find(key + "=" + v);
            if (need != needs.end()) {
                EXPECT_NE(loadError({key + "=" + v}).find(key + ": "), std::string::npos) << key << " = " << v;
                EXPECT_EQ(loadError({key + "=" + v, need->second}), "") << key << " = " << v;
                continue;
            }
            EXPECT_EQ(loadError({key + "=" + v}), "") << key << " = " << v;
        }
    }
}

// A config with only the required keys resolves every optional key to the table's default.
TEST(ConfigSchema, DefaultsAreTheLoadersDefaults) {
    std::string pattern = (fs::temp_directory_path() / "trsim_schema_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    const fs::path dir = pattern;
    YAML::Node full = YAML::LoadFile(kDefault);
    YAML::Node minimal(YAML::NodeType::Map);
    int required = 0;
    for (const ConfigKeyDoc& k : configKeys()) {
        if (!k.required) continue;
        ++required;
        std::vector<std::string> path;
        std::stringstream parts(k.key);
        for (std::string p; std::getline(parts, p, '.');) path.push_back(p);
        YAML::Node from = YAML::Clone(full);
        for (const auto& p : path) from.reset(from[p]);
        std::function<void(YAML::Node, std::size_t)> put = [&](YAML::Node node, std::size_t i) {
            if (i + 1 == path.size()) {
                node[path[i]] = from;
                return;
            }
            if (!node[path[i]]) node[path[i]] = YAML::Node(YAML::NodeType::Map);
            put(node[path[i]], i + 1);
        };
        put(minimal, 0);
    }
    minimal["trace"] = (fs::path(kSource) / "configs" / full["trace"].as<std::string>()).lexically_normal().string();
    minimal["energy_table"] = (fs::path(kSource) / "configs" / full["energy_table"].as<std::string>()).string();
    std::ofstream(dir / "minimal.yaml") << minimal;
    const SimConfig c = loadConfig((dir / "minimal.yaml").string());
    const YAML::Node resolved = YAML::Load(c.resolvedYaml);
    int checked = 0;
    for (const ConfigKeyDoc& k : configKeys()) {
        if (k.required || k.key.find(kEntry) != std::string::npos) continue;  // energy: the table's values
        YAML::Node v = YAML::Clone(resolved);
        std::stringstream parts(k.key);
        for (std::string p; std::getline(parts, p, '.') && v;) v.reset(v[p]);
        if (k.key == "simulation.progress") {  // not in the resolved config: it changes no result
            EXPECT_EQ(c.simulation.progress ? "true" : "false", k.defaultValue);
        } else if (k.key == "simulation.threads") {  // likewise; its default is the machine's cores
            EXPECT_EQ(k.defaultValue, "cores");
            EXPECT_EQ(c.simulation.threads, defaultThreads());
        } else {
            // Keys that default to nothing stay out of the resolved config, so configs
            // without them keep their hashes.
            if (!v && (k.defaultValue == "none" || k.defaultValue == "\"\"" || k.defaultValue == "[]")) {
                ++checked;
                continue;
            }
            ASSERT_TRUE(v && v.IsScalar()) << k.key << " missing from\n" << c.resolvedYaml;
            if (k.type == ConfigKeyType::Number)
                EXPECT_DOUBLE_EQ(std::stod(k.defaultValue), v.as<double>()) << k.key;
            else if (const YAML::Node sibling = resolved[k.key.substr(0, k.key.find('.'))][k.defaultValue])
                // A default naming another key of the section (comparator_values_per_cycle:
                // lanes_per_row) is that key's resolved value.
                EXPECT_EQ(sibling.Scalar(), v.Scalar()) << k.key;
            else
                EXPECT_EQ(k.defaultValue == "\"\"" ? "" : k.defaultValue, v.Scalar()) << k.key;
        }
        ++checked;
    }
    EXPECT_GE(required, 10);
    EXPECT_GE(checked, 15);
    fs::remove_all(dir);
}

TEST(ConfigSchema, DocsConfigMdIsTheGeneratedReference) {
    std::ifstream in(kSource + "/docs/CONFIG.md");
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_EQ(s.str(), configReferenceMarkdown())
        << "docs/CONFIG.md is out of date: regenerate it with  build/trsim config --reference > docs/CONFIG.md";
}

}  // namespace
}  // namespace trsim
