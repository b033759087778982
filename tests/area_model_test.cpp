// The area model: the table loads strictly, primitives pass through their
// anchors, components follow their formulas at the design's widths, and an
// area-sized array fits its budget while one more row and column would not.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "modules/functional/RevealedOperand.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "tests/support/TempDir.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

const std::string kSource = TRSIM_SOURCE_DIR;
const std::string kDefault = kSource + "/configs/default.yaml";
const std::string kAreaTable = kSource + "/configs/area/horowitz_45nm.yaml";

// The component called `name` (each and count), or a zero one.
AreaComponent part(const SimConfig& c, const std::string& name) {
    const auto area = areaOf(c);
    for (const AreaComponent& p : area->parts)
        if (p.name == name) return p;
    return AreaComponent{name, 0, 0};
}

TEST(AreaModel, PrimitivesPassThroughTheHorowitzAnchors) {
    const AreaTable t = loadAreaTable(kAreaTable);
    EXPECT_DOUBLE_EQ(adderUm2(t, 8), 36);
    EXPECT_DOUBLE_EQ(adderUm2(t, 32), 137);
    EXPECT_NEAR(multiplierUm2(t, 8, 8), 282, 1e-9);
    EXPECT_NEAR(multiplierUm2(t, 32, 32), 3495, 1e-9);
    // Power law in a*b: 4 x 4 has a quarter of 8 x 8's partial products.
    const double alpha = std::log(3495.0 / 282.0) / std::log(16.0);
    EXPECT_NEAR(multiplierUm2(t, 4, 4), 282 * std::pow(0.25, alpha), 1e-9);
    EXPECT_NEAR(multiplierUm2(t, 4, 4), 80.0, 0.5);
    EXPECT_DOUBLE_EQ(registerUm2(t, 10), 43);
}

TEST(AreaModel, MacFollowsTheDesignWidths) {
    const AreaTable t = loadAreaTable(kAreaTable);
    // 8 x 8 with a 32-bit accumulator: mult + 32-bit add + 48 register bits.
    SimConfig c = loadConfig(kDefault, {"pe.kind=mac"});
    EXPECT_NEAR(part(c, "pe").eachUm2, 282 + 137 + 48 * 4.3, 1e-9);
    EXPECT_EQ(part(c, "pe").count, 32 * 32);
    // QT at 4 bits: 4 x 4 mult, 24-bit accumulator, 32 register bits.
    c = loadConfig(kDefault, {"pe.kind=mac", "operands.weights.quantize_bits=4", "operands.data.quantize_bits=4"});
    EXPECT_NEAR(part(c, "pe").eachUm2, multiplierUm2(t, 4, 4) + adderUm2(t, 24) + 32 * 4.3, 1e-9);
    EXPECT_EQ(areaOf(c)->parts.size(), 1u);  // no data path in front of a MAC array
    // SRAM: 256 + 256 + 128 KiB at 4720 um^2 per KiB.
    EXPECT_NEAR(areaOf(c)->sramMm2, 640 * 4720e-6, 1e-12);
    EXPECT_NEAR(areaOf(c)->totalMm2(), part(c, "pe").mm2() + areaOf(c)->sramMm2, 1e-12);
    for (int b = 2; b < 16; ++b) {
        const auto at = [&](int bits) {
            return part(loadConfig(kDefault, {"pe.kind=mac", "operands.weights.quantize_bits=" + std::to_string(bits),
                                                "operands.data.quantize_bits=" + std::to_string(bits)}),
                        "pe")
                .eachUm2;
        };
        EXPECT_LT(at(b), at(b + 1)) << b;
    }
}

