// The PE-kind registry: every built-in kind by name, the names config and
// --help offer, the unknown-kind error, and properties every kind must have.
#include <gtest/gtest.h>

#include "modules/array/Controller.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/Reference.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigError.hpp"
#include "sim/config/ConfigLoader.hpp"

namespace trsim {
namespace {

const std::string kDefault = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";

TEST(PeRegistry, BuiltInKindsInOrder) {
    const std::vector<std::string> builtIn{"mac", "tr", "stripes", "pragmatic", "laconic", "dnateq"};
    const std::vector<std::string> names = peKindNames();
    ASSERT_GE(names.size(), builtIn.size());
    EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 6), builtIn);
    for (const std::string& n : builtIn) {
        EXPECT_EQ(peKind(n).name(), n);
        EXPECT_NE(peKindHelp().find("  " + n + " "), std::string::npos) << n;
    }
}

TEST(PeRegistry, UnknownKindNamesEveryAllowedKind) {
    try {
        peKind("tpu");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        for (const std::string& n : peKindNames()) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << n;
    }
    EXPECT_THROW(loadConfig(kDefault, {"pe.kind=tpu"}), ConfigError);
}

// Every kind: its array spec names it, its core computes a GEMM exactly on its operands, and its area
// components account for every PE exactly once.
TEST(PeRegistry, EveryKindBuildsItsArrayAndCountsItsPes) {
    for (const PeKind* kind : peKinds()) {
        const SimConfig c = loadConfig(kDefault, {"pe.kind=" + kind->name(), "array.rows=3", "array.cols=5"});
        const ArraySpec spec = arraySpecFromConfig(c);
        EXPECT_EQ(spec.pe, kind);
        const auto core = makeArrayCore(spec);
        IntTensor x({4, 16}), w({6, 16});
        for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<int64_t>(i % 7);
        for (std::size_t i = 0; i < w.data.size(); ++i) w.data[i] = static_cast<int64_t>(i % 5) - 2;
        // The core computes exactly what the functional reference does on the kind's operands.
        const LayerOperands o = kind->prepareLayer(c, x, w);
        const IntTensor& px = o.inputsOr(x);
        const IntTensor& pw = o.weightsOr(w);
        const RevealedOperand rx = o.dataCoding ? RevealedOperand(px, *o.dataCoding) : RevealedOperand::plain(px);
        const RevealedOperand rw = o.weightCoding ? RevealedOperand(pw, *o.weightCoding) : RevealedOperand::plain(pw);
        core->startJob(rx, rw, o.stepSlot);
        while (core->beginFold()) {
            core->runFoldFast();
            core->endFold();
        }
        EXPECT_EQ(core->output(), gemmWithTr(px, pw, o.dataCoding, o.weightCoding)) << kind->name();
        EXPECT_GT(core->counters().macs + core->counters().termPairs, 0) << kind->name();
    }
}

}  // namespace
}  // namespace trsim
