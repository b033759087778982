// Sweep files: expansion order of product and zip, lists of blocks (their union,
// repeated points once), and errors naming the block, key or point.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/config/ConfigError.hpp"
#include "sim/sweep/SweepSpec.hpp"
#include "tests/support/TempDir.hpp"

namespace trsim {
namespace {
namespace fs = std::filesystem;

class SweepFile {
public:
    explicit SweepFile(const std::string& body) {
        path_ = dir_.file("sweep.yaml");
        std::ofstream(path_) << "base: " << TRSIM_SOURCE_DIR << "/configs/default.yaml\n" << body;
    }
    const std::string& path() const { return path_; }

private:
    test_support::TempDir dir_;
    std::string path_;
};

std::string errorOf(const std::string& body) {
    SweepFile f(body);
    try {
        loadSweep(f.path());
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(SweepSpec, ProductFirstKeySlowestThenZip) {
    SweepFile f(
        "set:\n  simulation.progress: false\n"
        "sweep:\n  product:\n    array.rows: [8, 16]\n    pe.kind: [tr, mac]\n"
        "  zip:\n    operands.weights.budget: [4, none]\n    operands.data.budget: [1, 2]\n");
    const SweepSpec s = loadSweep(f.path());
    EXPECT_EQ(s.sweptKeys, (std::vector<std::string>{"array.rows", "pe.kind", "operands.weights.budget",
                                                     "operands.data.budget"}));
    ASSERT_EQ(s.points.size(), 8u);
    EXPECT_EQ(s.points[0].values, (std::vector<std::string>{"8", "tr", "4", "1"}));
    EXPECT_EQ(s.points[1].values, (std::vector<std::string>{"8", "tr", "none", "2"}));
    EXPECT_EQ(s.points[2].values, (std::vector<std::string>{"8", "mac", "4", "1"}));
    EXPECT_EQ(s.points[7].values, (std::vector<std::string>{"16", "mac", "none", "2"}));
    EXPECT_EQ(s.points[7].keys, s.sweptKeys);
    EXPECT_EQ(s.points[5].overrides,
              (std::vector<std::string>{"simulation.progress=false", "array.rows=16", "pe.kind=tr",
                                        "operands.weights.budget=none", "operands.data.budget=2"}));
    for (std::size_t i = 0; i < s.points.size(); ++i) {
        EXPECT_EQ(s.points[i].index, static_cast<int>(i));
        EXPECT_EQ(s.points[i].configHash.size(), 16u);
        for (std::size_t j = 0; j < i; ++j) EXPECT_NE(s.points[i].configHash, s.points[j].configHash);
    }
}

TEST(SweepSpec, ZipListsMustBeEquallyLong) {
    const std::string msg = errorOf("sweep:\n  zip:\n    array.rows: [8, 16]\n    array.cols: [8]\n");
    EXPECT_NE(msg.find("sweep.zip.array.cols: has 1 values but sweep.zip.array.rows has 2"), std::string::npos) << msg;
}

TEST(SweepSpec, UnknownKeysAndBadValuesAreNamed) {
    EXPECT_NE(errorOf("sweep:\n  prodct:\n    array.rows: [8]\n").find("sweep.prodct: unknown key (allowed here: product, zip)"),
              std::string::npos);
    EXPECT_NE(errorOf("sweep:\n  product:\n    array.rows: 8\n").find("sweep.product.array.rows: must be a non-empty list"),
              std::string::npos);
    // A list value reaches the point's config (per_layer takes one), which names the key that does not.
    EXPECT_NE(errorOf("sweep:\n  product:\n    array.rows: [[8]]\n").find("array.rows: must be a single value, not a list"),
              std::string::npos);
    EXPECT_NE(errorOf("sweep: {}\n").find("needs a product or a zip block"), std::string::npos);
}

TEST(SweepSpec, APointsConfigProblemNamesThePoint) {
    const std::string msg = errorOf("sweep:\n  product:\n    array.rows: [8, 0]\n    array.colz: [4]\n");
    EXPECT_NE(msg.find("point 0 (array.rows=8, array.colz=4)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("array.colz: unknown key"), std::string::npos) << msg;
    EXPECT_NE(msg.find("point 1 (array.rows=0, array.colz=4)"), std::string::npos) << msg;
}

TEST(SweepSpec, PointsResolvingToOneConfigAreRejected) {
    // Two spellings of one trace path resolve to the same file.
    const std::string msg = errorOf(
        "sweep:\n  product:\n    trace: [../traces/bundled/mlp_fashion_mnist.h5, "
        "../traces/./bundled/mlp_fashion_mnist.h5]\n");
    EXPECT_NE(msg.find("resolve to the same config"), std::string::npos) << msg;
}

TEST(SweepSpec, ABlockListRunsTheUnionOfItsBlocksOnce) {
    // Block 0: 2 x 2 = 4 points; block 1: a zip of 3, whose first point (rows 16,
    // kind mac, the default weight budget 12 set explicitly) is block 0's point 3:
    // the same resolved config, listed with different overrides.
    SweepFile f(
        "set:\n  simulation.progress: false\n"
        "sweep:\n"
        "  - product:\n      array.rows: [8, 16]\n      pe.kind: [tr, mac]\n"
        "  - zip:\n      pe.kind: [mac, tr, tr]\n      array.rows: [16, 4, 4]\n"
        "      operands.weights.budget: [12, 8, 4]\n");
    const SweepSpec s = loadSweep(f.path());
    EXPECT_EQ(s.sweptKeys, (std::vector<std::string>{"array.rows", "pe.kind", "operands.weights.budget"}));
    ASSERT_EQ(s.points.size(), 6u);
    ASSERT_EQ(s.blocks.size(), 2u);
    EXPECT_EQ(s.blocks[0].where, "sweep[0]");
    EXPECT_EQ(s.blocks[0].listed, 4u);
    EXPECT_EQ(s.blocks[0].repeated, 0u);
    EXPECT_EQ(s.blocks[1].where, "sweep[1]");
    EXPECT_EQ(s.blocks[1].listed, 3u);
    EXPECT_EQ(s.blocks[1].repeated, 1u);
    EXPECT_EQ(s.points[3].keys, (std::vector<std::string>{"array.rows", "pe.kind"}));
    EXPECT_EQ(s.points[3].values, (std::vector<std::string>{"16", "mac"}));
    EXPECT_EQ(s.points[4].block, 1);
    EXPECT_EQ(s.points[4].keys, (std::vector<std::string>{"pe.kind", "array.rows", "operands.weights.budget"}));
    EXPECT_EQ(s.points[4].values, (std::vector<std::string>{"tr", "4", "8"}));
    EXPECT_EQ(s.points[5].overrides, (std::vector<std::string>{"simulation.progress=false", "pe.kind=tr",
                                                               "array.rows=4", "operands.weights.budget=4"}));
    for (std::size_t i = 0; i < s.points.size(); ++i) {
        EXPECT_EQ(s.points[i].index, static_cast<int>(i));
        for (std::size_t j = 0; j < i; ++j) EXPECT_NE(s.points[i].configHash, s.points[j].configHash);
    }
    // The single-block form of block 0 gives the same first four points.
    SweepFile one("set:\n  simulation.progress: false\n"
                  "sweep:\n  product:\n    array.rows: [8, 16]\n    pe.kind: [tr, mac]\n");
    const SweepSpec o = loadSweep(one.path());
    ASSERT_EQ(o.points.size(), 4u);
    EXPECT_EQ(o.blocks.at(0).where, "sweep");
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(o.points[i].configHash, s.points[i].configHash);
}

TEST(SweepSpec, BlockProblemsNameTheBlock) {
    const std::string zip = errorOf(
        "sweep:\n  - product:\n      array.rows: [8]\n  - zip:\n      array.rows: [8, 16]\n      array.cols: [8]\n");
    EXPECT_NE(zip.find("sweep[1].zip.array.cols: has 1 values but sweep[1].zip.array.rows has 2"), std::string::npos)
        << zip;
    EXPECT_NE(errorOf("sweep:\n  - product:\n      array.rows: [8]\n  - prodct:\n      array.rows: [8]\n")
                  .find("sweep[1].prodct: unknown key (allowed here: product, zip)"),
              std::string::npos);
    EXPECT_NE(errorOf("sweep:\n  - {}\n").find("sweep[0]: needs a product or a zip block"), std::string::npos);
    EXPECT_NE(errorOf("sweep:\n  - [8]\n").find("sweep[0]: must be a map with product and/or zip"), std::string::npos);
    EXPECT_NE(errorOf("sweep: []\n").find("sweep: must be a map with product and/or zip, or a non-empty list"),
              std::string::npos);
    EXPECT_NE(errorOf("sweep: 3\n").find("sweep: must be a map"), std::string::npos);
    EXPECT_NE(errorOf("set: {}\n").find("sweep: missing"), std::string::npos);
    EXPECT_NE(errorOf("sweep:\n  product:\n    array.rows: [8]\n  zip:\n    array.rows: [16]\n")
                  .find("sweep.zip.array.rows: is also in sweep.product"),
              std::string::npos);
    // A point's config problem names its block and its index there.
    const std::string point =
        errorOf("sweep:\n  - product:\n      array.rows: [8]\n  - product:\n      array.rows: [4, 0]\n");
    EXPECT_NE(point.find("sweep[1] point 1 (array.rows=0)"), std::string::npos) << point;
    EXPECT_EQ(point.find("sweep[0]"), std::string::npos) << point;
    // Within one block a repeated config is still an error, named by the block.
    const std::string same = errorOf("sweep:\n  - product:\n      array.rows: [8]\n  - zip:\n      array.rows: [4, 4]\n");
    EXPECT_NE(same.find("sweep[1] points 0 and 1 resolve to the same config"), std::string::npos) << same;
}

}  // namespace
}  // namespace trsim
