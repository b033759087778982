// per_layer (sim/config/PerLayer.hpp): reading and checking the entries, the hash, and resolving them on a
// trace's layers (later entries win, every key lands where its selection says, the kind's rules per
// layer), against expectations written out by hand.
#include <gtest/gtest.h>

#include <stdexcept>

#include "sim/config/ConfigLoader.hpp"
#include "sim/config/PerLayer.hpp"

namespace trsim {
namespace {

const std::string kDefault = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";

SimConfig load(const std::vector<std::string>& sets) { return loadConfig(kDefault, sets); }

std::string errorOf(const std::vector<std::string>& sets) {
    try {
        load(sets);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string perLayer(const std::string& entries) { return "per_layer=" + entries; }

// stem(first), a, b (depthwise), c_se (role se), d(last)
std::vector<SelectableLayer> layers() {
    return {{"stem", "first", false}, {"a", "", false}, {"b", "depthwise", true}, {"c_se", "se", false}, {"d", "", false}};
}

TEST(PerLayer, EveryKeyOfTheListCanBeSetAndOthersAreNamedErrors) {
    std::vector<std::string> keys;
    for (const PerLayerKey& k : perLayerKeys()) keys.push_back(k.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"operands.weights.encoding", "operands.weights.group_size",
                                              "operands.weights.budget", "operands.weights.quantize_bits",
                                              "operands.data.encoding", "operands.data.group_size",
                                              "operands.data.budget", "operands.data.quantize_bits"}));
    const SimConfig c = load({perLayer(
        "[{layers: a, set: {operands.weights.encoding: naf, operands.weights.group_size: 4, operands.weights.budget: none,"
        " operands.weights.quantize_bits: 6, operands.data.encoding: booth4, operands.data.group_size: 2,"
        " operands.data.budget: 5, operands.data.quantize_bits: 7}}]")});
    ASSERT_EQ(c.perLayer.size(), 1u);
    EXPECT_EQ(c.perLayer[0].set.size(), 8u);
    for (const char* bad : {"array.rows", "operands.weights.bits", "pe.kind", "clock_mhz", "operands.weights"}) {
        const std::string msg = errorOf({perLayer(std::string("[{layers: a, set: {") + bad + ": 4}}]")});
        EXPECT_NE(msg.find(std::string("per_layer[0].set.") + bad + ": cannot differ per layer (keys that can: "
                           "operands.weights.encoding"),
                  std::string::npos)
            << msg;
    }
}

TEST(PerLayer, ValuesAreCheckedLikeTheBaseKeys) {
    const struct {
        const char* set;
        const char* message;
    } cases[] = {
        {"operands.weights.budget: -1", "per_layer[0].set.operands.weights.budget: -1 is out of range (allowed: 0..1048576)"},
        {"operands.data.group_size: 0", "per_layer[0].set.operands.data.group_size: 0 is out of range (allowed: 1..4096)"},
        {"operands.weights.encoding: csd", "per_layer[0].set.operands.weights.encoding: 'csd' is not allowed"},
        {"operands.data.quantize_bits: 1", "per_layer[0].set.operands.data.quantize_bits: 1 is out of range (allowed: 2..16)"},
        {"operands.weights.budget: [1]", "per_layer[0].set.operands.weights.budget: must be a single value"},
    };
    for (const auto& c : cases) {
        const std::string msg = errorOf({perLayer(std::string("[{layers: a, set: {") + c.set + "}}]")});
        EXPECT_NE(msg.find(c.message), std::string::npos) << c.set << "\n" << msg;
        EXPECT_NE(msg.find("--set per_layer="), std::string::npos) << msg;  // names where the value came from
    }
}

TEST(PerLayer, TheListsShapeAndSelectionsAreChecked) {
    EXPECT_NE(errorOf({perLayer("{layers: a}")}).find("per_layer: must be a list of {layers: SELECTION"), std::string::npos);
    EXPECT_NE(errorOf({perLayer("[3]")}).find("per_layer[0]: must be a map with keys layers, set"), std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{set: {operands.weights.budget: 4}}]")}).find("per_layer[0].layers: missing"),
              std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: a}]")}).find("per_layer[0].set: missing"), std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: a, set: {}}]")}).find("per_layer[0].set: sets no key"), std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: a, sets: {}}]")}).find("per_layer[0].sets: unknown key (allowed here: layers, set)"),
              std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: '', set: {operands.weights.budget: 4}}]")}).find("per_layer[0].layers: selects no layer"),
              std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: '3:1', set: {operands.weights.budget: 4}}]")}).find("per_layer[0].layers: '3:1': empty range"),
              std::string::npos);
    EXPECT_NE(errorOf({perLayer("[{layers: 'a,,b', set: {operands.weights.budget: 4}}]")}).find("per_layer[0].layers: 'a,,b': empty layer name"),
              std::string::npos);
    EXPECT_EQ(errorOf({perLayer("[]")}), "");
}