TEST(AreaModel, TmacCountsItsCountersTermSlotsAndRowDataPath) {
    const AreaTable t = loadAreaTable(kAreaTable);
    const SimConfig c = loadConfig(kDefault);  // tr, HESE, g = 8, k = 12, 3 data terms, 17 counters
    // Exponent sums up to 16: a 5-bit adder; slot 36 pairs: 7-bit up/down counters;
    // 12 slots x 8 bits of weight terms + a 5-bit data term + a 32-bit sum.
    const double counter = adderUm2(t, 7) + 7 * 4.3;
    EXPECT_NEAR(part(c, "pe").eachUm2, adderUm2(t, 5) + 17 * counter + 137 + (96 + 5 + 32) * 4.3, 1e-9);
    // Row: 8 HESE lanes (18 muxes, 8 input bits + the most terms of an 8-bit value,
    // 5 bits each) and a top-3 comparator.
    const double lane = 18 * 1.7 + (8 + maxTermsPerValue(Encoding::Hese, 8) * 5) * 4.3;
    const double comparator = 3 * (adderUm2(t, 4) + 5 * 4.3);
    EXPECT_NEAR(part(c, "hese_encoder_lane").eachUm2, lane, 1e-9);
    EXPECT_EQ(part(c, "hese_encoder_lane").count, 32 * 8);
    EXPECT_NEAR(part(c, "term_comparator").eachUm2, comparator, 1e-9);
    EXPECT_EQ(part(c, "term_comparator").count, 32);
    // Conventional mode (no data budget) has no comparator.
    EXPECT_EQ(part(loadConfig(kDefault, {"operands.data.budget=none"}), "term_comparator").count, 0);
}

TEST(AreaModel, SizedArrayFitsItsBudgetAndOneMoreWouldNot) {
    for (const char* kind : {"mac", "tr", "stripes", "pragmatic", "laconic"})
        for (double budget : {0.05, 0.3, 1.0, 2.5}) {
            const SimConfig c = loadConfig(kDefault, {std::string("pe.kind=") + kind, "array.rows=null", "array.cols=null",
                                                      "array.area_mm2=" + std::to_string(budget)});
            ASSERT_EQ(c.array.rows, c.array.cols);
            const int n = c.array.rows;
            EXPECT_LE(areaOf(c)->logicMm2(), budget) << kind;
            const SimConfig bigger = loadConfig(kDefault, {std::string("pe.kind=") + kind, "array.rows=" + std::to_string(n + 1),
                                                           "array.cols=" + std::to_string(n + 1)});
            EXPECT_GT(areaOf(bigger)->logicMm2(), budget) << kind << " " << budget;
            EXPECT_EQ(c.array.areaMm2, budget);
            EXPECT_NE(c.resolvedYaml.find("area_mm2:"), std::string::npos);
        }
}

TEST(AreaModel, SizingErrorsNameTheKey) {
    auto message = [](std::vector<std::string> sets) {
        try {
            loadConfig(kDefault, sets);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message({"array.area_mm2=1"}).find("array.rows: not allowed with array.area_mm2"), std::string::npos);
    EXPECT_NE(message({"array.area_mm2=0.0001", "array.rows=null", "array.cols=null"})
                  .find("array.area_mm2: 0.000100 mm2 does not fit one tr PE"),
              std::string::npos);
    EXPECT_NE(message({"pe.kind=dnateq", "array.area_mm2=1", "array.rows=null", "array.cols=null"})
                  .find("pe.kind dnateq has no area model"),
              std::string::npos);
    EXPECT_NE(message({"area_table=", "array.area_mm2=1", "array.rows=null", "array.cols=null"})
                  .find("array.area_mm2: needs an area_table"),
              std::string::npos);
}

TEST(AreaModel, TableLoadsStrictly) {
    test_support::TempDir dir;
    const fs::path table = dir.path() / "area.yaml";
    std::ofstream(table) << "entries:\n  add_8b: {value: 36, unit: um, source: x}\n  add_32b: {value: 1, unit: mm2, source: ''}\n"
                            "  extra: {value: 1, unit: um2, source: y, note: z}\n";
    try {
        loadAreaTable(table.string());
        FAIL();
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("entries.add_8b.unit"), std::string::npos) << m;
        EXPECT_NE(m.find("entries.add_32b.source: must not be empty"), std::string::npos) << m;
        EXPECT_NE(m.find("entries.extra.note: unknown key"), std::string::npos) << m;
        EXPECT_NE(m.find("entries.sram_kib: missing"), std::string::npos) << m;
    }
    std::ofstream(table) << "entries:\n  add_8b: {value: 0.5, unit: mm2, source: x}\n";
    try {
        loadAreaTable(table.string());
    } catch (const ConfigError&) {
    }
}

}  // namespace
}  // namespace trsim
