#include "sim/config/ConfigLoader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/PerLayer.hpp"
#include "sim/config/StrictYaml.hpp"
#include "sim/config/YamlFile.hpp"

namespace trsim {
namespace fs = std::filesystem;

int defaultThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

std::string dataflowName(Dataflow d) {
    return d == Dataflow::WeightStationary ? "weight_stationary" : "output_stationary";
}
std::string simModeName(SimMode m) {
    static const char* const names[] = {"fast", "detailed", "structural"};
    return names[static_cast<int>(m)];
}
std::string accuracyScoringName(AccuracyScoring s) {
    static const char* const names[] = {"auto", "cached", "off"};
    return names[static_cast<int>(s)];
}
std::string trScheduleName(TrScheduleKind s) { return s == TrScheduleKind::Fixed ? "fixed" : "lockstep"; }
std::string weightStorageName(WeightStorage s) { return s == WeightStorage::Terms ? "terms" : "values"; }
std::string outputPrecisionText(const OutputPrecisionConfig& p) {
    switch (p.kind) {
        case OutputPrecisionKind::NextLayer: return "next_layer";
        case OutputPrecisionKind::PartialSums: return "partial_sums";
        case OutputPrecisionKind::Bits: return std::to_string(p.bits);
    }
    return "";
}

const std::vector<std::string>& requiredEnergyEntries() {
    static const std::vector<std::string> names{
        "multiply_8b",       // an 8x8 multiplier; other widths scale by a*b/64 (sim/run/PrecisionEnergy.hpp)
        "add_32b",           // a 32-bit add; other widths scale by n/32
        "term_pair",         // one term-pair product in a tMAC: exponent add + coefficient counter step
        "coefficient_flush", // turning a tMAC's coefficient counters into a binary sum, once per group
        "term_compare",      // one exponent comparison in the term comparator
        "hese_encode",       // encoding one 8-bit value to HESE terms
        "pe_cycle",          // clock and pipeline registers of one PE for one cycle
        "sram_read_64b",     // one 64-bit read of an on-chip buffer
        "sram_write_64b",    // one 64-bit write of an on-chip buffer
        "dram_bit",          // one bit moved to or from off-chip DRAM
        "serial_bit_step",   // stripes: one activation bit against a parallel weight, shift-add
        "term_shift_add",    // pragmatic: the weight shifted by one activation term and added
        "exponent_mac",      // dnateq: two exponents added and one exponent counter stepped
        "requantize_output", // the output stage: one 32-bit sum requantized to the output width
        "sram_reference_capacity",  // the capacity sram_read_64b and sram_write_64b are quoted at (KiB)
        "leakage_logic",     // leakage power per mm2 of logic (PEs, data path)
        "leakage_sram",      // leakage power per mm2 of on-chip buffer
    };
    return names;
}

const std::vector<std::string>& requiredAreaEntries() {
    static const std::vector<std::string> names{
        "add_8b", "add_32b",            // adder anchors; other widths linear between them
        "multiply_8b", "multiply_32b",  // multiplier anchors; other widths a power law between them
        "register_bit",                 // one flip-flop
        "mux2_bit",                     // a 2:1 mux or gate per bit
        "sram_kib",                     // one KiB of on-chip buffer
    };
    return names;
}

namespace {

// Adding a config key: a field in Config.hpp with its default, one reader line
// below (type, range, default) with its key in the onlyKeys list of its map, one
// line in emitResolved (and in hashedYaml's exclusions if it changes no result),
// and a row in sim/config/ConfigSchema.cpp (tests/config_schema_test.cpp fails until
// it is there, and until docs/CONFIG.md is regenerated). --set, sweeps and the error messages
// then work for it unchanged.
const std::vector<std::string> kTopKeys{"trace", "array", "pe", "operands", "clock_mhz",
                                        "buffers", "dram", "energy_table", "energy", "area_table", "outputs",
                                        "simulation", "data_path", "mapping", "accuracy", "per_layer"};

fs::path resolveBeside(const std::string& file, const std::string& relative) {
    if (relative.empty()) return {};
    fs::path p(relative);
    if (p.is_absolute()) return p;
    return fs::path(file).parent_path() / p;
}

// --set a.b.c=value: the value is parsed as YAML, so numbers stay numbers.
// Returns the key path; problems name the --set argument, not the config file.
std::string applyOverride(YAML::Node& root, const std::string& spec) {
    const std::string origin = "--set " + printable(spec);
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError({origin + ": expected KEY.PATH=VALUE"});
    const std::string keyPath = spec.substr(0, eq);
    YAML::Node value;
    try {
        value = YAML::Load(spec.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        throw ConfigError({origin + ": the value is not valid YAML: " + e.what()});
    }
    std::vector<std::string> keys;
    for (std::size_t start = 0;;) {
        const auto dot = keyPath.find('.', start);
        keys.push_back(keyPath.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    // yaml-cpp nodes are handles: walking by assignment would rebind, so recurse.
    std::function<void(YAML::Node, std::size_t)> set = [&](YAML::Node node, std::size_t i) {
        if (keys[i].empty()) throw ConfigError({origin + ": empty key in the path '" + printable(keyPath) + "'"});
        if (i + 1 == keys.size()) {
            node[keys[i]] = value;
            return;
        }
        YAML::Node child = node[keys[i]];
        if (!child || child.IsNull()) {
            node[keys[i]] = YAML::Node(YAML::NodeType::Map);
            child = node[keys[i]];
        }
        if (!child.IsMap())
            throw ConfigError({origin + ": '" + printable(keys[i]) + "' is a single value or a list, not a map"});
        set(child, i + 1);
    };
    set(root, 0);
    return keyPath;
}

// A path in the config: resolved beside the config file, and a readable file.
std::string inputBeside(StrictYaml& y, const std::string& configPath, const std::string& key,
                        const std::string& value) {
    if (value.empty()) {
        y.problem(key, "must name a file, got an empty string");
        return value;
    }
    const std::string resolved = resolveBeside(configPath, value).lexically_normal().string();
    const std::string problem = inputFileProblem(resolved);
    if (!problem.empty()) y.problem(key, "'" + resolved + "': " + problem);
    return resolved;
}

// Units an energy table or override may use, and their factors to the entry's
// base unit: pJ for energies per action, mW/mm2 for leakage power densities
// (entries leakage_*), KiB for capacities (entries *_capacity).
const std::vector<std::pair<std::string, double>> kEnergyUnits{{"pJ", 1.0},     {"fJ", 1e-3},   {"nJ", 1e3},
                                                               {"mW/mm2", 1.0}, {"uW/mm2", 1e-3}, {"KiB", 1.0}};

// The units an energy-table entry may have, by its name.
std::vector<std::string> energyEntryUnits(const std::string& name) {
    if (name.rfind("leakage_", 0) == 0) return {"mW/mm2", "uW/mm2"};
    if (name.size() > 9 && name.compare(name.size() - 9, 9, "_capacity") == 0) return {"KiB"};
    return {"pJ", "fJ", "nJ"};
}

// A capacity divides (the SRAM energies scale by sqrt(size / capacity)): 0 would make every energy inf.
bool isCapacityEntry(const std::string& name) {
    return name.size() > 9 && name.compare(name.size() - 9, 9, "_capacity") == 0;
}

// The config's `energy:` block overrides entries of the energy table (and so
// --set energy.<entry>.value=... works like any other key). An entry keeps the
// table's unit and source unless the block gives them.
void applyEnergyOverrides(StrictYaml& y, const YAML::Node& block, const std::string& configPath, EnergyTable& t) {
    for (const auto& kv : block) {
        if (!kv.first.IsScalar()) {
            y.problem("energy.<key>", "an entry name must be a single word, not a list or map");
            continue;
        }
        const std::string name = kv.first.Scalar();
        const std::string p = "energy." + name;
        const auto it = t.entries.find(name);
        if (it == t.entries.end()) {
            std::vector<std::string> names;
            for (const auto& e : t.entries) names.push_back(e.first);
            y.problem(p, "not an entry of the energy table " + t.path + " (allowed: " + joinWords(names) + ")");
            continue;
        }
        if (!kv.second.IsMap()) {
            y.problem(p, "must be a map with keys value, unit, source");
            continue;
        }
        y.onlyKeys(kv.second, p, {"value", "unit", "source"});
        CostEntry& e = it->second;
        const std::string unit = y.choice(kv.second, p, "unit", energyEntryUnits(name), e.unit);
        if (kv.second["value"]) {
            const double v = y.number(kv.second, p, "value", 0, 1e9, std::nullopt);
            if (isCapacityEntry(name) && v == 0) y.problem(p + ".value", "0 is out of range (a capacity must be > 0)");
            for (const auto& u : kEnergyUnits)
                if (u.first == unit) e.value = v * u.second;
            e.source = configPath + ": " + p + " (overrides " + t.path + ")";
        }
        e.unit = unit;
        e.source = y.text(kv.second, p, "source", e.source);
    }
}

// operands.<name>: bits, and the keys that may also differ per layer, read by their one reader
// (sim/config/PerLayer.hpp) so both places allow the same values.
void readOperand(StrictYaml& y, const YAML::Node& operands, const std::string& name, SimConfig& c) {
    const std::string path = "operands." + name;
    const YAML::Node n = y.map(operands, "operands", name, true);
    y.onlyKeys(n, path, {"bits", "encoding", "group_size", "budget", "quantize_bits"});
    (name == "weights" ? c.weights : c.data).bits = y.integer(n, path, "bits", 2, 16, std::nullopt);
    for (const char* field : {"encoding", "group_size", "budget", "quantize_bits"})
        if (n[field] || std::string(field) != "quantize_bits")  // quantize_bits is optional (none)
            perLayerKey(path + "." + field).read(y, n, path, field, c);
}

std::string fnv1aHex(const std::string& text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void emitOperand(YAML::Emitter& e, const std::string& name, const OperandCoding& c,
                 const std::optional<int>& quantizeBits) {
    e << YAML::Key << name << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "bits" << YAML::Value << c.bits;
    e << YAML::Key << "encoding" << YAML::Value << encodingName(c.encoding);
    e << YAML::Key << "group_size" << YAML::Value << c.groupSize;
    e << YAML::Key << "budget" << YAML::Value;
    if (c.budget) e << *c.budget; else e << "none";
    // Only when set, so configs without QT keep the hashes they always had.
    if (quantizeBits) e << YAML::Key << "quantize_bits" << YAML::Value << *quantizeBits;
    e << YAML::EndMap;
}

}  // namespace

std::string operandsYaml(const SimConfig& c) {
    YAML::Emitter e;
    e << YAML::Flow << YAML::BeginMap;
    emitOperand(e, "weights", c.weights, c.quantize.weightBits);
    emitOperand(e, "data", c.data, c.quantize.dataBits);
    e << YAML::EndMap;
    return e.c_str();
}

std::string operandSettingText(const SimConfig& c) {
    const auto part = [](const OperandCoding& o, const std::optional<int>& q) {
        return encodingName(o.encoding) + ":g" + std::to_string(o.groupSize) + ":k" +
               (o.budget ? std::to_string(*o.budget) : "none") + ":q" + (q ? std::to_string(*q) : "none");
    };
    return "w=" + part(c.weights, c.quantize.weightBits) + ";d=" + part(c.data, c.quantize.dataBits);
}

namespace {

// Keys that change no simulated number stay out of the hash, so changing them
// does not force a sweep to re-run: outputs.vcd, outputs.vcd_level and simulation.progress only add
// output, and simulation.mode's fast and detailed models are proven identical
// (tests/systolic_array_core_test.cpp, tests/systemc/simulation_sc_test.cpp).
enum class Emit { Everything, HashedOnly };

std::string emitResolved(const SimConfig& c, Emit what) {
    const bool all = what == Emit::Everything;
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "trace" << YAML::Value << c.tracePath;
    e << YAML::Key << "array" << YAML::Value << YAML::BeginMap << YAML::Key << "rows" << YAML::Value << c.array.rows
      << YAML::Key << "cols" << YAML::Value << c.array.cols << YAML::Key << "dataflow" << YAML::Value
      << dataflowName(c.array.dataflow) << YAML::Key << "link_latency" << YAML::Value << c.array.linkLatency;
    if (c.array.areaMm2) e << YAML::Key << "area_mm2" << YAML::Value << *c.array.areaMm2;
    e << YAML::EndMap;
    e << YAML::Key << "pe" << YAML::Value << YAML::BeginMap << YAML::Key << "kind" << YAML::Value
      << c.pe.kind << YAML::Key << "coefficient_counters" << YAML::Value << c.pe.coefficientCounters
      << YAML::Key << "schedule" << YAML::Value << trScheduleName(c.pe.schedule) << YAML::Key
      << "term_pairs_per_cycle" << YAML::Value << c.pe.termPairsPerCycle << YAML::Key << "dnateq_exponent_bits"
      << YAML::Value << c.pe.dnateqExponentBits << YAML::Key << "weight_storage" << YAML::Value
      << weightStorageName(c.pe.weightStorage) << YAML::EndMap;
    e << YAML::Key << "data_path" << YAML::Value << YAML::BeginMap << YAML::Key << "lanes_per_row" << YAML::Value
      << c.dataPath.lanesPerRow << YAML::Key << "encoder_bits_per_cycle"
      << YAML::Value << c.dataPath.encoderBitsPerCycle << YAML::Key << "encoder_latency" << YAML::Value
      << c.dataPath.encoderLatency << YAML::Key << "comparator_latency" << YAML::Value
      << c.dataPath.comparatorLatency << YAML::Key << "comparator_values_per_cycle" << YAML::Value
      << c.dataPath.comparatorValuesPerCycle << YAML::EndMap;
    e << YAML::Key << "operands" << YAML::Value << YAML::BeginMap;
    emitOperand(e, "weights", c.weights, c.quantize.weightBits);
    emitOperand(e, "data", c.data, c.quantize.dataBits);
    e << YAML::Key << "outputs" << YAML::Value << YAML::BeginMap << YAML::Key << "precision" << YAML::Value
      << outputPrecisionText(c.outputPrecision) << YAML::EndMap;
    e << YAML::EndMap;
    // Only when set, so configs without per_layer keep their hashes. One line of flow YAML.
    if (!c.perLayer.empty()) e << YAML::Key << "per_layer" << YAML::Value << YAML::Load(perLayerYaml(c.perLayer));
    e << YAML::Key << "clock_mhz" << YAML::Value << c.clockMhz;
    e << YAML::Key << "buffers" << YAML::Value << YAML::BeginMap << YAML::Key << "weights_kib" << YAML::Value
      << c.buffers.weightsKib << YAML::Key << "data_kib" << YAML::Value << c.buffers.dataKib << YAML::Key
      << "outputs_kib" << YAML::Value << c.buffers.outputsKib << YAML::EndMap;
    e << YAML::Key << "dram" << YAML::Value << YAML::BeginMap << YAML::Key << "bandwidth_gb_per_s" << YAML::Value
      << c.dram.bandwidthGBps << YAML::EndMap;
    e << YAML::Key << "energy_table" << YAML::Value << c.energy.path;
    e << YAML::Key << "energy" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, entry] : c.energy.entries)
        e << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
          << (energyEntryUnits(name).front() == "pJ" ? "pj" : energyEntryUnits(name).front() == "KiB" ? "kib" : "mw_per_mm2")
          << YAML::Value << entry.value << YAML::Key << "source" << YAML::Value << entry.source << YAML::EndMap;
    e << YAML::EndMap;
    // Only when set, so configs without an area model keep the hashes they had.
    if (!c.area.path.empty()) {
        e << YAML::Key << "area_table" << YAML::Value << c.area.path;
        e << YAML::Key << "area" << YAML::Value << YAML::BeginMap;
        for (const auto& [name, entry] : c.area.entries)
            e << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "um2" << YAML::Value
              << entry.value << YAML::Key << "source" << YAML::Value << entry.source << YAML::EndMap;
        e << YAML::EndMap;
    }
    e << YAML::Key << "outputs" << YAML::Value << YAML::BeginMap << YAML::Key << "save_layer_outputs" << YAML::Value
      << c.outputs.saveLayerOutputs;
    if (all) e << YAML::Key << "vcd" << YAML::Value << c.outputs.vcdPath;
    if (all) e << YAML::Key << "vcd_level" << YAML::Value << (c.outputs.vcdLevel == VcdLevel::Cycle ? "cycle" : "step");
    if (all) e << YAML::Key << "term_histograms" << YAML::Value << c.outputs.termHistograms;
    e << YAML::EndMap;
    e << YAML::Key << "mapping" << YAML::Value << YAML::BeginMap << YAML::Key << "depthwise" << YAML::Value
      << (c.mapping.depthwise == DepthwiseMapping::Packed ? "packed" : "per_channel") << YAML::EndMap;
    // progress and threads change no result, so they stay out of the resolved config too. simulation.layers changes
    // what runs, but enters the hash only when set, so configs without it keep their hashes.
    // accuracy.score changes no simulated number (only whether a missing accuracy is computed): not hashed.
    if (all)
        e << YAML::Key << "accuracy" << YAML::Value << YAML::BeginMap << YAML::Key << "score" << YAML::Value
          << accuracyScoringName(c.accuracy.score) << YAML::EndMap;
    if (all || !c.simulation.layers.empty()) {
        e << YAML::Key << "simulation" << YAML::Value << YAML::BeginMap;
        if (all)
            e << YAML::Key << "mode" << YAML::Value << simModeName(c.simulation.mode);
        e << YAML::Key << "layers" << YAML::Value << c.simulation.layers;
        e << YAML::EndMap;
    }
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

// Reads a cost table (keys description, entries: NAME: {value, unit, source,
// derivation}); `units` maps each allowed unit, in the order errors list them,
// to its factor to the base unit. `every` names the tables in the missing-entry error.
std::map<std::string, CostEntry> loadCostTable(const std::string& path,
                                               const std::vector<std::pair<std::string, double>>& units,
                                               double maxValue, const std::vector<std::string>& required,
                                               const std::string& every,
                                               const std::function<std::vector<std::string>(const std::string&)>&
                                                   unitsFor = nullptr) {
    const YAML::Node root = loadYamlFile(path);
    StrictYaml y(path);
    if (!root.IsMap()) throw ConfigError({path + ": top level must be a map with keys description, entries"});
    y.onlyKeys(root, "", {"description", "entries"});
    std::vector<std::string> unitNames;
    for (const auto& u : units) unitNames.push_back(u.first);
    std::map<std::string, CostEntry> table;
    const YAML::Node entries = y.map(root, "", "entries", true);
    for (const auto& kv : entries) {
        if (!kv.first.IsScalar()) {
            y.problem("entries.<key>", "an entry name must be a single word, not a list or map");
            continue;
        }
        const std::string name = kv.first.Scalar();
        const std::string p = "entries." + name;
        if (!kv.second.IsMap()) {
            y.problem(p, "must be a map with keys value, unit, source (and optional derivation)");
            continue;
        }
        y.onlyKeys(kv.second, p, {"value", "unit", "source", "derivation"});
        CostEntry e;
        const double v = y.number(kv.second, p, "value", 0, maxValue, std::nullopt);
        if (isCapacityEntry(name) && v == 0) y.problem(p + ".value", "0 is out of range (a capacity must be > 0)");
        e.unit = y.choice(kv.second, p, "unit", unitsFor ? unitsFor(name) : unitNames, std::nullopt);
        e.source = y.text(kv.second, p, "source", std::nullopt);
        if (kv.second["source"] && e.source.empty()) y.problem(p + ".source", "must not be empty");
        for (const auto& u : units)
            if (u.first == e.unit) e.value = v * u.second;
        table[name] = e;
    }
    for (const auto& need : required)
        if (!table.count(need))
            y.problem("entries." + need, "missing (" + every + " must define: " + joinWords(required) + ")");
    y.throwIfAny();
    return table;
}

}  // namespace

EnergyTable loadEnergyTable(const std::string& path) {
    EnergyTable t;
    t.path = path;
    t.entries = loadCostTable(path, kEnergyUnits, 1e9, requiredEnergyEntries(), "every table", energyEntryUnits);
    return t;
}

// The cycle-level waveform shows what the structural array's PEs do cycle by
// cycle, as their kind's rule records it (PeArrayCore.hpp: the traced sliceStep).
void checkCycleWaveform(StrictYaml& y, const SimConfig& c) {
    if (!y.problems().empty() || c.outputs.vcdLevel != VcdLevel::Cycle) return;
    if (c.simulation.mode != SimMode::Structural)
        y.problem("outputs.vcd_level", "cycle needs simulation.mode: structural (the array as modules); fast and "
                                       "detailed mode write step-level waveforms (vcd_level: step)");
    std::vector<std::string> able;
    bool ok = false;
    for (const PeKind* k : peKinds()) {
        ArraySpec spec;
        spec.pe = k;
        if (!k->makeCore(spec)->tracesSliceSteps()) continue;
        able.push_back(k->name());
        ok = ok || k->name() == c.pe.kind;
    }
    if (!ok)
        y.problem("outputs.vcd_level", "cycle is available for pe.kind " + joinWords(able) + ", not " + c.pe.kind +
                                           " (vcd_level: step works for every kind)");
}

// The structural array wires one SystemC module per PE, with its links and ports: a
// 4096 x 4096 array takes minutes and gigabytes to set up before its first cycle.
constexpr int64_t kMaxStructuralPes = 512 * 512;

void checkStructuralSize(const SimConfig& c, const std::string& path) {
    const int64_t pes = static_cast<int64_t>(c.array.rows) * c.array.cols;
    if (c.simulation.mode != SimMode::Structural || pes <= kMaxStructuralPes) return;
    throw ConfigError({path + ": array.rows x array.cols: " + std::to_string(c.array.rows) + "x" +
                       std::to_string(c.array.cols) + " = " + std::to_string(pes) +
                       " PEs, more than simulation.mode structural wires (at most " + std::to_string(kMaxStructuralPes) +
                       " PEs, e.g. 512x512: one SystemC module per PE); fast and detailed mode take any size"});
}

// Rules of the run-time data path in the structural array and in the models
// that follow it only in part: each problem names the key and what is allowed.
void checkStructuralRules(StrictYaml& y, const SimConfig& c) {
    if (!y.problems().empty() || !peKind(c.pe.kind).revealsDataAtRunTime()) return;
    const bool structural = c.simulation.mode == SimMode::Structural;
    // A comparator slower than its lanes makes the array wait for data in a way
    // only the wired data path models.
    if (!structural && c.dataPath.comparatorValuesPerCycle < c.dataPath.lanesPerRow)
        y.problem("data_path.comparator_values_per_cycle",
                  std::to_string(c.dataPath.comparatorValuesPerCycle) + " values per cycle, fewer than lanes_per_row = " +
                      std::to_string(c.dataPath.lanesPerRow) + ", is modelled by simulation.mode structural only (allowed in " +
                      simModeName(c.simulation.mode) + " mode: " + std::to_string(c.dataPath.lanesPerRow) + "..4096)");
    if (!structural) return;
    // The wired data path runs real HESE encoders, and each array row's comparator
    // sees only that row's slice of a weight group, so data groups must not span rows.
    if (c.data.encoding != Encoding::Hese)
        y.problem("operands.data.encoding", encodingName(c.data.encoding) +
                                                " data go through HESE encoders in simulation.mode structural (allowed: hese)");
    if (c.weights.groupSize % c.data.groupSize != 0)
        y.problem("operands.data.group_size",
                  std::to_string(c.data.groupSize) + " does not divide operands.weights.group_size = " +
                      std::to_string(c.weights.groupSize) +
                      ": in simulation.mode structural a row's comparator sees one weight group's data (allowed: a divisor of " +
                      std::to_string(c.weights.groupSize) + ")");
}

AreaTable loadAreaTable(const std::string& path) {
    AreaTable t;
    t.path = path;
    t.entries = loadCostTable(path, {{"um2", 1.0}, {"mm2", 1e6}}, 1e12, requiredAreaEntries(), "every area table");
    return t;
}

SimConfig loadConfig(const std::string& path, const std::vector<std::string>& overrides) {
    YAML::Node root = loadYamlFile(path);
    if (!root.IsMap()) throw ConfigError({path + ": top level must be a map (allowed keys: " + joinWords(kTopKeys) + ")"});
    StrictYaml y(path);
    for (const auto& o : overrides) y.attribute(applyOverride(root, o), "--set " + printable(o));

    SimConfig c;
    c.configPath = path;
    y.onlyKeys(root, "", kTopKeys);

    c.tracePath = inputBeside(y, path, "trace", y.text(root, "", "trace", std::nullopt));

    const YAML::Node array = y.map(root, "", "array", true);
    y.onlyKeys(array, "array", {"rows", "cols", "dataflow", "link_latency", "area_mm2"});
    // Sized by area or by rows and cols; null or none leaves a key out (sweeps vary both ways).
    const auto given = [](const YAML::Node& n) { return n && !n.IsNull() && !(n.IsScalar() && n.Scalar() == "none"); };
    if (given(array["area_mm2"])) {
        // The area budget picks rows x cols once the area table is loaded (below).
        c.array.areaMm2 = y.number(array, "array", "area_mm2", 1e-6, 1e6, std::nullopt);
        for (const char* key : {"rows", "cols"})
            if (given(array[key]))
                y.problem(std::string("array.") + key,
                          "not allowed with array.area_mm2 (the area budget picks rows x cols; null or none leaves it out)");
    } else {
        c.array.rows = y.integer(array, "array", "rows", 1, 4096, std::nullopt);
        c.array.cols = y.integer(array, "array", "cols", 1, 4096, std::nullopt);
    }
    c.array.dataflow = y.choice(array, "array", "dataflow", {"weight_stationary", "output_stationary"},
                                std::string("weight_stationary")) == "weight_stationary"
                           ? Dataflow::WeightStationary
                           : Dataflow::OutputStationary;
    c.array.linkLatency = y.integer(array, "array", "link_latency", 1, 64, 1);

    const YAML::Node pe = y.map(root, "", "pe", true);
    y.onlyKeys(pe, "pe",
               {"kind", "coefficient_counters", "schedule", "term_pairs_per_cycle", "dnateq_exponent_bits", "weight_storage"});
    c.pe.kind = y.choice(pe, "pe", "kind", peKindNames(), std::nullopt);
    c.pe.dnateqExponentBits = y.integer(pe, "pe", "dnateq_exponent_bits", 1, 8, 4);
    c.pe.coefficientCounters = y.integer(pe, "pe", "coefficient_counters", 1, 64, 17);
    c.pe.schedule = y.choice(pe, "pe", "schedule", {"fixed", "lockstep"}, std::string("fixed")) == "fixed"
                        ? TrScheduleKind::Fixed
                        : TrScheduleKind::Lockstep;
    c.pe.termPairsPerCycle = y.integer(pe, "pe", "term_pairs_per_cycle", 1, 64, 1);
    c.pe.weightStorage = y.choice(pe, "pe", "weight_storage", {"terms", "values"}, std::string("terms")) == "terms"
                             ? WeightStorage::Terms
                             : WeightStorage::Values;

    const YAML::Node dataPath = y.map(root, "", "data_path", false);
    y.onlyKeys(dataPath, "data_path",
               {"lanes_per_row", "encoder_bits_per_cycle", "encoder_latency", "comparator_latency",
                "comparator_values_per_cycle"});
    c.dataPath.lanesPerRow = y.integer(dataPath, "data_path", "lanes_per_row", 1, 4096, 8);
    c.dataPath.encoderBitsPerCycle = y.integer(dataPath, "data_path", "encoder_bits_per_cycle", 0, 64, 0);
    c.dataPath.encoderLatency = y.integer(dataPath, "data_path", "encoder_latency", 0, 1000, 2);
    c.dataPath.comparatorLatency = y.integer(dataPath, "data_path", "comparator_latency", 0, 1000, 1);
    // Default: one value per lane, so the comparator keeps pace with the encoders.
    c.dataPath.comparatorValuesPerCycle =
        y.integer(dataPath, "data_path", "comparator_values_per_cycle", 1, 4096, c.dataPath.lanesPerRow);

    const YAML::Node operands = y.map(root, "", "operands", true);
    y.onlyKeys(operands, "operands", {"weights", "data", "outputs"});
    readOperand(y, operands, "weights", c);
    readOperand(y, operands, "data", c);
    const YAML::Node outputsOperand = y.map(operands, "operands", "outputs", false);
    y.onlyKeys(outputsOperand, "operands.outputs", {"precision"});
    if (outputsOperand && outputsOperand["precision"]) {
        const YAML::Node p = outputsOperand["precision"];
        const std::string text = p.IsScalar() ? p.Scalar() : std::string();
        if (text == "next_layer" || text == "partial_sums") {
            c.outputPrecision.kind = text == "next_layer" ? OutputPrecisionKind::NextLayer : OutputPrecisionKind::PartialSums;
        } else {
            const bool digits = !text.empty() && text.size() <= 2 && text.find_first_not_of("0123456789") == std::string::npos;
            const int bits = digits ? std::stoi(text) : 0;
            if (bits < 1 || bits > 32)
                y.problem("operands.outputs.precision", "'" + printable(text) +
                                                            "' is not allowed (allowed: next_layer, partial_sums, or "
                                                            "bits per output value 1..32)");
            c.outputPrecision.kind = OutputPrecisionKind::Bits;
            c.outputPrecision.bits = bits;
        }
    }

    c.clockMhz = y.number(root, "", "clock_mhz", 1, 1e5, std::nullopt);

    const YAML::Node buffers = y.map(root, "", "buffers", false);
    y.onlyKeys(buffers, "buffers", {"weights_kib", "data_kib", "outputs_kib"});
    c.buffers.weightsKib = y.number(buffers, "buffers", "weights_kib", 0.125, 1 << 20, c.buffers.weightsKib);
    c.buffers.dataKib = y.number(buffers, "buffers", "data_kib", 0.125, 1 << 20, c.buffers.dataKib);
    c.buffers.outputsKib = y.number(buffers, "buffers", "outputs_kib", 0.125, 1 << 20, c.buffers.outputsKib);

    const YAML::Node dram = y.map(root, "", "dram", false);
    y.onlyKeys(dram, "dram", {"bandwidth_gb_per_s"});
    c.dram.bandwidthGBps = y.number(dram, "dram", "bandwidth_gb_per_s", 1e-3, 1e5, c.dram.bandwidthGBps);

    const YAML::Node outputs = y.map(root, "", "outputs", false);
    y.onlyKeys(outputs, "outputs", {"save_layer_outputs", "vcd", "vcd_level", "term_histograms"});
    c.outputs.saveLayerOutputs = y.boolean(outputs, "outputs", "save_layer_outputs", false);
    // Relative to the config file, like every path in it.
    const std::string vcd = y.text(outputs, "outputs", "vcd", std::string());
    if (!vcd.empty()) c.outputs.vcdPath = resolveBeside(path, vcd).lexically_normal().string();
    c.outputs.termHistograms = y.boolean(outputs, "outputs", "term_histograms", true);
    c.outputs.vcdLevel = y.choice(outputs, "outputs", "vcd_level", {"step", "cycle"}, std::string("step")) == "cycle"
                             ? VcdLevel::Cycle
                             : VcdLevel::Step;

    const YAML::Node mapping = y.map(root, "", "mapping", false);
    y.onlyKeys(mapping, "mapping", {"depthwise"});
    c.mapping.depthwise = y.choice(mapping, "mapping", "depthwise", {"packed", "per_channel"}, std::string("packed")) ==
                                  "packed"
                              ? DepthwiseMapping::Packed
                              : DepthwiseMapping::PerChannel;

    const YAML::Node simulation = y.map(root, "", "simulation", false);
    y.onlyKeys(simulation, "simulation", {"mode", "progress", "layers", "threads"});
    const std::string mode =
        y.choice(simulation, "simulation", "mode", {"fast", "detailed", "structural"}, std::string("fast"));
    for (SimMode m : {SimMode::Fast, SimMode::Detailed, SimMode::Structural})
        if (simModeName(m) == mode) c.simulation.mode = m;
    c.simulation.progress = y.boolean(simulation, "simulation", "progress", true);
    c.simulation.layers = y.text(simulation, "simulation", "layers", std::string());
    try {
        parseLayerSelection(c.simulation.layers);
    } catch (const std::invalid_argument& e) {
        y.problem("simulation.layers", e.what());
    }
    c.simulation.threads = y.integer(simulation, "simulation", "threads", 1, 256, defaultThreads());

    const YAML::Node accuracy = y.map(root, "", "accuracy", false);
    y.onlyKeys(accuracy, "accuracy", {"score"});
    const std::string scoring = y.choice(accuracy, "accuracy", "score", {"auto", "cached", "off"}, std::string("auto"));
    for (AccuracyScoring s : {AccuracyScoring::Auto, AccuracyScoring::Cached, AccuracyScoring::Off})
        if (accuracyScoringName(s) == scoring) c.accuracy.score = s;

    // The kind's own rules across keys, on an otherwise valid config.
    if (y.problems().empty())
        peKind(c.pe.kind).validate(c, [&](const std::string& key, const std::string& message) { y.problem(key, message); });

    checkStructuralRules(y, c);
    checkCycleWaveform(y, c);
    // Last, on top of every other key: its entries start from them.
    c.perLayer = readPerLayer(y, root, c);

    const std::string energyTable = inputBeside(y, path, "energy_table", y.text(root, "", "energy_table", std::nullopt));
    const YAML::Node energy = y.map(root, "", "energy", false);
    // No area table: no area stats, and no sizing by area.
    const std::string areaText = y.text(root, "", "area_table", std::string());
    const std::string areaTable = areaText.empty() ? areaText : inputBeside(y, path, "area_table", areaText);
    if (c.array.areaMm2 && areaText.empty()) y.problem("array.area_mm2", "needs an area_table to size the array");
    y.throwIfAny();  // report structural problems before reading a second file

    c.energy = loadEnergyTable(energyTable);
    applyEnergyOverrides(y, energy, path, c.energy);
    y.throwIfAny();
    if (!areaTable.empty()) c.area = loadAreaTable(areaTable);
    if (c.array.areaMm2) sizeArrayToArea(c, path);
    checkStructuralSize(c, path);
    c.resolvedYaml = emitResolved(c, Emit::Everything);
    c.hash = fnv1aHex(emitResolved(c, Emit::HashedOnly));
    return c;
}

}  // namespace trsim
