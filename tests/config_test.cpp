// Config loading: every problem is reported with the file, the key path and
// what is allowed; valid files resolve to the typed values written in them.
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "sim/config/ConfigLoader.hpp"
#include "tests/support/TempDir.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

const std::string kSource = TRSIM_SOURCE_DIR;
const std::string kDefault = kSource + "/configs/default.yaml";

// Writes the default config with one line replaced (or appended) into a temp dir
// beside a copy of the energy table, so relative paths still resolve.
class ConfigFile {
public:
    explicit ConfigFile(const std::string& text) {
        fs::create_directories(dir_.path() / "energy");
        fs::copy_file(kSource + "/configs/energy/horowitz_45nm.yaml", dir_.path() / "energy/horowitz_45nm.yaml");
        fs::create_directories(dir_.path() / "area");
        fs::copy_file(kSource + "/configs/area/horowitz_45nm.yaml", dir_.path() / "area/horowitz_45nm.yaml");
        std::ofstream(dir_.path() / "t.yaml") << text;
    }
    std::string path() const { return dir_.file("t.yaml"); }
    fs::path dir() const { return dir_.path(); }

private:
    test_support::TempDir dir_;
};

std::string defaultText() {
    std::ifstream in(kDefault);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    // The trace path is relative to configs/; make it absolute for copies elsewhere.
    const std::string rel = "trace: ../traces/";
    const auto at = text.find(rel);
    if (at != std::string::npos) text.replace(at, rel.size(), "trace: " + kSource + "/traces/");
    return text;
}

std::string replaced(const std::string& from, const std::string& to) {
    std::string text = defaultText();
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return text;
}

std::string errorOf(const std::string& text, const std::vector<std::string>& sets = {}) {
    ConfigFile f(text);
    try {
        loadConfig(f.path(), sets);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ConfigLoader, DefaultConfigResolvesToItsValues) {
    const SimConfig c = loadConfig(kDefault);
    EXPECT_EQ(c.array.rows, 32);
    EXPECT_EQ(c.array.cols, 32);
    EXPECT_EQ(c.array.dataflow, Dataflow::WeightStationary);
    EXPECT_EQ(c.pe.kind, "tr");
    EXPECT_EQ(c.weights.encoding, Encoding::Hese);
    EXPECT_EQ(c.weights.groupSize, 8);
    EXPECT_EQ(*c.weights.budget, 12);
    EXPECT_EQ(c.data.groupSize, 1);
    ASSERT_TRUE(c.data.budget.has_value());
    EXPECT_EQ(*c.data.budget, 3);
    EXPECT_EQ(c.pe.schedule, TrScheduleKind::Fixed);
    EXPECT_EQ(c.pe.coefficientCounters, 17);
    EXPECT_EQ(c.simulation.mode, SimMode::Fast);
    EXPECT_DOUBLE_EQ(c.clockMhz, 150);
    EXPECT_DOUBLE_EQ(c.energy.pj("multiply_8b"), 0.2);
    EXPECT_EQ(c.hash.size(), 16u);
    EXPECT_NE(c.resolvedYaml.find("budget: 12"), std::string::npos);
}

TEST(ConfigLoader, MisspelledKeyIsNamedWithFileAndAllowedKeys) {
    ConfigFile f(replaced("group_size: 8", "group_sise: 8"));
    try {
        loadConfig(f.path());
        FAIL() << "accepted a misspelled key";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(f.path() + ": operands.weights.group_sise: unknown key"), std::string::npos) << msg;
        EXPECT_NE(msg.find("allowed here: bits, encoding, group_size, budget"), std::string::npos) << msg;
        // The real key is then missing too: both are reported at once.
        EXPECT_NE(msg.find("operands.weights.group_size: missing"), std::string::npos) << msg;
    }
}

