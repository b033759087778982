// A PE kind defined outside the simulator, the worked example of the README's
// "Adding a PE kind": registered by this executable, then run end to end
// through `trsim run` itself (config loading, the bundled MLP trace, the
// SystemC design, the functional check, the results file). Its cycles, MACs,
// energy and its own statistic equal what the rule gives by hand.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/MacPe.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/io/Hdf5Handle.hpp"
#include "sim/io/Hdf5Read.hpp"
#include "sim/io/TraceReader.hpp"
#include "sim/run/StatsRegistry.hpp"

namespace trsim {
namespace {

// --- the worked example: a bit-parallel MAC whose multiplier needs two cycles ---

// The step rule (static interface, see modules/array/PeArrayCore.hpp).
struct TwoCycleMacRule {
    static constexpr bool kValueTiles = true;  // whole values in a fixed slot
    explicit TwoCycleMacRule(const ArraySpec&) {}
    int64_t beginJob(const RevealedOperand&, const RevealedOperand&, int64_t, const ArraySpec&) const { return 2; }
    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                    int64_t) const {
        return PeStep{w.value(n, k0) * x.value(m, k0), 1, 2};
    }
    PeStep detailedStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                        int64_t len, int64_t slot) const {
        return fastStep(w, n, x, m, k0, len, slot);
    }
    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t) const {
        return PeStep{w.values[0] * x.values[0], 1, 2};
    }
    static void count(ArrayCounters& k, int64_t steps, int64_t) { k.macs += steps; }
    static int64_t valueWork(int64_t) { return 1; }
};

// The kind (dynamic interface, see modules/pe/PeKind.hpp).
class TwoCycleMacKind final : public PeKind {
public:
    std::string name() const override { return "two_cycle_mac"; }
    std::string description() const override { return "bit-parallel MAC with a two-cycle multiplier (test kind)"; }
    void configureArray(const SimConfig&, ArraySpec&) const override {}
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<TwoCycleMacRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig&, const OperandTensor&, const OperandTensor&) const override { return {}; }
    double usefulWork(const ArrayCounters& k) const override { return 2.0 * static_cast<double>(k.macs); }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return {{EnergyComponent::PeCompute, "multiply_8b", static_cast<double>(o.counters.macs)}};
    }
    void recordStats(StatsRegistry& s, const std::string& scope, const SimConfig&,
                     const LayerOutcome& o) const override {
        s.set(scope, "multiplier_busy_cycles", 2.0 * static_cast<double>(o.counters.macs), "PE-cycles",
              "cycles the two-cycle multipliers worked");
    }
};

// --- the test ---

std::filesystem::path tempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trsim_custom_kind_XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

double stat(hid_t file, const std::string& path) {
    Hdf5Dataset ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
    EXPECT_GE(ds.get(), 0) << path;
    return ds.get() < 0 ? -1 : h5read::readDatasetAsDouble(ds.get()).at(0);
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

TEST(CustomPeKind, RegisteredKindRunsEndToEndThroughTrsimRun) {
    registerPeKind(std::make_unique<TwoCycleMacKind>());
    EXPECT_NE(peKindHelp().find("two_cycle_mac"), std::string::npos);
    EXPECT_THROW(registerPeKind(std::make_unique<TwoCycleMacKind>()), std::invalid_argument);

    const std::filesystem::path dir = tempDir();
    const std::string source = TRSIM_SOURCE_DIR;
    const std::string trace = source + "/traces/bundled/mlp_fashion_mnist.h5";
    const std::string out = (dir / "out.h5").string();
    std::ostringstream stdoutText, stderrText;
    const int rc = runCommand({source + "/configs/default.yaml", "-o", out, "--set", "trace=" + trace, "--set",
                               "pe.kind=two_cycle_mac", "--set", "array.rows=16", "--set", "array.cols=16", "--set",
                               "simulation.progress=false"},
                              stdoutText, stderrText);
    ASSERT_EQ(rc, 0) << stderrText.str();
    EXPECT_NE(stderrText.str().find("16x16 two_cycle_mac array"), std::string::npos) << stderrText.str();

    // Weight stationary, slot 2: a fold of an [M,K] x [N,K] GEMM is 16 preload
    // cycles plus (M + 16 + 16 - 2) steps of two cycles.
    const Trace t = readTrace(trace);
    const double macPj = loadConfig(source + "/configs/default.yaml").energy.pj("multiply_8b");
    Hdf5File file(H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    ASSERT_GE(file.get(), 0);
    for (const TraceLayer& l : t.layers) {
        const int64_t m = l.inputs.dim(0), k = l.inputs.dim(1), n = l.weights.dim(0);
        const int64_t folds = ceilDiv(k, 16) * ceilDiv(n, 16);
        const std::string g = "/layers/" + l.name + "/";
        EXPECT_EQ(stat(file.get(), g + "compute_cycles"), folds * (16 + 2 * (m + 16 + 16 - 2))) << l.name;
        EXPECT_EQ(stat(file.get(), g + "macs"), m * k * n) << l.name;
        EXPECT_EQ(stat(file.get(), g + "multiplier_busy_cycles"), 2 * m * k * n) << l.name;
        EXPECT_EQ(stat(file.get(), g + "error_rel_l2"), 0.0) << l.name;  // exact arithmetic, checked by the run too
        EXPECT_DOUBLE_EQ(stat(file.get(), g + "energy_pe_compute_pj"), static_cast<double>(m * k * n) * macPj);
    }
    file.reset();
    std::filesystem::remove_all(dir);
}

TEST(CustomPeKind, UnknownKindErrorListsTheRegistry) {
    std::ostringstream o, e;
    EXPECT_EQ(validateCommand({std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml", "--set", "pe.kind=nope"}, o, e),
              1);
    for (const std::string& name : peKindNames()) EXPECT_NE(e.str().find(name), std::string::npos) << e.str();
}

}  // namespace
}  // namespace trsim

extern "C" int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
