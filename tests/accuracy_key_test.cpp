// The setting key of a configuration (the golden strings of
// traces/tests/test_scoring.py: both sides build the same key) and the lookup
// through the trace's score cache, with a reason whenever there is no value.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sim/config/ConfigLoader.hpp"
#include "sim/io/ScoreCache.hpp"
#include "sim/run/AccuracyKey.hpp"

namespace trsim {
namespace {

namespace fs = std::filesystem;

SimConfig config(const std::vector<std::string>& sets) {
    return loadConfig(std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml", sets);
}

TEST(AccuracyKey, GoldenKeysSharedWithThePythonScorer) {
    EXPECT_EQ(accuracySettingKey(config({})), "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone");
    // No budget: every term kept, encoding and group size do not change the arithmetic.
    EXPECT_EQ(accuracySettingKey(config({"operands.weights.encoding=naf", "operands.weights.group_size=4",
                                          "operands.weights.budget=none", "operands.data.encoding=booth4",
                                          "operands.data.group_size=2", "operands.data.budget=none"})),
              "w=exact:qnone;d=exact:qnone");
    EXPECT_EQ(accuracySettingKey(config({"operands.weights.encoding=binary", "operands.weights.group_size=16",
                                          "operands.weights.budget=20", "operands.data.budget=none"})),
              "w=binary:g16:k20:qnone;d=exact:qnone");
    // Exact PE kinds ignore the budgets; dnateq is not scored.
    for (const char* kind : {"mac", "stripes", "pragmatic", "laconic"})
        EXPECT_EQ(accuracySettingKey(config({std::string("pe.kind=") + kind})), "w=exact:qnone;d=exact:qnone") << kind;
    EXPECT_FALSE(accuracySettingKey(config({"pe.kind=dnateq"})).has_value());
}

class ScoreCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "trsim_scorecache_XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        trace_ = (dir_ / "t.h5").string();
        std::ofstream(trace_) << "0123456789";  // 10 bytes: only the size matters to the cache
    }
    void TearDown() override { fs::remove_all(dir_); }
    void writeCache(const std::string& body) { std::ofstream(scoreCachePath(trace_)) << body; }
    Trace trace() {
        Trace t;
        t.path = trace_;
        t.network = "net";
        t.source = "trained";
        t.metric = "accuracy";
        t.int8Metric = 0.9;
        t.scores = readScoreCache(trace_);
        return t;
    }
    fs::path dir_;
    std::string trace_;
};

TEST_F(ScoreCacheTest, ScoredSettingsAreFoundAndOthersSayHowToScoreThem) {
    writeCache("# comment\n# trace_bytes\t10\n# metric\taccuracy\n"
               "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone\t0.8125\t3.0\n");
    const Trace t = trace();
    EXPECT_TRUE(t.scores.present);
    EXPECT_EQ(t.scores.problem, "");
    const AccuracyLookup hit = lookupAccuracy(t, config({}));
    EXPECT_EQ(hit.value, 0.8125);
    EXPECT_NE(hit.note.find("score cache"), std::string::npos) << hit.note;
    const AccuracyLookup exact = lookupAccuracy(t, config({"pe.kind=mac"}));
    EXPECT_EQ(exact.value, 0.9);
    const AccuracyLookup miss = lookupAccuracy(t, config({"operands.weights.budget=8"}));
    EXPECT_FALSE(miss.value.has_value());
    EXPECT_NE(miss.note.find("traces/score.py setting '" + trace_ + "' 'w=hese:g8:k8:qnone;d=hese:g1:k3:qnone'"),
              std::string::npos)
        << miss.note;
}

TEST_F(ScoreCacheTest, StaleOrMalformedCachesGiveNoValueAndSayWhy) {
    writeCache("# trace_bytes\t11\nw=hese:g8:k12:qnone;d=hese:g1:k3:qnone\t0.8125\t3.0\n");
    AccuracyLookup l = lookupAccuracy(trace(), config({}));
    EXPECT_FALSE(l.value.has_value());
    EXPECT_NE(l.note.find("another version of the trace"), std::string::npos) << l.note;
    writeCache("# trace_bytes\t10\nw=hese:g8:k12:qnone;d=hese:g1:k3:qnone\tabc\t3.0\n");
    l = lookupAccuracy(trace(), config({}));
    EXPECT_FALSE(l.value.has_value());
    EXPECT_NE(l.note.find(scoreCachePath(trace_) + ":2: expected"), std::string::npos) << l.note;
}

TEST_F(ScoreCacheTest, UntrainedTracesSayTheyHaveNoMetric) {
    Trace t = trace();
    t.metric.clear();
    t.source = "synthetic";
    const AccuracyLookup l = lookupAccuracy(t, config({}));
    EXPECT_FALSE(l.value.has_value());
    EXPECT_NE(l.note.find("synthetic trace 'net' has no metric"), std::string::npos) << l.note;
}

}  // namespace
}  // namespace trsim
