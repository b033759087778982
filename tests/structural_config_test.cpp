// Config keys of the structural array and its micro-architecture knobs: their
// defaults, that the knobs reach the array spec, and the errors that name the key
// where a mode cannot follow a setting.
#include <gtest/gtest.h>

#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"

namespace trsim {
namespace {

const std::string kDefault = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";

std::string errorOf(const std::vector<std::string>& sets) {
    try {
        loadConfig(kDefault, sets);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(StructuralConfig, DefaultsKeepEveryModeOnTheSameTiming) {
    const SimConfig c = loadConfig(kDefault);
    EXPECT_EQ(c.array.linkLatency, 1);
    EXPECT_EQ(c.dataPath.comparatorValuesPerCycle, c.dataPath.lanesPerRow);
    EXPECT_EQ(arraySpecFromConfig(c).linkLatency, 1);
    const SimConfig s = loadConfig(kDefault, {"simulation.mode=structural", "array.link_latency=3",
                                              "data_path.lanes_per_row=4", "data_path.comparator_values_per_cycle=2"});
    EXPECT_EQ(s.simulation.mode, SimMode::Structural);
    EXPECT_EQ(arraySpecFromConfig(s).linkLatency, 3);
    const auto d = rowDataPathSpecFromConfig(s);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->lanes, 4);
    EXPECT_EQ(d->comparator.valuesPerCycle, 2);
    EXPECT_EQ(d->comparator.groupSize, s.data.groupSize);
    EXPECT_EQ(d->comparator.budget, s.data.budget);
    EXPECT_NE(s.resolvedYaml.find("mode: structural"), std::string::npos);
    EXPECT_NE(s.resolvedYaml.find("link_latency: 3"), std::string::npos);
    EXPECT_NE(s.hash, loadConfig(kDefault, {"simulation.mode=structural", "data_path.lanes_per_row=4"}).hash);
    EXPECT_FALSE(rowDataPathSpecFromConfig(loadConfig(kDefault, {"pe.kind=mac"})).has_value());
}

TEST(StructuralConfig, ASlowComparatorIsRejectedWhereOnlyTheWiredModelFollowsIt) {
    for (const std::string mode : {"fast", "detailed"}) {
        const std::string e = errorOf({"simulation.mode=" + mode, "data_path.comparator_values_per_cycle=2"});
        EXPECT_NE(e.find("data_path.comparator_values_per_cycle: 2 values per cycle, fewer than lanes_per_row = 8"),
                  std::string::npos)
            << e;
        EXPECT_NE(e.find("structural only"), std::string::npos) << e;
    }
    EXPECT_EQ(errorOf({"data_path.comparator_values_per_cycle=16"}), "");
    EXPECT_EQ(errorOf({"pe.kind=mac", "data_path.comparator_values_per_cycle=1"}), "");  // no data path
}

TEST(StructuralConfig, TheWiredDataPathNamesWhatItCannotRun) {
    std::string e = errorOf({"simulation.mode=structural", "operands.data.encoding=naf"});
    EXPECT_NE(e.find("operands.data.encoding: naf data go through HESE encoders"), std::string::npos) << e;
    e = errorOf({"simulation.mode=structural", "operands.data.group_size=3"});
    EXPECT_NE(e.find("operands.data.group_size: 3 does not divide operands.weights.group_size = 8"), std::string::npos)
        << e;
    EXPECT_EQ(errorOf({"simulation.mode=fast", "operands.data.group_size=3"}), "");
    e = errorOf({"array.link_latency=0"});
    EXPECT_NE(e.find("array.link_latency"), std::string::npos) << e;
    e = errorOf({"simulation.mode=wired"});
    EXPECT_NE(e.find("structural"), std::string::npos) << e;
}

}  // namespace
}  // namespace trsim
