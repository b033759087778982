#include "sim/sweep/SweepSpec.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/config/ConfigLoader.hpp"
#include "sim/config/StrictYaml.hpp"
#include "sim/config/YamlFile.hpp"

namespace trsim {
namespace fs = std::filesystem;
namespace {

// A swept value as --set takes it: scalars as written, `none` for null. A list or map (a per_layer
// list) is one line of flow YAML, which --set reads back as the same list or map; the key then says
// whether it takes one.
std::string valueText(const YAML::Node& n) {
    if (n.IsNull()) return "none";
    if (n.IsScalar()) return n.Scalar();
    YAML::Emitter e;
    e << YAML::Flow << n;
    return e.c_str();
}

struct Axis {
    std::string key;
    std::vector<std::string> values;
};

std::vector<Axis> readAxes(StrictYaml& y, const YAML::Node& block, const std::string& path) {
    std::vector<Axis> axes;
    for (const auto& kv : block) {
        Axis a;
        if (!kv.first.IsScalar()) {
            y.problem(path + ".<key>", "a key path must be a single word, not a list or map");
            continue;
        }
        a.key = kv.first.Scalar();
        const std::string keyPath = path + "." + a.key;
        if (!kv.second.IsSequence() || kv.second.size() == 0) {
            y.problem(keyPath, "must be a non-empty list of values");
            continue;
        }
        for (std::size_t i = 0; i < kv.second.size(); ++i) a.values.push_back(valueText(kv.second[i]));
        axes.push_back(std::move(a));
    }
    return axes;
}

}  // namespace

SweepSpec loadSweep(const std::string& path, const std::vector<std::string>& extraOverrides) {
    const YAML::Node root = loadYamlFile(path);
    SweepSpec spec;
    spec.path = path;
    {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        spec.text = s.str();
    }
    if (!root.IsMap()) throw ConfigError({path + ": top level must be a map (allowed keys: base, set, sweep)"});
    StrictYaml y(path);
    y.onlyKeys(root, "", {"base", "set", "sweep"});
    const std::string base = y.text(root, "", "base", std::nullopt);
    const YAML::Node set = y.map(root, "", "set", false);
    const YAML::Node sweep = y.map(root, "", "sweep", true);
    y.onlyKeys(sweep, "sweep", {"product", "zip"});
    const std::vector<Axis> product = readAxes(y, y.map(sweep, "sweep", "product", false), "sweep.product");
    const std::vector<Axis> zip = readAxes(y, y.map(sweep, "sweep", "zip", false), "sweep.zip");
    if (product.empty() && zip.empty()) y.problem("sweep", "needs a product or a zip block with at least one key");
    for (const Axis& a : zip)
        if (a.values.size() != zip.front().values.size())
            y.problem("sweep.zip." + a.key, "has " + std::to_string(a.values.size()) + " values but sweep.zip." +
                                                zip.front().key + " has " + std::to_string(zip.front().values.size()) +
                                                " (zip lists must be equally long)");
    std::vector<std::string> fixed;
    for (const auto& kv : set) {
        if (!kv.first.IsScalar()) {
            y.problem("set.<key>", "a key path must be a single word, not a list or map");
            continue;
        }
        fixed.push_back(kv.first.Scalar() + "=" + valueText(kv.second));
    }
    fixed.insert(fixed.end(), extraOverrides.begin(), extraOverrides.end());
    y.throwIfAny();

    spec.baseConfigPath = (fs::path(path).parent_path() / base).lexically_normal().string();
    if (fs::path(base).is_absolute()) spec.baseConfigPath = base;
    for (const Axis& a : product) spec.sweptKeys.push_back(a.key);
    for (const Axis& a : zip) spec.sweptKeys.push_back(a.key);

    // Mixed-radix counting over the product, first key slowest; the zip index is the last digit.
    std::size_t total = zip.empty() ? 1 : zip.front().values.size();
    for (const Axis& a : product) total *= a.values.size();
    std::vector<std::string> problems;
    for (std::size_t i = 0; i < total; ++i) {
        SweepPoint p;
        p.index = static_cast<int>(i);
        p.overrides = fixed;
        std::size_t rest = i;
        const std::size_t zipCount = zip.empty() ? 1 : zip.front().values.size();
        const std::size_t zipIndex = rest % zipCount;
        rest /= zipCount;
        std::vector<std::string> productValues(product.size());
        for (std::size_t k = product.size(); k-- > 0;) {
            productValues[k] = product[k].values[rest % product[k].values.size()];
            rest /= product[k].values.size();
        }
        for (std::size_t k = 0; k < product.size(); ++k) {
            p.overrides.push_back(product[k].key + "=" + productValues[k]);
            p.values.push_back(productValues[k]);
        }
        for (const Axis& a : zip) {
            p.overrides.push_back(a.key + "=" + a.values[zipIndex]);
            p.values.push_back(a.values[zipIndex]);
        }
        try {
            const SimConfig config = loadConfig(spec.baseConfigPath, p.overrides);
            p.configHash = config.hash;
            p.inputFiles = {config.tracePath, config.energy.path};
        } catch (const ConfigError& e) {
            std::string where;
            for (std::size_t k = 0; k < spec.sweptKeys.size(); ++k)
                where += (k ? ", " : "") + spec.sweptKeys[k] + "=" + p.values[k];
            problems.push_back(path + ": point " + std::to_string(i) + " (" + where + "):\n  " + e.what());
            continue;
        }
        spec.points.push_back(std::move(p));
    }
    if (!problems.empty()) throw ConfigError(problems);
    for (std::size_t i = 0; i < spec.points.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (spec.points[i].configHash == spec.points[j].configHash)
                throw ConfigError({path + ": points " + std::to_string(j) + " and " + std::to_string(i) +
                                   " resolve to the same config (hash " + spec.points[i].configHash + ")"});
    return spec;
}

}  // namespace trsim
