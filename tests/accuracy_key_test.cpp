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

// A trace of named layers with declared bits (no operands: keys need names, bits and roles only).
Trace layered(const std::vector<std::pair<std::string, int>>& layers) {
    Trace t;
    t.path = "t.h5";
    for (std::size_t i = 0; i < layers.size(); ++i) {
        TraceLayer l;
        l.name = layers[i].first;
        l.index = static_cast<int>(i);
        l.wBits = l.xBits = layers[i].second;
        t.layers.push_back(l);
    }
    return t;
}

std::string perLayer(const std::string& entries) { return "per_layer=" + entries; }

// The same golden strings as traces/tests/test_scoring.py::test_per_layer_keys: both sides build them.
TEST(AccuracyKey, PerLayerGoldenKeysSharedWithThePythonScorer) {
    const std::vector<std::string> tr82{"operands.weights.budget=8", "operands.data.budget=2"};
    const auto key = [&](const Trace& t, const std::string& entries) {
        std::vector<std::string> sets = tr82;
        sets.push_back(perLayer(entries));
        return accuracySettingKey(config(sets), &t);
    };
    const Trace four = layered({{"stem", 8}, {"b1", 8}, {"b2", 8}, {"fc", 8}});
    // The exact-weight stem of the issue.
    EXPECT_EQ(key(four, "[{layers: stem, set: {operands.weights.budget: none}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|stem=w=exact:qnone;d=hese:g1:k2:qnone");
    // Two against two: the default is the setting met first in trace order, the others follow in trace order.
    EXPECT_EQ(key(four, "[{layers: 'fc,b1', set: {operands.weights.budget: 16, operands.data.budget: 3}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|b1=w=hese:g8:k16:qnone;d=hese:g1:k3:qnone|"
              "fc=w=hese:g8:k16:qnone;d=hese:g1:k3:qnone");
    EXPECT_EQ(key(four, "[{layers: 'stem,b1', set: {operands.data.quantize_bits: 6}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:q6|b2=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|"
              "fc=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone");
    // Most layers set apart: they are the default.
    EXPECT_EQ(key(four, "[{layers: '1:', set: {operands.weights.encoding: naf, operands.weights.group_size: 4}}]"),
              "w=naf:g4:k8:qnone;d=hese:g1:k2:qnone|stem=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone");
    // Entries that leave every layer alike key as that uniform setting (the committed caches stay valid).
    EXPECT_EQ(key(four, "[{layers: ':', set: {operands.weights.budget: 12, operands.data.budget: 3}}]"),
              "w=hese:g8:k12:qnone;d=hese:g1:k3:qnone");
    EXPECT_EQ(key(four, "[{layers: b1, set: {operands.weights.encoding: naf, operands.weights.budget: none}},"
                        " {layers: ':', set: {operands.weights.encoding: hese, operands.weights.budget: 8}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone");
    // QT at or above a layer's declared bits leaves it as it is: per layer, normalised away.
    const Trace mixed = layered({{"a", 8}, {"b", 6}, {"c", 8}});
    EXPECT_EQ(key(mixed, "[{layers: b, set: {operands.weights.quantize_bits: 6}}]"), "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone");
    EXPECT_EQ(key(mixed, "[{layers: 'a,b', set: {operands.weights.quantize_bits: 6}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|a=w=hese:g8:k8:q6;d=hese:g1:k2:qnone");
    // Names outside [A-Za-z0-9_.-] are percent-encoded.
    const Trace odd = layered({{"blk 1+x", 8}, {"layer1.0-conv_2", 8}, {"z", 8}});
    EXPECT_EQ(key(odd, "[{layers: 'blk*,layer1.0-conv_2', set: {operands.data.budget: none}}]"),
              "w=hese:g8:k8:qnone;d=exact:qnone|z=w=hese:g8:k8:qnone;d=hese:g1:k2:qnone");
    EXPECT_EQ(key(odd, "[{layers: 'blk*', set: {operands.data.budget: none}}]"),
              "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|blk%201%2Bx=w=hese:g8:k8:qnone;d=exact:qnone");
    // Exact PE kinds see only QT; without a trace a per-layer key cannot be named.
    EXPECT_EQ(accuracySettingKey(config({"pe.kind=mac", perLayer("[{layers: stem, set: {operands.weights.quantize_bits: 5}}]")}),
                                 &four),
              "w=exact:qnone;d=exact:qnone|stem=w=exact:q5;d=exact:qnone");
    EXPECT_FALSE(accuracySettingKey(config({perLayer("[{layers: stem, set: {operands.weights.budget: 4}}]")})).has_value());
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

// A per-layer setting is looked up by its per-layer key; the trace's own values (int8 metric, /tr_accuracy)
// serve only settings that are one setting on every layer.
TEST_F(ScoreCacheTest, PerLayerSettingsAreLookedUpByTheirKey) {
    writeCache("# trace_bytes\t10\n# metric\taccuracy\n"
               "w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|l0=w=exact:qnone;d=hese:g1:k2:qnone\t0.84\t3.0\n");
    Trace t = trace();
    for (const char* name : {"l0", "l1", "l2"}) {
        TraceLayer l;
        l.name = name;
        l.index = static_cast<int>(t.layers.size());
        t.layers.push_back(l);
    }
    const std::vector<std::string> tr82{"operands.weights.budget=8", "operands.data.budget=2"};
    auto sets = tr82;
    sets.push_back("per_layer=[{layers: first, set: {operands.weights.budget: none}}]");
    EXPECT_EQ(lookupAccuracy(t, config(sets)).value, 0.84);
    // Every layer exact through per_layer: the trace's int8 metric, as for the uniform exact config.
    sets = tr82;
    sets.push_back("per_layer=[{layers: ':', set: {operands.weights.budget: none, operands.data.budget: none}}]");
    EXPECT_EQ(lookupAccuracy(t, config(sets)).value, 0.9);
    sets = tr82;
    sets.push_back("per_layer=[{layers: last, set: {operands.weights.budget: none}}]");
    const AccuracyLookup miss = lookupAccuracy(t, config(sets));
    EXPECT_FALSE(miss.value.has_value());
    EXPECT_NE(miss.note.find("'w=hese:g8:k8:qnone;d=hese:g1:k2:qnone|l2=w=exact:qnone;d=hese:g1:k2:qnone'"),
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
