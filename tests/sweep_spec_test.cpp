// Sweep files: expansion order of product and zip, and errors naming the key or point.
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

}  // namespace
}  // namespace trsim
