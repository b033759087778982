// Which model quality a run reports: the 8-bit metric for exact PEs, the
// matching /tr_accuracy row for tr, nothing where the trace cannot say.
#include <gtest/gtest.h>

#include "sim/config/ConfigLoader.hpp"
#include "sim/run/AccuracyKey.hpp"
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

// A trace with the authors' published values answers from them alone: the row
// whose key is the config's, NaN with the reason for any other setting (even one
// its own metric or /tr_accuracy would answer), and the rows' unit.
TEST(AccuracyLookup, PublishedRowsAnswerTheirOwnSettingsOnly) {
    Trace t = traceWithTable();
    t.network = "resnet18_paper";
    t.published.metric = "accuracy_percent";
    t.published.source = "their results.json";
    t.published.rows = {{"w=exact:q7;d=exact:qnone", "QT wb=8 db=8", 69.62},
                        {"w=hese:g8:k12:qnone;d=hese:g1:k3:qnone", "TR g=8 k=12 s=3", 69.5},
                        {"", "QT wb=2 (not expressible)", 1.0}};
    const auto qt = lookupAccuracy(t, config({"operands.weights.encoding=binary", "operands.data.encoding=binary",
                                              "operands.weights.budget=none", "operands.data.budget=none",
                                              "operands.weights.quantize_bits=7"}));
    EXPECT_EQ(qt.value, 69.62);
    EXPECT_NE(qt.note.find("QT wb=8 db=8"), std::string::npos) << qt.note;
    EXPECT_EQ(accuracyFor(t, config({})), 69.5);  // default: hese 8/12, data 1/3
    // The MAC array at the same QT has the same arithmetic, so the same key and value.
    EXPECT_EQ(accuracyFor(t, config({"pe.kind=mac", "operands.weights.quantize_bits=7"})), 69.62);
    // 8x2 is in /tr_accuracy, and no QT is the int8 metric, but the authors published neither.
    for (const auto& sets : std::vector<std::vector<std::string>>{
             {"operands.weights.budget=8", "operands.data.budget=2"},
             {"operands.weights.budget=none", "operands.data.budget=none"}}) {
        const auto none = lookupAccuracy(t, config(sets));
        EXPECT_FALSE(none.value.has_value());
        EXPECT_NE(none.note.find("none of the 3 settings the authors published"), std::string::npos) << none.note;
    }
    EXPECT_EQ(accuracyMetric(t), "accuracy_percent");
    EXPECT_EQ(accuracyMetric(traceWithTable()), "accuracy");
    EXPECT_EQ(accuracyMetric(Trace{}), "metric");
}

}  // namespace
}  // namespace trsim