TEST(ConfigLoader, UnknownTopLevelKey) {
    const std::string msg = errorOf(defaultText() + "clock_mhzz: 3\n");
    EXPECT_NE(msg.find("clock_mhzz: unknown key"), std::string::npos) << msg;
}

TEST(ConfigLoader, WrongTypesAndRanges) {
    EXPECT_NE(errorOf(replaced("rows: 32", "rows: many")).find("array.rows: 'many' is not an integer (allowed: 1..4096)"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("rows: 32", "rows: 0")).find("array.rows: 0 is out of range (allowed: 1..4096)"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("rows: 32", "rows: 3.5")).find("array.rows: '3.5' is not an integer"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("kind: tr", "kind: tpu")).find("pe.kind: 'tpu' is not allowed (allowed: mac, tr, stripes, pragmatic, laconic, dnateq)"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("encoding: hese", "encoding: csd"))
                  .find("operands.weights.encoding: 'csd' is not allowed (allowed: binary, hese, naf, booth4)"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("save_layer_outputs: false", "save_layer_outputs: maybe"))
                  .find("outputs.save_layer_outputs: 'maybe' is not a boolean"),
              std::string::npos);
    EXPECT_NE(errorOf(replaced("array:\n", "array: 5\nold_array:\n")).find("array: must be a map"), std::string::npos);
}

TEST(ConfigLoader, TooFewCoefficientCountersForTheEncodings) {
    const std::string msg = errorOf(replaced("coefficient_counters: 17", "coefficient_counters: 16"));
    EXPECT_NE(msg.find("pe.coefficient_counters: 16 is too few: hese weights of 8 bits times hese data of 8 bits "
                       "reach exponent sums up to 16 (allowed: 17..64)"),
              std::string::npos)
        << msg;
    // Binary 8-bit operands only reach 7 + 7.
    ConfigFile f(replaced("coefficient_counters: 17", "coefficient_counters: 15"));
    EXPECT_NO_THROW(loadConfig(f.path(), {"operands.weights.encoding=binary", "operands.data.encoding=binary"}));
}

TEST(ConfigLoader, BudgetNoneMeansNoBudget) {
    ConfigFile f(replaced("budget: 12", "budget: none"));
    const SimConfig c = loadConfig(f.path());
    EXPECT_FALSE(c.weights.budget.has_value());
    ASSERT_TRUE(c.data.budget.has_value());
}

TEST(ConfigLoader, MissingRequiredSectionIsReported) {
    std::string text = defaultText();
    text.replace(text.find("clock_mhz: 150"), 14, "");
    EXPECT_NE(errorOf(text).find("clock_mhz: missing (required)"), std::string::npos);
}

TEST(ConfigLoader, SetOverridesAreValidatedLikeFileKeys) {
    ConfigFile f(defaultText());
    const SimConfig c = loadConfig(f.path(), {"operands.data.budget=20", "array.rows=64"});
    EXPECT_EQ(*c.data.budget, 20);
    EXPECT_EQ(c.array.rows, 64);
    EXPECT_NE(c.hash, loadConfig(f.path()).hash);
    EXPECT_NE(errorOf(defaultText(), {"array.rowz=4"}).find("array.rowz: unknown key"), std::string::npos);
    EXPECT_NE(errorOf(defaultText(), {"array.rows"}).find("--set array.rows: expected KEY.PATH=VALUE"), std::string::npos);
    EXPECT_NE(errorOf(defaultText(), {"clock_mhz.x=1"}).find("is a single value or a list, not a map"), std::string::npos);
}

