// The PE-kind registry: every built-in kind by name, the names config and
// --help offer, the unknown-kind error, and properties every kind must have.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "modules/array/Controller.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/Encoding.hpp"
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
        const OperandTensor ox = x, ow = w;
        const OperandTensor& px = o.inputsOr(ox);
        const OperandTensor& pw = o.weightsOr(ow);
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

// A fast weight-stationary fold shared with a second host thread (SystolicArrayCore::setHostThreads)
// gives every kind the same outputs, counters, per-PE work and fold cycles as one thread: 400 data rows in
// blocks of 160 on a 200-column fold (three blocks, the helper taking two) and one block on the 30-column
// fold after it; 13 slices over 6 array rows (row folds of 6, 6 and 1 PE rows: the slices made half by
// each thread, none by one of them); TR also with the lock step and with 16-bit data (its wide layout).
TEST(PeRegistry, EveryKindFoldsTheSameOnTwoHostThreads) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int64_t> data(0, 255), weight(-127, 127);
    std::bernoulli_distribution zero(0.3);
    for (const PeKind* kind : peKinds()) {
        std::vector<std::vector<std::string>> variants{{}};
        if (kind->name() == "tr")
            variants.push_back({"pe.schedule=lockstep"}),
                variants.push_back({"operands.data.bits=16", "pe.coefficient_counters=34"});
        for (std::vector<std::string> sets : variants) {
            const std::string what = kind->name() + (sets.empty() ? "" : " " + sets[0]);
            sets.insert(sets.end(), {"pe.kind=" + kind->name(), "array.rows=6", "array.cols=200"});
            const SimConfig c = loadConfig(kDefault, sets);
            const ArraySpec spec = arraySpecFromConfig(c);
            IntTensor x({400, 100}), w({230, 100});
            const int64_t dataMax = (int64_t{1} << c.data.bits) - 1;
            for (int64_t& v : x.data) v = zero(rng) ? 0 : data(rng) * dataMax / 255;
            for (int64_t& v : w.data) v = weight(rng);
            const LayerOperands o = kind->prepareLayer(c, x, w);
            const OperandTensor ox = x, ow = w;
            const OperandTensor& px = o.inputsOr(ox);
            const OperandTensor& pw = o.weightsOr(ow);
            const RevealedOperand rx = o.dataCoding ? RevealedOperand(px, *o.dataCoding) : RevealedOperand::plain(px);
            const RevealedOperand rw = o.weightCoding ? RevealedOperand(pw, *o.weightCoding) : RevealedOperand::plain(pw);
            struct Run {
                IntTensor out;
                ArrayCounters counters;
                std::vector<int64_t> peWork, foldCycles;
            };
            auto run = [&](int threads) {
                const auto core = makeArrayCore(spec);
                core->setHostThreads(threads, 1);  // split every fold of two blocks or more
                core->startJob(rx, rw, o.stepSlot);
                Run r;
                while (core->beginFold()) {
                    r.foldCycles.push_back(core->runFoldFast());
                    core->endFold();
                }
                r.out = core->output();
                r.counters = core->counters();
                r.peWork = core->peWork();
                return r;
            };
            const Run one = run(1), two = run(2);
            EXPECT_EQ(two.out, one.out) << what;
            EXPECT_EQ(one.out, gemmWithTr(px, pw, o.dataCoding, o.weightCoding)) << what;
            EXPECT_EQ(two.foldCycles, one.foldCycles) << what;
            EXPECT_EQ(two.peWork, one.peWork) << what;
            const ArrayCounters& a = one.counters;
            const ArrayCounters& b = two.counters;
            EXPECT_EQ(std::vector<int64_t>({b.folds, b.steps, b.computeCycles, b.idealCycles, b.activePeSteps, b.macs,
                                            b.termPairs, b.groupsFlushed, b.serialSteps}),
                      std::vector<int64_t>({a.folds, a.steps, a.computeCycles, a.idealCycles, a.activePeSteps, a.macs,
                                            a.termPairs, a.groupsFlushed, a.serialSteps}))
                << what;
        }
    }
}

// The cycle-level waveform (outputs.vcd_level: cycle) shows the ops a kind's rule records while it computes
// a structural step: the traced step equals the untraced one, its ops are its work (term pairs, or one
// product), each op's counter value is the running count of that counter, the last running sum is the step's
// product, and the ops fill the step's cycles. The kinds that record are the ones docs/CONFIG.md names.
TEST(PeRegistry, TracedSliceStepsRecordEveryOpOfTheStep) {
    std::vector<std::string> tracing;
    std::mt19937 rng(7);
    for (const PeKind* kind : peKinds()) {
        const SimConfig c = loadConfig(kDefault, {"pe.kind=" + kind->name(), "array.rows=2", "array.cols=2"});
        const ArraySpec spec = arraySpecFromConfig(c);
        const auto core = makeArrayCore(spec);
        const std::size_t n = static_cast<std::size_t>(spec.reductionPerPe);
        for (int trial = 0; trial < 200; ++trial) {
            OperandSlice w, x;
            for (std::size_t k = 0; k < n; ++k) {
                const int64_t wv = static_cast<int64_t>(rng() % 255) - 127, xv = rng() % 256;
                w.values.push_back(wv);
                x.values.push_back(xv);
                w.terms.push_back(encode(Encoding::Hese, wv, 8));
                x.terms.push_back(encode(Encoding::Hese, xv, 8));
            }
            ArrayCounters plain, traced;
            const PeStep expected = core->sliceStep(w, x, 1, plain);
            StepTrace trace;
            if (!core->tracesSliceSteps()) {
                EXPECT_THROW(core->sliceStep(w, x, 1, traced, &trace), std::logic_error) << kind->name();
                break;
            }
            const PeStep s = core->sliceStep(w, x, 1, traced, &trace);
            EXPECT_EQ(s.product, expected.product) << kind->name();
            EXPECT_EQ(s.cycles, expected.cycles) << kind->name();
            ASSERT_EQ(static_cast<int64_t>(trace.ops.size()), std::max<int64_t>(s.work, 0)) << kind->name();
            EXPECT_EQ(trace.cycles(), s.cycles) << kind->name();
            std::map<int, int64_t> counters;
            int64_t sum = 0;
            for (const TracedOp& op : trace.ops) {
                if (op.counter >= 0) {
                    EXPECT_LT(op.counter, core->tracedCounters());
                    counters[op.counter] += (op.weight < 0) != (op.data < 0) ? -1 : 1;
                    EXPECT_EQ(op.counterValue, counters[op.counter]);
                    EXPECT_EQ(std::abs(op.weight * op.data), int64_t{1} << op.counter);
                }
                sum += op.weight * op.data;
                EXPECT_EQ(op.sum, sum);
            }
            if (!trace.ops.empty()) {
                EXPECT_EQ(trace.ops.back().sum, s.product) << kind->name();
            }
        }
        if (core->tracesSliceSteps()) tracing.push_back(kind->name());
    }
    EXPECT_EQ(tracing, (std::vector<std::string>{"mac", "tr", "laconic", "dnateq"}));
}

}  // namespace
}  // namespace trsim
