// Which model quality a run reports: the 8-bit metric for exact PEs, the
// matching /tr_accuracy row for tr, nothing where the trace cannot say.
#include <gtest/gtest.h>

#include "sim/config/ConfigLoader.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {
namespace {

Trace traceWithTable() {
    Trace t;
    t.metric = "accuracy";
    t.int8Metric = 0.875;
    t.trAccuracy = {{"hese", "hese", 8, 1, 12, 3, 0.861},
                    {"hese", "hese", 8, 1, 8, 2, 0.80},
                    {"hese", "hese", 8, 1, std::nullopt, std::nullopt, 0.875}};
    return t;
}

SimConfig config(const std::vector<std::string>& sets) {
    return loadConfig(std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml", sets);
}

TEST(AccuracyLookup, TrSettingsFindTheirRow) {
    const Trace t = traceWithTable();
    EXPECT_EQ(accuracyFor(t, config({})), 0.861);  // default: hese 8/12, data 1/3
    EXPECT_EQ(accuracyFor(t, config({"operands.weights.budget=8", "operands.data.budget=2"})), 0.80);
    EXPECT_EQ(accuracyFor(t, config({"operands.weights.budget=none", "operands.data.budget=none"})), 0.875);
    EXPECT_FALSE(accuracyFor(t, config({"operands.weights.budget=9"})).has_value());
    EXPECT_FALSE(accuracyFor(t, config({"operands.weights.encoding=naf"})).has_value());
    // No budget on either operand keeps every term: the 8-bit metric, whatever the encoding.
    EXPECT_EQ(accuracyFor(t, config({"operands.weights.encoding=binary", "operands.weights.budget=none",
                                     "operands.data.budget=none"})),
              0.875);
}

TEST(AccuracyLookup, ExactPesReportThe8BitMetricAndDnaTeqNothing) {
    const Trace t = traceWithTable();
    for (const char* kind : {"mac", "stripes", "pragmatic", "laconic"})
        EXPECT_EQ(accuracyFor(t, config({std::string("pe.kind=") + kind})), 0.875) << kind;
    EXPECT_FALSE(accuracyFor(t, config({"pe.kind=dnateq"})).has_value());
    EXPECT_FALSE(accuracyFor(Trace{}, config({"pe.kind=mac"})).has_value());
}

}  // namespace
}  // namespace trsim
