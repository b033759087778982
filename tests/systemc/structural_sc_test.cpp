// The structural array (modules/structural/) against the fast core, side by
// side in one elaboration: for every variant (each PE kind, both dataflows, both
// schedules where they apply, ragged folds, links longer than one cycle, a data
// path that floors and delays steps, a DRAM slow enough to stall) a
// StructuralArray and a fast SystolicArray get the same random GEMMs through
// their own fifos, and every job must agree exactly: outputs, cycles, stall
// cycles, every counter, memory traffic and per-PE work. The outputs are also
// checked against the functional reference on the truncated operands. For tr
// the structural rows stream the raw data through their encoders and
// comparator, so the data terms the PEs use are the data path's own.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <sstream>
#include <systemc>

#include "modules/array/SystolicArray.hpp"
#include "modules/functional/Reference.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "modules/pe/TrPe.hpp"
#include "modules/structural/StructuralArray.hpp"

namespace trsim {
namespace {

struct Variant {
    ArraySpec spec;
    MemorySpec memory;
    std::optional<OperandCoding> weightCoding, dataCoding;
    int64_t stepSlot = 0;  // stripes: the job's precision
    std::optional<RowDataPathSpec> dataPath;  // tr: the rows stream their data through encoders and a comparator
    bool slowComparator = false;  // fewer comparator values per cycle than lanes: structural only
    std::string label;
};

struct JobPair {
    OperandTensor x, w;
    std::unique_ptr<RevealedOperand> rx, rw;
    GemmJob structural, fast;
};

IntTensor randomTensor(int64_t rows, int64_t cols, int64_t lo, int64_t hi, std::mt19937& gen) {
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    IntTensor t({rows, cols});
    for (auto& v : t.data) v = dist(gen) * (dist(gen) % 3 == 0 ? 0 : 1);  // some zeros, as after ReLU
    return t;
}

// Runs every job of one variant through both arrays, one job at a time.
class Driver : public sc_core::sc_module {
public:
    sc_core::sc_fifo_out<GemmJob*> toStructural, toFast;
    sc_core::sc_fifo_in<GemmJob*> fromStructural, fromFast;
    std::vector<std::unique_ptr<JobPair>> jobs;
    int* running = nullptr;

