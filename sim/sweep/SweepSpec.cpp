#include "sim/sweep/SweepSpec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "sim/config/ConfigLoader.hpp"
#include "sim/config/PerLayer.hpp"
#include "sim/config/StrictYaml.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/TraceReader.hpp"
#include "sim/config/YamlFile.hpp"
#include "sim/run/LayerConfigs.hpp"

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

// One block of the sweep: a product and/or a zip, named as in its problems.
struct Block {
    std::string where;  // "sweep" or "sweep[i]"
    std::vector<Axis> product, zip;
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

Block readBlock(StrictYaml& y, const YAML::Node& node, const std::string& where) {
    Block b;
    b.where = where;
    y.onlyKeys(node, where, {"product", "zip"});
    b.product = readAxes(y, y.map(node, where, "product", false), where + ".product");
    b.zip = readAxes(y, y.map(node, where, "zip", false), where + ".zip");
    if (b.product.empty() && b.zip.empty()) y.problem(where, "needs a product or a zip block with at least one key");
    for (const Axis& a : b.zip)
        if (a.values.size() != b.zip.front().values.size())
            y.problem(where + ".zip." + a.key, "has " + std::to_string(a.values.size()) + " values but " + where +
                                                   ".zip." + b.zip.front().key + " has " +
                                                   std::to_string(b.zip.front().values.size()) +
                                                   " (zip lists must be equally long)");
    for (const Axis& a : b.product)
        for (const Axis& z : b.zip)
            if (a.key == z.key) y.problem(where + ".zip." + z.key, "is also in " + where + ".product (vary a key in one of them)");
    return b;
}

// `sweep:` is one block (a map) or a list of blocks.
std::vector<Block> readBlocks(StrictYaml& y, const YAML::Node& root) {
    const YAML::Node sweep = root["sweep"];
    std::vector<Block> blocks;
    if (!sweep || sweep.IsNull()) {
        y.problem("sweep", "missing (a map with product and/or zip, or a list of such blocks)");
    } else if (sweep.IsMap()) {
        blocks.push_back(readBlock(y, sweep, "sweep"));
    } else if (sweep.IsSequence() && sweep.size() > 0) {
        for (std::size_t i = 0; i < sweep.size(); ++i) {
            const std::string where = "sweep[" + std::to_string(i) + "]";
            if (!sweep[i].IsMap()) {
                y.problem(where, "must be a map with product and/or zip");
                continue;
            }
            blocks.push_back(readBlock(y, sweep[i], where));
        }
    } else {
        y.problem("sweep", "must be a map with product and/or zip, or a non-empty list of such blocks");
    }
    return blocks;
}

// Points a block lists: the product's size times the zip's length, saturating
// at SIZE_MAX (a product of many long lists overflows).
std::size_t blockPointCount(const Block& b) {
    std::size_t total = b.zip.empty() ? 1 : b.zip.front().values.size();
    for (const Axis& a : b.product)
        total = a.values.size() != 0 && total > SIZE_MAX / a.values.size() ? SIZE_MAX : total * a.values.size();
    return total;
}

// "sweep[1]: 10 x 10 x 3 (product) x 4 (zip) = 1200 points"
std::string blockSize(const Block& b) {
    std::string text = b.where + ": ";
    for (std::size_t k = 0; k < b.product.size(); ++k)
        text += (k ? " x " : "") + std::to_string(b.product[k].values.size());
    if (!b.product.empty()) text += " (product)";
    if (!b.zip.empty()) text += std::string(b.product.empty() ? "" : " x ") + std::to_string(b.zip.front().values.size()) + " (zip)";
    const std::size_t n = blockPointCount(b);
    return text + " = " + (n == SIZE_MAX ? std::string("more than 2^64") : std::to_string(n)) + " points";
}

// The points all blocks list together; throws ConfigError naming each block's size above `maxPoints`.
std::size_t requireBounded(const std::string& path, const std::vector<Block>& blocks, std::size_t maxPoints) {
    std::size_t total = 0;
    for (const Block& b : blocks) {
        const std::size_t n = blockPointCount(b);
        total = n > SIZE_MAX - total ? SIZE_MAX : total + n;
    }
    if (total <= maxPoints) return total;
    std::string text = path + ": sweep: " + (total == SIZE_MAX ? std::string("more than 2^64") : std::to_string(total)) +
                       " points, more than the bound of " + std::to_string(maxPoints) +
                       " (each point is resolved at load and runs as a process; raise the bound with --max-points N)";
    for (const Block& b : blocks) text += "\n  " + blockSize(b);
    throw ConfigError({text});
}

// Point i of a block: mixed-radix counting over the product, first key slowest;
// the zip index is the last digit. Fills keys, values and the block's overrides.
void blockPoint(const Block& b, std::size_t i, SweepPoint& p) {
    const std::size_t zipCount = b.zip.empty() ? 1 : b.zip.front().values.size();
    const std::size_t zipIndex = i % zipCount;
    std::size_t rest = i / zipCount;
    std::vector<std::string> productValues(b.product.size());
    for (std::size_t k = b.product.size(); k-- > 0;) {
        productValues[k] = b.product[k].values[rest % b.product[k].values.size()];
        rest /= b.product[k].values.size();
    }
    for (std::size_t k = 0; k < b.product.size(); ++k) {
        p.keys.push_back(b.product[k].key);
        p.values.push_back(productValues[k]);
    }
    for (const Axis& a : b.zip) {
        p.keys.push_back(a.key);
        p.values.push_back(a.values[zipIndex]);
    }
    for (std::size_t k = 0; k < p.keys.size(); ++k) p.overrides.push_back(p.keys[k] + "=" + p.values[k]);
}

}  // namespace