// The kind's cross-key rules hold for each entry: HESE weights of 8 bits with booth4 data need more
// coefficient counters than pe.coefficient_counters = 10 gives.
TEST(PerLayer, TheKindsRulesApplyToEachEntry) {
    const std::string msg = errorOf({"pe.coefficient_counters=17",
                                     perLayer("[{layers: a, set: {operands.weights.encoding: binary}}]")});
    EXPECT_EQ(msg, "");
    const std::string tight = errorOf({"pe.coefficient_counters=17", "operands.weights.encoding=binary",
                                       "operands.data.encoding=binary",
                                       perLayer("[{layers: a, set: {operands.weights.encoding: hese, operands.data.encoding: hese}}]")});
    EXPECT_EQ(tight, "");
    const std::string over = errorOf({"pe.coefficient_counters=16", "operands.weights.encoding=binary",
                                      "operands.data.encoding=binary",
                                      perLayer("[{layers: a, set: {operands.weights.encoding: hese, operands.data.encoding: hese}}]")});
    EXPECT_NE(over.find("per_layer[0].set: with these values, pe.coefficient_counters: 16 is too few"), std::string::npos) << over;
}

TEST(PerLayer, StructuralModeAllowsOnlyWhatItsWiredDataPathKeeps) {
    EXPECT_EQ(errorOf({"simulation.mode=structural",
                       perLayer("[{layers: a, set: {operands.weights.budget: none, operands.weights.encoding: naf, "
                                "operands.weights.quantize_bits: 6, operands.data.quantize_bits: 5}}]")}),
              "");
    for (const char* key : {"operands.weights.group_size: 4", "operands.data.budget: 2", "operands.data.group_size: 2",
                            "operands.data.encoding: naf"}) {
        const std::string msg = errorOf({"simulation.mode=structural", perLayer(std::string("[{layers: a, set: {") + key + "}}]")});
        EXPECT_NE(msg.find("cannot differ per layer in simulation.mode structural"), std::string::npos) << key << msg;
    }
}

// per_layer enters the hash only when it has entries; the same entries written otherwise (key order, none
// spelled null) hash the same; any change of a value or a selection changes it.
TEST(PerLayer, EntersTheHashOnlyWhenSet) {
    const std::string base = load({}).hash;
    EXPECT_EQ(load({perLayer("[]")}).hash, base);
    const SimConfig one = load({perLayer("[{layers: stem, set: {operands.weights.budget: none, operands.data.budget: 2}}]")});
    EXPECT_NE(one.hash, base);
    EXPECT_EQ(load({perLayer("[{layers: stem, set: {operands.data.budget: 2, operands.weights.budget: ~}}]")}).hash, one.hash);
    EXPECT_NE(load({perLayer("[{layers: stem, set: {operands.weights.budget: none, operands.data.budget: 3}}]")}).hash, one.hash);
    EXPECT_NE(load({perLayer("[{layers: first, set: {operands.weights.budget: none, operands.data.budget: 2}}]")}).hash, one.hash);
    EXPECT_NE(one.resolvedYaml.find("per_layer: [{layers: stem, set: {operands.weights.budget: none, operands.data.budget: 2}}]"),
              std::string::npos)
        << one.resolvedYaml;
}

TEST(PerLayer, LaterEntriesWinLayerByLayer) {
    const SimConfig c = load({"operands.weights.budget=12", "operands.data.budget=3",
                              perLayer("[{layers: ':3', set: {operands.weights.budget: 8}},"
                                       " {layers: 'b,d', set: {operands.weights.budget: 4, operands.data.budget: none}},"
                                       " {layers: first, set: {operands.data.quantize_bits: 5}}]")});
    const std::vector<SimConfig> r = layerConfigs(c, layers());
    ASSERT_EQ(r.size(), 5u);
    // by hand: stem 8/3 q5, a 8/3, b 4/none, c_se 12/3 (untouched), d 4/none
    const struct {
        std::optional<int> w, d, dq;
    } want[] = {{8, 3, 5}, {8, 3, std::nullopt}, {4, std::nullopt, std::nullopt}, {12, 3, std::nullopt},
                {4, std::nullopt, std::nullopt}};
    for (std::size_t i = 0; i < r.size(); ++i) {
        EXPECT_EQ(r[i].weights.budget, want[i].w) << i;
        EXPECT_EQ(r[i].data.budget, want[i].d) << i;
        EXPECT_EQ(r[i].quantize.dataBits, want[i].dq) << i;
        EXPECT_EQ(r[i].weights.groupSize, c.weights.groupSize) << i;  // keys no entry sets stay the run's
        EXPECT_EQ(r[i].array.rows, c.array.rows);
    }
}

TEST(PerLayer, SelectionsThatSelectNothingAreNamedAtResolution) {
    const struct {
        const char* layers;
        const char* message;
    } cases[] = {
        {"conv9", "per_layer[1].layers = 'conv9': no layer named 'conv9' (the trace's layers: stem, a, b, c_se, d)"},
        {"x*", "per_layer[1].layers = 'x*': 'x*' matches no layer"},
        {"'9:'", "per_layer[1].layers = '9:': range selects no layer (the trace has 5 layers"},
    };
    for (const auto& k : cases) {
        const SimConfig c = load({perLayer(std::string("[{layers: a, set: {operands.weights.budget: 4}}, {layers: ") + k.layers +
                                           ", set: {operands.weights.budget: 5}}]")});
        try {
            layerConfigs(c, layers());
            FAIL() << k.layers;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(k.message), std::string::npos) << e.what();
        }
    }
    // A role the trace lacks.
    const SimConfig c = load({perLayer("[{layers: depthwise, set: {operands.weights.budget: 4}}]")});
    EXPECT_THROW(layerConfigs(c, {{"x", "", false}, {"y", "", false}}), std::invalid_argument);
}

}  // namespace
}  // namespace trsim