    SC_HAS_PROCESS(Driver);
    explicit Driver(const sc_core::sc_module_name& n) : sc_core::sc_module(n) { SC_THREAD(run); }

private:
    void run() {
        for (auto& j : jobs) {
            toStructural.write(&j->structural);
            toFast.write(&j->fast);
            fromStructural.read();
            fromFast.read();
        }
        if (--*running == 0) sc_core::sc_stop();
    }
};

std::vector<Variant> variants() {
    std::vector<Variant> out;
    const std::string names[] = {"mac", "tr", "stripes", "pragmatic", "laconic", "dnateq"};
    std::mt19937 gen(12);
    for (int k = 0; k < 6; ++k)
        for (ArrayDataflow df : {ArrayDataflow::WeightStationary, ArrayDataflow::OutputStationary})
            for (int link : {1, 3})
                for (TrSchedule sched : {TrSchedule::Fixed, TrSchedule::Lockstep}) {
                    const std::string& pe = names[k];
                    // Only tr has a schedule choice; pragmatic and laconic always run in lock step.
                    const bool lockKind = pe == "pragmatic" || pe == "laconic";
                    if (pe != "tr" && sched == TrSchedule::Lockstep && !lockKind) continue;
                    if (lockKind && sched == TrSchedule::Fixed) continue;
                    Variant v;
                    v.spec.rows = 1 + static_cast<int>(gen() % 5);
                    v.spec.cols = 1 + static_cast<int>(gen() % 5);
                    v.spec.dataflow = df;
                    v.spec.pe = &peKind(pe);
                    v.spec.schedule = sched;
                    v.spec.linkLatency = link;
                    v.spec.pairsPerCycle = pe == "tr" ? 1 + static_cast<int>(gen() % 2) : 1;
                    v.memory.dramBytesPerCycle = (gen() % 2) ? 0.25 : 64;  // stalls or none
                    v.memory.dataBufferBytes = (gen() % 2) ? 16 : 1 << 20;
                    if (pe == "tr") {
                        OperandCoding w{8, Encoding::Hese, 4, 6}, x{8, Encoding::Hese, 2, 3};
                        v.weightCoding = w;
                        v.dataCoding = x;
                        v.spec.reductionPerPe = w.groupSize;
                        v.spec.fixedStepCycles = static_cast<int>(
                            (TrPe::slotPairs(w, x) + v.spec.pairsPerCycle - 1) / v.spec.pairsPerCycle);
                        // The data path's step floor and fold latency (ArraySpec), from its parameters.
                        RowDataPathSpec d;
                        d.lanes = 1 + static_cast<int>(gen() % 4);
                        d.encoder.bitsPerCycle = static_cast<int>(gen() % 4);  // 0: a value per cycle
                        d.encoder.latencyCycles = static_cast<int>(gen() % 3);
                        d.comparator.groupSize = x.groupSize;
                        d.comparator.budget = x.budget;
                        d.comparator.latencyCycles = static_cast<int>(gen() % 3);
                        d.comparator.valuesPerCycle = d.lanes;
                        const int C = HeseEncoderCore(d.encoder).cyclesPerValue();
                        const int V = (w.groupSize + d.lanes - 1) / d.lanes;
                        v.spec.minStepCycles = V * C;
                        v.spec.dataPathLatency = V * C - 1 + d.encoder.latencyCycles + d.comparator.latencyCycles;
                        v.dataPath = d;
                    }
                    if (pe == "laconic") v.weightCoding = OperandCoding{8, Encoding::Hese, 1, std::nullopt};
                    if (pe == "laconic" || pe == "pragmatic")
                        v.dataCoding = OperandCoding{8, Encoding::Naf, 1, std::nullopt};
                    if (pe == "stripes") {
                        v.spec.fixedStepCycles = 8;
                        v.stepSlot = 8;  // the data's precision: 0..255
                    }
                    std::ostringstream label;
                    label << names[k] << (df == ArrayDataflow::WeightStationary ? " ws" : " os")
                          << (sched == TrSchedule::Fixed ? " fixed" : " lockstep") << " link " << link << " "
                          << v.spec.rows << "x" << v.spec.cols;
                    v.label = label.str();
                    out.push_back(v);
                }
    // A comparator taking one value per cycle behind four lanes: the array waits for its data.
    Variant slow = out[2];
    for (const Variant& v : out)
        if (v.spec.pe->name() == "tr" && v.spec.schedule == TrSchedule::Lockstep) slow = v;
    slow.dataPath->lanes = 4;
    slow.dataPath->encoder.bitsPerCycle = 0;
    slow.dataPath->comparator.valuesPerCycle = 1;
    slow.spec.minStepCycles = 1;
    slow.spec.dataPathLatency = 0 + slow.dataPath->encoder.latencyCycles + slow.dataPath->comparator.latencyCycles;
    slow.slowComparator = true;
    slow.label += " comparator 1 value/cycle";
    out.push_back(slow);
    return out;
}

struct Bench {
    std::vector<Variant> variants = trsim::variants();
    std::vector<std::unique_ptr<StructuralArray>> structural;
    std::vector<std::unique_ptr<SystolicArray>> fast;
    std::vector<std::unique_ptr<Driver>> drivers;
    std::vector<std::unique_ptr<sc_core::sc_fifo<GemmJob*>>> fifos;
    int running = 0;