SweepSpec loadSweep(const std::string& path, const std::vector<std::string>& extraOverrides, std::size_t maxPoints,
                    std::ostream* progress) {
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
    const std::vector<Block> blocks = readBlocks(y, root);
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
    for (const Block& b : blocks)
        for (const auto* axes : {&b.product, &b.zip})
            for (const Axis& a : *axes)
                if (std::find(spec.sweptKeys.begin(), spec.sweptKeys.end(), a.key) == spec.sweptKeys.end())
                    spec.sweptKeys.push_back(a.key);

    const std::size_t listed = requireBounded(path, blocks, maxPoints);

    const bool single = blocks.size() == 1 && blocks.front().where == "sweep";
    std::size_t resolved = 0;
    auto lastReport = std::chrono::steady_clock::now();
    std::vector<std::string> problems;
    std::set<std::string> earlierBlocks;  // config hashes of the blocks before this one
    // per_layer selections are checked against their trace's layers here, before any point runs: a
    // selection that picks nothing would otherwise fail only when its point runs. Each trace's layer
    // names and roles are read once (readTraceSummary: no operand values). A trace that cannot be read
    // is left to the point's run, which names it.
    std::map<std::string, std::optional<std::vector<SelectableLayer>>> traceLayers;
    auto perLayerProblem = [&](const SimConfig& config) -> std::string {
        if (config.perLayer.empty()) return "";
        auto it = traceLayers.find(config.tracePath);
        if (it == traceLayers.end()) {
            std::optional<std::vector<SelectableLayer>> layers;
            try {
                layers = selectableLayers(readTraceSummary(config.tracePath));
            } catch (const TraceError&) {
            }
            it = traceLayers.emplace(config.tracePath, std::move(layers)).first;
        }
        if (!it->second) return "";
        try {
            layerConfigs(config, *it->second);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what()) + " (trace " + config.tracePath + ")";
        }
        return "";
    };
    for (std::size_t bi = 0; bi < blocks.size(); ++bi) {
        const Block& b = blocks[bi];
        std::map<std::string, std::size_t> inBlock;  // config hash -> point in this block
        SweepBlockCount count{b.where, blockPointCount(b), 0};
        for (std::size_t i = 0; i < count.listed; ++i, ++resolved) {
            if (progress && std::chrono::steady_clock::now() - lastReport >= std::chrono::seconds(2)) {
                lastReport = std::chrono::steady_clock::now();
                *progress << "trsim sweep: " << path << ": resolving point " << resolved << "/" << listed << "\n"
                          << std::flush;
            }
            SweepPoint p;
            p.block = static_cast<int>(bi);
            p.overrides = fixed;
            blockPoint(b, i, p);
            // Where a point is named in problems: its index in the single-block form, else its block and index there.
            const std::string name = (single ? "point " : b.where + " point ") + std::to_string(i);
            std::string problem;
            try {
                const SimConfig config = loadConfig(spec.baseConfigPath, p.overrides);
                p.configHash = config.hash;
                for (const InputFile& in : inputFilesOf(config)) p.inputFiles.push_back(in.path);
                problem = perLayerProblem(config);
            } catch (const ConfigError& e) {
                problem = e.what();
            }
            if (!problem.empty()) {
                std::string values;
                for (std::size_t k = 0; k < p.keys.size(); ++k)
                    values += (k ? ", " : "") + p.keys[k] + "=" + p.values[k];
                problems.push_back(path + ": " + name + " (" + values + "):\n  " + problem);
                continue;
            }
            const auto same = inBlock.find(p.configHash);
            if (same != inBlock.end()) {
                problems.push_back(path + ": " + (single ? "points " : b.where + " points ") +
                                   std::to_string(same->second) + " and " + std::to_string(i) +
                                   " resolve to the same config (hash " + p.configHash + ")");
                continue;
            }
            inBlock.emplace(p.configHash, i);
            if (earlierBlocks.count(p.configHash)) {  // listed by an earlier block: runs once, as that point
                count.repeated++;
                continue;
            }
            p.index = static_cast<int>(spec.points.size());
            spec.points.push_back(std::move(p));
        }
        for (const auto& kv : inBlock) earlierBlocks.insert(kv.first);
        spec.blocks.push_back(count);
    }
    if (!problems.empty()) throw ConfigError(problems);
    return spec;
}

}  // namespace trsim