TEST(ConfigLoader, MissingFilesAreNamed) {
    EXPECT_THROW(loadConfig("/nonexistent/x.yaml"), ConfigError);
    const std::string msg = errorOf(replaced("energy_table: energy/horowitz_45nm.yaml", "energy_table: nope.yaml"));
    EXPECT_NE(msg.find("energy_table: '"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nope.yaml': file not found"), std::string::npos) << msg;
}

TEST(EnergyTable, EntriesNeedValueUnitAndSource) {
    ConfigFile f(defaultText());
    const fs::path table = f.dir() / "energy/horowitz_45nm.yaml";
    std::ofstream(table, std::ios::app) << "  extra:\n    value: 2\n    unit: mJ\n";
    try {
        loadEnergyTable(table.string());
        FAIL();
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("entries.extra.unit: 'mJ' is not allowed (allowed: pJ, fJ, nJ)"), std::string::npos) << m;
        EXPECT_NE(m.find("entries.extra.source: missing"), std::string::npos) << m;
    }
}

TEST(EnergyTable, UnitsAreNormalisedToPicojoules) {
    ConfigFile f(defaultText());
    const fs::path table = f.dir() / "energy/horowitz_45nm.yaml";
    std::ofstream(table, std::ios::app) << "  femto:\n    value: 500\n    unit: fJ\n    source: test\n";
    EXPECT_DOUBLE_EQ(loadEnergyTable(table.string()).pj("femto"), 0.5);
}

TEST(EnergyTable, RequiredEntryMissingIsNamed) {
    ConfigFile f(defaultText());
    const fs::path table = f.dir() / "energy/horowitz_45nm.yaml";
    std::ofstream(table) << "entries:\n  multiply_8b: {value: 1, unit: pJ, source: x}\n";
    try {
        loadEnergyTable(table.string());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("entries.term_pair: missing"), std::string::npos) << e.what();
    }
}


// simulation.layers changes what runs, so it enters the hash; left out (or empty), the hash is the one
// configs had before the key existed (sweep files resume across the change).
TEST(ConfigLoader, LayerSubsetEntersTheHashOnlyWhenSet) {
    ConfigFile f(defaultText());
    const SimConfig all = loadConfig(f.path());
    EXPECT_EQ(loadConfig(f.path(), {"simulation.layers=\"\""}).hash, all.hash);
    const SimConfig some = loadConfig(f.path(), {"simulation.layers=\"fc1,fc3\""});
    EXPECT_EQ(some.simulation.layers, "fc1,fc3");
    EXPECT_NE(some.hash, all.hash);
    EXPECT_NE(some.resolvedYaml.find("layers: fc1,fc3"), std::string::npos) << some.resolvedYaml;
    EXPECT_NE(errorOf(defaultText(), {"simulation.layers=\"2:1\""}).find("simulation.layers: '2:1': empty range"),
              std::string::npos);
}

// Issue 15: every energy table entry is a config key, settable like any other.
TEST(ConfigLoader, EnergyEntriesCanBeSet) {
    ConfigFile f(defaultText());
    const SimConfig base = loadConfig(f.path());
    const SimConfig c = loadConfig(f.path(), {"energy.multiply_8b.value=0.25"});
    EXPECT_DOUBLE_EQ(c.energy.pj("multiply_8b"), 0.25);
    EXPECT_NE(c.energy.entries.at("multiply_8b").source.find("energy.multiply_8b"), std::string::npos);
    EXPECT_DOUBLE_EQ(c.energy.pj("term_pair"), base.energy.pj("term_pair"));
    EXPECT_NE(c.hash, base.hash);
    const SimConfig fj = loadConfig(f.path(), {"energy.multiply_8b.value=250", "energy.multiply_8b.unit=fJ"});
    EXPECT_DOUBLE_EQ(fj.energy.pj("multiply_8b"), 0.25);
    EXPECT_NE(errorOf(defaultText(), {"energy.multiply_8b.value=-1"}).find("energy.multiply_8b.value: -1 is out of range"),
              std::string::npos);
}

