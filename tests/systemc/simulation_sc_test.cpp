// The whole SystemC design (Controller -> SystolicArray, fifos, memory stalls)
// on a small in-memory trace. Run once with --mode=fast and once with
// --mode=detailed (two ctest entries: SystemC simulates once per process); both
// must give the outputs of the functional reference and exactly the cycle counts
// the plain SystolicArrayCore fast path computes outside SystemC.
#include <algorithm>
#include <gtest/gtest.h>

#include <sstream>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/DepthwisePacking.hpp"
#include "modules/memory/MemorySystem.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "tests/support/RandomTensor.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {
namespace {

std::string gMode = "fast";
std::string gPe = "tr";

using testing_support::uniformTensor;

TraceLayer layer(const std::string& name, int index, LayerType type, IntTensor w, IntTensor x, ConvParams p = {}) {
    TraceLayer l;
    l.name = name;
    l.index = index;
    l.type = type;
    l.weights = std::move(w);
    l.inputs = std::move(x);
    l.conv = p;
    return l;
}

Trace smallTrace() {
    Trace t;
    t.path = "in-memory";
    t.network = "tiny";
    t.source = "synthetic";
    t.formatVersion = 1;
    t.layers.push_back(layer("fc1", 0, LayerType::Fc, uniformTensor({7, 20}, -127, 127, 1), uniformTensor({5, 20}, 0, 255, 2)));
    ConvParams conv;
    conv.padH = conv.padW = 1;
    t.layers.push_back(layer("conv1", 1, LayerType::Conv, uniformTensor({3, 4, 3, 3}, -127, 127, 3),
                             uniformTensor({1, 4, 6, 6}, 0, 255, 4), conv));
    ConvParams dw;
    dw.groups = 4;
    dw.strideH = dw.strideW = 2;
    t.layers.push_back(layer("dw1", 2, LayerType::Conv, uniformTensor({4, 1, 3, 3}, -127, 127, 5),
                             uniformTensor({1, 4, 7, 7}, 0, 255, 6), dw));
    return t;
}

// The expected cycles of one GEMM: the core's fast path plus the memory model's
// double-buffered stalls, computed here without SystemC.
int64_t expectedGemmCycles(const SimConfig& c, const OperandTensor& x, const OperandTensor& w, const StoredWidths& stored) {
    const LayerOperands o = peKindOf(c).prepareLayer(c, x, w);
    const auto& wc = o.weightCoding;
    const auto& xc = o.dataCoding;
    const RevealedOperand rx = xc ? RevealedOperand(x, *xc) : RevealedOperand::plain(x);
    const RevealedOperand rw = wc ? RevealedOperand(w, *wc) : RevealedOperand::plain(w);
    const std::unique_ptr<SystolicArrayCore> owned = makeArrayCore(arraySpecFromConfig(c));
    SystolicArrayCore& core = *owned;
    MemorySystem mem(memorySpecFromConfig(c), arraySpecFromConfig(c).dataflow);
    core.startJob(rx, rw, o.stepSlot);
    mem.startJob(x.dim(0), x.dim(1), w.dim(0), core.rowFolds(), stored);
    int64_t cycles = 0, previousCompute = 0, previousWrite = 0;
    while (core.beginFold()) {
        const FoldTraffic t = mem.foldTraffic(core.fold());
        cycles += std::max<int64_t>(0, mem.dramCycles(t.dramReadBytes + previousWrite) - previousCompute);
        const int64_t before = core.counters().computeCycles;
        core.runFoldFast();
        core.endFold();
        previousCompute = core.counters().computeCycles - before;
        previousWrite = t.dramWriteBytes;
    }
    return cycles + core.counters().computeCycles + mem.dramCycles(previousWrite);
}

int64_t expectedLayerCycles(const SimConfig& c, const TraceLayer& l, const TraceLayer& next) {
    // The layer's operands are stored as OperandStorage.hpp says: TR weights with a
    // budget as term slots, everything else packed at the layer's precision; its
    // outputs leave at the width the next layer's data are stored at (next_layer).
    const bool termSlots = c.pe.kind == "tr" && c.weights.budget.has_value();
    const StoredWidths stored{termSlots ? keptTermBitsPerValue(c.weights) : packedBinaryBits(l.weights),
                              static_cast<double>(packedBinaryBits(l.inputs)),
                              static_cast<double>(packedBinaryBits(next.inputs))};
    if (l.type != LayerType::Conv) return expectedGemmCycles(c, l.inputs, l.weights, stored);
    const LoweredConv lowered = lowerConv(l.inputs, l.weights, l.conv);
    int64_t total = 0;
    if (c.mapping.depthwise == DepthwiseMapping::Packed && isDepthwise(l.weights, l.conv)) {
        // Packed: P channels per GEMM (DepthwisePacking.hpp, tested alone in depthwise_packing_test.cpp).
        const LayerOperands o = peKindOf(c).prepareLayer(c, l.inputs, l.weights);
        const int64_t channels = static_cast<int64_t>(lowered.x.size());
        const DepthwisePlan plan = planDepthwise(lowered.x[0].dim(1), lowered.w[0].dim(0), arraySpecFromConfig(c),
                                                 o.dataCoding, o.weightCoding);
        for (int64_t first = 0; first < channels; first += plan.channelsPerGemm) {
            const PackedGemm g =
                packDepthwise(lowered, first, std::min(plan.channelsPerGemm, channels - first), plan.tapStride);
            total += expectedGemmCycles(c, g.x, g.w, stored);
        }
        return total;
    }
    for (std::size_t g = 0; g < lowered.x.size(); ++g) total += expectedGemmCycles(c, lowered.x[g], lowered.w[g], stored);
    return total;
}

TEST(Simulation, WholeDesignMatchesReferenceAndCoreCycles) {
    const SimConfig config = loadConfig(std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml",
                                        {"array.rows=4", "array.cols=3", "pe.kind=" + gPe, "simulation.mode=" + gMode,
                                         "operands.data.group_size=4", "operands.data.budget=6",
                                         "operands.weights.group_size=4", "operands.weights.budget=7",
                                         "buffers.data_kib=0.125", "dram.bandwidth_gb_per_s=0.3",
                                         "outputs.save_layer_outputs=true", "simulation.progress=false"});
    const Trace trace = smallTrace();
    Trace simulated = trace;  // simulate releases each layer's values when the layer is done
    std::ostringstream progress;
    const SimulationResult r = simulate(config, simulated, progress);  // throws if any output differs from the reference
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        EXPECT_TRUE(simulated.layers[i].inputs.size() == 0 && simulated.layers[i].weights.size() == 0);
        EXPECT_EQ(simulated.layers[i].weights.shape, trace.layers[i].weights.shape);
    }
    ASSERT_EQ(r.layerOrder, (std::vector<std::string>{"fc1", "conv1", "dw1"}));
    ASSERT_EQ(r.outputs.size(), 3u);
    int64_t stalls = 0;
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        const TraceLayer& l = trace.layers[i];
        const std::string scope = "layers/" + l.name;
        const TraceLayer& next = trace.layers[std::min(i + 1, trace.layers.size() - 1)];  // the last: its own width
        EXPECT_EQ(r.stats.get(scope, "cycles"), expectedLayerCycles(config, l, next)) << l.name;
        EXPECT_EQ(r.stats.get(scope, "cycles"),
                  r.stats.get(scope, "compute_cycles") + r.stats.get(scope, "stall_cycles"));
        EXPECT_GT(r.stats.get(scope, "utilization"), 0.0);
        EXPECT_LE(r.stats.get(scope, "utilization"), 1.0);
        EXPECT_GE(r.stats.get(scope, "error_rel_l2"), 0.0);
        stalls += static_cast<int64_t>(r.stats.get(scope, "stall_cycles"));
    }
    EXPECT_GT(stalls, 0) << "a 0.3 GB/s DRAM must stall this array";
    // Saved outputs are the functional reference's (simulate already compared every element).
    const TraceLayer& conv1 = trace.layers[1];
    const LayerOperands ops = peKindOf(config).prepareLayer(config, conv1.inputs, conv1.weights);
    const IntTensor ref = conv2dWithTr(conv1.inputs, conv1.weights, conv1.conv, ops.dataCoding, ops.weightCoding);
    EXPECT_EQ(r.outputs[1].data, ref.data);
    EXPECT_EQ(r.outputs[1].shape, ref.shape);
    EXPECT_DOUBLE_EQ(r.stats.get("run", "cycles"),
                     r.stats.get("layers/fc1", "cycles") + r.stats.get("layers/conv1", "cycles") +
                         r.stats.get("layers/dw1", "cycles"));
    // Simulated time advanced one clock period (clock_mhz, rounded to 1 ps) per cycle.
    EXPECT_EQ(static_cast<int64_t>(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5),
              static_cast<int64_t>(r.stats.get("run", "cycles") * clockPeriodPs(config.clockMhz)));
}

}  // namespace
}  // namespace trsim

extern "C" int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--mode=", 0) == 0) trsim::gMode = a.substr(7);
        if (a.rfind("--pe=", 0) == 0) trsim::gPe = a.substr(5);
    }
    return RUN_ALL_TESTS();
}