    Bench() {
        std::mt19937 gen(7);
        for (std::size_t i = 0; i < variants.size(); ++i) {
            const Variant& v = variants[i];
            const std::string n = "v" + std::to_string(i);
            structural.push_back(
                std::make_unique<StructuralArray>((n + "_structural").c_str(), v.spec, v.memory,
                                                  sc_core::sc_time(1, sc_core::SC_NS), v.dataPath));
            fast.push_back(std::make_unique<SystolicArray>((n + "_fast").c_str(), v.spec, v.memory,
                                                           sc_core::sc_time(1, sc_core::SC_NS), ArrayTiming::Fast));
            drivers.push_back(std::make_unique<Driver>((n + "_driver").c_str()));
            Driver& d = *drivers.back();
            d.running = &running;
            ++running;
            for (int j = 0; j < 3; ++j) {
                auto p = std::make_unique<JobPair>();
                const int64_t g = v.spec.reductionPerPe;
                // Ragged shapes: K, M and N rarely fill whole folds.
                const int64_t M = 1 + gen() % 9, K = 1 + gen() % (g * 7), N = 1 + gen() % 9;
                p->x = randomTensor(M, K, 0, 255, gen);
                p->w = randomTensor(N, K, -127, 127, gen);
                p->rx = std::make_unique<RevealedOperand>(v.dataCoding ? RevealedOperand(p->x, *v.dataCoding)
                                                                       : RevealedOperand::plain(p->x));
                p->rw = std::make_unique<RevealedOperand>(v.weightCoding ? RevealedOperand(p->w, *v.weightCoding)
                                                                         : RevealedOperand::plain(p->w));
                for (GemmJob* job : {&p->structural, &p->fast}) {
                    job->x = p->rx.get();
                    job->w = p->rw.get();
                    job->xValues = &p->x;
                    job->stepSlot = v.stepSlot;
                }
                d.jobs.push_back(std::move(p));
            }
            auto fifo = [&](const std::string& name) -> sc_core::sc_fifo<GemmJob*>& {
                fifos.push_back(std::make_unique<sc_core::sc_fifo<GemmJob*>>((n + name).c_str(), 1));
                return *fifos.back();
            };
            auto& a = fifo("_to_s");
            auto& b = fifo("_from_s");
            auto& c = fifo("_to_f");
            auto& e = fifo("_from_f");
            d.toStructural(a);
            structural.back()->jobs(a);
            structural.back()->done(b);
            d.fromStructural(b);
            d.toFast(c);
            fast.back()->jobs(c);
            fast.back()->done(e);
            d.fromFast(e);
        }
    }
};

Bench* gBench = nullptr;

TEST(StructuralArray, EveryVariantRan) {
    ASSERT_NE(gBench, nullptr);
    for (std::size_t i = 0; i < gBench->variants.size(); ++i) {
        EXPECT_FALSE(gBench->structural[i]->error()) << gBench->variants[i].label;
        EXPECT_FALSE(gBench->fast[i]->error()) << gBench->variants[i].label;
    }
    EXPECT_EQ(gBench->running, 0);
    EXPECT_GE(gBench->variants.size(), 20u);
}

TEST(StructuralArray, EqualsTheFastCoreJobByJob) {
    int64_t stalls = 0, steps = 0;
    for (std::size_t i = 0; i < gBench->variants.size(); ++i) {
        const std::string& label = gBench->variants[i].label;
        if (gBench->variants[i].slowComparator) continue;
        for (const auto& p : gBench->drivers[i]->jobs) {
            const GemmJob& s = p->structural;
            const GemmJob& f = p->fast;
            EXPECT_EQ(s.output.data, f.output.data) << label;
            EXPECT_EQ(s.output.data, gemmReference(p->rx->valuesTensor(), p->rw->valuesTensor()).data) << label;
            EXPECT_EQ(s.totalCycles, f.totalCycles) << label;
            EXPECT_EQ(s.stallCycles, f.stallCycles) << label;
            EXPECT_EQ(s.counters.folds, f.counters.folds) << label;
            EXPECT_EQ(s.counters.steps, f.counters.steps) << label;
            EXPECT_EQ(s.counters.computeCycles, f.counters.computeCycles) << label;
            EXPECT_EQ(s.counters.idealCycles, f.counters.idealCycles) << label;
            EXPECT_EQ(s.counters.activePeSteps, f.counters.activePeSteps) << label;
            EXPECT_EQ(s.counters.macs, f.counters.macs) << label;
            EXPECT_EQ(s.counters.termPairs, f.counters.termPairs) << label;
            EXPECT_EQ(s.counters.groupsFlushed, f.counters.groupsFlushed) << label;
            EXPECT_EQ(s.counters.serialSteps, f.counters.serialSteps) << label;
            EXPECT_EQ(s.traffic.dramReadBytes, f.traffic.dramReadBytes) << label;
            EXPECT_EQ(s.traffic.dramWriteBytes, f.traffic.dramWriteBytes) << label;
            EXPECT_EQ(s.peWork, f.peWork) << label;
            stalls += s.stallCycles;
            steps += s.counters.steps;
        }
    }
    EXPECT_GT(stalls, 0) << "some variant must wait for DRAM";
    EXPECT_GT(steps, 0);
}

TEST(StructuralArray, ASlowComparatorDelaysStepsButNotResults) {
    int64_t slower = 0;
    for (std::size_t i = 0; i < gBench->variants.size(); ++i) {
        if (!gBench->variants[i].slowComparator) continue;
        for (const auto& p : gBench->drivers[i]->jobs) {
            // The fast core with the same step floor and latency: the structural array can only be slower.
            EXPECT_EQ(p->structural.output.data, p->fast.output.data);
            EXPECT_EQ(p->structural.counters.termPairs, p->fast.counters.termPairs);
            EXPECT_GE(p->structural.counters.computeCycles, p->fast.counters.computeCycles);
            slower += p->structural.counters.computeCycles > p->fast.counters.computeCycles;
        }
    }
    EXPECT_GT(slower, 0) << "one value per cycle behind four lanes must hold some step back";
}

}  // namespace
}  // namespace trsim

extern "C" int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    trsim::Bench bench;
    trsim::gBench = &bench;
    sc_core::sc_start();
    return RUN_ALL_TESTS();
}
