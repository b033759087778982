// A run that fails with several threads: a PE kind whose array throws on its
// first job while the next layer is still being prepared on a pool worker. The
// run must end with the array's own error, and the worker must never outlive
// the design it prepares for (issue 24: the controller was destroyed while a
// worker ran its prepareLayer; AddressSanitizer: heap-use-after-free). The
// sanitizer build (scripts/test-sanitizers.sh) runs this too.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <systemc>
#include <filesystem>
#include <thread>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/io/TraceReader.hpp"
#include "tests/support/TempDir.hpp"

namespace trsim {
namespace {

const std::thread::id kMainThread = std::this_thread::get_id();
int64_t firstLayerK = -1;                       // the first layer's reduction size: its preparation is quick
std::atomic<int> slowPreparations{0};           // preparations of later layers on pool workers
std::atomic<int> preparedWithoutController{0};  // ... that finished after the controller was gone

struct FailingRule {
    static constexpr bool kValueTiles = true;
    explicit FailingRule(const ArraySpec&) {}
    int64_t beginJob(const RevealedOperand&, const RevealedOperand&, int64_t, const ArraySpec&) const {
        throw std::runtime_error("the test array fails on its first job");
    }
    PeStep fastStep(const RevealedOperand&, int64_t, const RevealedOperand&, int64_t, int64_t, int64_t, int64_t) const {
        return {};
    }
    PeStep detailedStep(const RevealedOperand&, int64_t, const RevealedOperand&, int64_t, int64_t, int64_t,
                        int64_t) const {
        return {};
    }
    PeStep sliceStep(const OperandSlice&, const OperandSlice&, int64_t) const { return {}; }
    static void count(ArrayCounters&, int64_t, int64_t) {}
    static int64_t valueWork(int64_t) { return 1; }
};

class FailingKind final : public PeKind {
public:
    std::string name() const override { return "failing_test"; }
    std::string description() const override { return "array that throws on its first job (test kind)"; }
    void configureArray(const SimConfig&, ArraySpec&) const override {}
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<FailingRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig&, const OperandTensor& inputs, const OperandTensor&) const override {
        if (std::this_thread::get_id() != kMainThread && inputs.dim(1) != firstLayerK) {
            // The next layer's preparation is slow: the array fails long before it ends.
            ++slowPreparations;
            std::this_thread::sleep_for(std::chrono::milliseconds(800));
            if (!sc_core::sc_find_object("controller")) ++preparedWithoutController;
        }
        return {};
    }
    double usefulWork(const ArrayCounters&) const override { return 0; }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome&) const override { return {}; }
    void recordStats(StatsRegistry&, const std::string&, const SimConfig&, const LayerOutcome&) const override {}
};

TEST(FailingRun, ArrayErrorWithSeveralThreadsEndsTheRunCleanly) {
    const std::string source = TRSIM_SOURCE_DIR;
    const std::string trace = source + "/traces/bundled/mlp_fashion_mnist.h5";
    const Trace t = readTrace(trace);
    ASSERT_GE(t.layers.size(), 2u);
    firstLayerK = t.layers[0].inputs.dim(1);
    ASSERT_NE(t.layers[1].inputs.dim(1), firstLayerK);
    registerPeKind(std::make_unique<FailingKind>());

    test_support::TempDir dir;
    const std::string out = dir.file("out.h5");
    std::ostringstream stdoutText, stderrText;
    const int rc = runCommand({source + "/configs/default.yaml", "-o", out, "--set", "trace=" + trace, "--set",
                               "pe.kind=failing_test", "--set", "simulation.threads=4", "--set",
                               "simulation.progress=false"},
                              stdoutText, stderrText);
    EXPECT_EQ(rc, 4) << stderrText.str();
    EXPECT_NE(stderrText.str().find("the test array fails on its first job"), std::string::npos) << stderrText.str();
    EXPECT_GE(slowPreparations.load(), 1);
    // The pool was joined before the design it prepares for was taken apart.
    EXPECT_EQ(preparedWithoutController.load(), 0);
    EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace trsim

extern "C" int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
