// The energy model (sim/run/EnergyModel.hpp) on hand-made layer outcomes, against hand computations:
// SRAM access energy at two buffer sizes (the sqrt-capacity rule through Horowitz's points), static
// energy = leakage power density x area x time (and linear in cycles), the output stage, the two TR
// weight storages' costs, and components that add up to the total.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/run/EnergyModel.hpp"

namespace trsim {
namespace {

const std::string kDefault = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";

SimConfig config(std::vector<std::string> sets = {}) {
    sets.push_back("simulation.progress=false");
    return loadConfig(kDefault, sets);
}

std::map<std::string, double> byAction(const std::vector<ActionEnergy>& actions) {
    std::map<std::string, double> pj;
    for (const ActionEnergy& a : actions) pj[a.action] += a.pj();
    return pj;
}

TEST(EnergyModel, SramAccessFollowsTheSquareRootOfCapacityThroughHorowitzsPoints) {
    const SimConfig c = config();
    // 20 pJ at 32 KiB (the anchor); 8 KiB: 20 * sqrt(1/4) = 10 pJ (Horowitz: 10); 1 MiB: 20 * sqrt(32) = 113 (100).
    EXPECT_DOUBLE_EQ(sramAccessPj(c.energy, "sram_read_64b", 32), 20.0);
    EXPECT_DOUBLE_EQ(sramAccessPj(c.energy, "sram_read_64b", 8), 10.0);
    EXPECT_NEAR(sramAccessPj(c.energy, "sram_read_64b", 1024), 113.137, 1e-3);
    // A layer's buffer accesses are priced at each buffer's own size: 256 KiB weights, 128 KiB outputs.
    LayerOutcome o;
    o.traffic.sramReadsByBuffer = {10, 0, 0};
    o.traffic.sramWritesByBuffer = {0, 0, 3};
    const auto pj = byAction(layerEnergy(c, o, 0));
    EXPECT_NEAR(pj.at("sram_read_weights"), 10 * 20 * std::sqrt(8.0), 1e-9);   // 565.7 pJ
    EXPECT_NEAR(pj.at("sram_write_outputs"), 3 * 20 * std::sqrt(4.0), 1e-9);  // 120 pJ
    const SimConfig small = config({"buffers.weights_kib=8"});
    EXPECT_NEAR(byAction(layerEnergy(small, o, 0)).at("sram_read_weights"), 10 * 10.0, 1e-9);
}

TEST(EnergyModel, StaticIsLeakageDensityTimesAreaTimesTimeAndLinearInCycles) {
    const SimConfig c = config();
    const auto area = areaOf(c);
    ASSERT_TRUE(area.has_value());
    // 1,000 cycles at 150 MHz = 6.667 us; mW * us = nJ.
    const double us = 1000 / 150.0;
    const double expected = (area->logicMm2() * 17.8 + area->sramMm2 * 10.7) * us * 1e3;  // pJ
    const LayerOutcome o;
    const auto pj = byAction(layerEnergy(c, o, 1000));
    EXPECT_NEAR(pj.at("leakage_logic") + pj.at("leakage_sram"), expected, 1e-6 * expected);
    EXPECT_NEAR(leakagePowerMw(c), area->logicMm2() * 17.8 + area->sramMm2 * 10.7, 1e-9);
    // Twice the cycles, twice the static energy.
    const auto twice = byAction(layerEnergy(c, o, 2000));
    EXPECT_NEAR(twice.at("leakage_logic"), 2 * pj.at("leakage_logic"), 1e-9 * pj.at("leakage_logic"));
    EXPECT_NEAR(twice.at("leakage_sram"), 2 * pj.at("leakage_sram"), 1e-9 * pj.at("leakage_sram"));
    // No area model (dnateq): no static energy.
    EXPECT_EQ(byAction(layerEnergy(config({"pe.kind=dnateq"}), o, 1000)).count("leakage_logic"), 0u);
}

TEST(EnergyModel, OutputStagePricesEveryRequantizedOutput) {
    LayerOutcome o;
    o.traffic.outputsRequantized = 640;
    EXPECT_DOUBLE_EQ(byAction(layerEnergy(config(), o, 0)).at("requantize_output"), 640 * 0.33);
}

TEST(EnergyModel, ComponentsAreDisjointAndAddUpToTheTotal) {
    LayerOutcome o;
    o.counters.termPairs = 100;
    o.counters.groupsFlushed = 10;
    o.dataValues = 20;
    o.dataEncodedTerms = 40;
    o.traffic.dramReadBytes = 5;
    o.traffic.dramWriteBytes = 2;
    o.traffic.sramReadsByBuffer = {1, 2, 3};
    const SimConfig c = config();
    std::map<std::string, double> component;
    double total = 0;
    for (const ActionEnergy& a : layerEnergy(c, o, 50)) {
        component[a.component] += a.pj();
        total += a.pj();
    }
    EXPECT_DOUBLE_EQ(component["pe_compute"], 100 * 0.06 + 10 * 0.5);
    EXPECT_DOUBLE_EQ(component["pe_clock"], 32 * 32 * 50 * 0.02);
    EXPECT_DOUBLE_EQ(component["encoder"], 20 * 0.12);
    EXPECT_DOUBLE_EQ(component["comparator"], 40 * 0.015);
    EXPECT_DOUBLE_EQ(component["dram"], 7 * 8 * 20.0);
    EXPECT_EQ(component.size(), 7u);  // no output stage here; every other component present
    double sum = 0;
    for (const std::string& name : energyComponents()) sum += component[name];
    EXPECT_DOUBLE_EQ(sum, total);
}

// pe.weight_storage: terms stores k slots per group (12 bits per weight at 12 x 3, HESE, g = 8) and has no
// weight-path hardware; values stores 8-bit weights and pays an encoder and comparator on the weight path.
TEST(EnergyModel, TrWeightStorageChoicesCostWhatTheySay) {
    const SimConfig terms = config();
    const SimConfig values = config({"pe.weight_storage=values"});
    IntTensor w({4, 8});
    for (std::size_t i = 0; i < w.data.size(); ++i) w.data[i] = static_cast<int64_t>(i) - 16;  // -16..15
    IntTensor x({2, 8});
    EXPECT_DOUBLE_EQ(*peKindOf(terms).prepareLayer(terms, x, w).weightStoredBits, 12.0);
    EXPECT_FALSE(peKindOf(values).prepareLayer(values, x, w).weightStoredBits.has_value());  // packed: 5 bits
    EXPECT_TRUE(peKindOf(values).prepareLayer(values, x, w).weightsRevealedAtLoad);
    // Energy: 96 weights loaded into the array, 1.5 terms each before TR: 96 encodings, 144 comparisons.
    LayerOutcome o;
    o.traffic.arrayValues.weights = 96;
    o.weightValues = 32;
    o.weightEncodedTerms = 48;
    const auto t = byAction(layerEnergy(terms, o, 0));
    const auto v = byAction(layerEnergy(values, o, 0));
    EXPECT_EQ(t.count("weight_hese_encode"), 0u);
    EXPECT_DOUBLE_EQ(v.at("weight_hese_encode"), 96 * 0.12);
    EXPECT_DOUBLE_EQ(v.at("weight_term_compare"), 144 * 0.015);
    // Area: per column g = 8 encoder lanes and a comparator keeping k = 12 terms; the PEs are the same.
    const auto at = areaOf(terms), av = areaOf(values);
    double lanes = 0, comparators = 0, pes = 0, pesTerms = 0;
    for (const AreaComponent& p : av->parts) {
        if (p.name == "weight_encoder_lane") lanes = p.count;
        if (p.name == "weight_term_comparator") comparators = p.count;
        if (p.name == "pe") pes = p.mm2();
    }
    for (const AreaComponent& p : at->parts)
        if (p.name == "pe") pesTerms = p.mm2();
    EXPECT_EQ(lanes, 32 * 8);
    EXPECT_EQ(comparators, 32);
    EXPECT_DOUBLE_EQ(pes, pesTerms);
    EXPECT_GT(av->logicMm2(), at->logicMm2());
}

}  // namespace
}  // namespace trsim