// Issue 14: keys that change no simulated number do not change the hash (sweeps do not re-run for them).
TEST(ConfigLoader, OutputOnlyKeysLeaveTheHash) {
    ConfigFile f(defaultText());
    const SimConfig base = loadConfig(f.path());
    for (const std::string set : {"outputs.vcd=w.vcd", "simulation.progress=false", "simulation.mode=detailed",
                                  "accuracy.score=off", "accuracy.score=cached"}) {
        const SimConfig c = loadConfig(f.path(), {set});
        EXPECT_EQ(c.hash, base.hash) << set;
    }
    EXPECT_NE(loadConfig(f.path(), {"simulation.mode=detailed"}).resolvedYaml, base.resolvedYaml);
    const SimConfig cached = loadConfig(f.path(), {"accuracy.score=cached"});
    EXPECT_EQ(cached.accuracy.score, AccuracyScoring::Cached);
    EXPECT_EQ(base.accuracy.score, AccuracyScoring::Auto);
    EXPECT_NE(cached.resolvedYaml.find("score: cached"), std::string::npos);
    EXPECT_NE(loadConfig(f.path(), {"outputs.save_layer_outputs=true"}).hash, base.hash);
    EXPECT_NE(loadConfig(f.path(), {"clock_mhz=151"}).hash, base.hash);
}

// Issue 14: outputs.vcd is relative to the config file like every other path in it.
TEST(ConfigLoader, VcdPathIsRelativeToTheConfig) {
    ConfigFile f(defaultText());
    EXPECT_EQ(loadConfig(f.path(), {"outputs.vcd=w.vcd"}).outputs.vcdPath, (f.dir() / "w.vcd").string());
    EXPECT_EQ(loadConfig(f.path(), {"outputs.vcd=/abs/w.vcd"}).outputs.vcdPath, "/abs/w.vcd");
}

// Issue 14: a repeated key is an error naming the file, the key and both lines (yaml-cpp keeps the first silently).
TEST(ConfigLoader, RepeatedKeysAreRejectedWithBothLines) {
    std::string text = defaultText();
    const std::size_t line = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    const std::size_t clockLine = [&] {
        std::istringstream in(text);
        std::size_t n = 0;
        for (std::string l; std::getline(in, l);) {
            ++n;
            if (l.rfind("clock_mhz:", 0) == 0) return n;
        }
        return std::size_t{0};
    }();
    text += "clock_mhz: 0\n";
    const std::string msg = errorOf(text);
    EXPECT_NE(msg.find("t.yaml: clock_mhz: key given twice (lines " + std::to_string(clockLine) + " and " +
                       std::to_string(line + 1) + ")"),
              std::string::npos)
        << msg;
    const std::string nested = errorOf(replaced("  rows: 32\n", "  rows: 32\n  rows: 8\n"));
    EXPECT_NE(nested.find("array.rows: key given twice"), std::string::npos) << nested;
}

// Issue 14: input files that are not readable text files are named, never an uncaught exception.
TEST(ConfigLoader, UnreadableInputsAreNamed) {
    test_support::TempDir dir;
    fs::create_directory(dir.path() / "d.yaml");
    EXPECT_NE(errorOf(replaced("energy_table: energy/horowitz_45nm.yaml", "energy_table: " + dir.file("d.yaml")))
                  .find("d.yaml': is a directory"),
              std::string::npos);
    try {
        loadConfig(dir.file("d.yaml"));
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("d.yaml: is a directory"), std::string::npos) << e.what();
    }
    fs::create_symlink(dir.file("loop"), dir.file("loop"));
    const std::string loop = errorOf(replaced("trace: ", "trace: " + dir.file("loop") + "\nx_trace: "));
    EXPECT_NE(loop.find("loop': cannot be accessed: Too many levels of symbolic links"), std::string::npos) << loop;
    std::string withNul = defaultText() + "# a comment with a NUL: ";
    withNul.push_back('\0');
    withNul += "\n";
    const std::string nul = errorOf(withNul);
    EXPECT_NE(nul.find("contains a NUL byte"), std::string::npos) << nul;
}

}  // namespace
}  // namespace trsim
