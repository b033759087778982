// The controller offers each layer's revealed weights to the layer's other readers
// (modules/array/SharedWeights.hpp): while a layer is on the array, the board gives, per channel
// group, exactly the weights the controller's lowerConv and reveal give (checked value by value and
// count by count against a reveal done here); nothing for a packed depthwise layer, whose GEMMs are
// not the layer's channel groups; nothing for any layer once it left the array. Preparation runs on
// other threads, as in a run with simulation.threads > 1.
#include <gtest/gtest.h>

#include <future>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/SharedWeights.hpp"
#include "modules/array/SystolicArray.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "tests/support/RandomTensor.hpp"

namespace trsim {
namespace {

using testing_support::uniformTensor;

struct Layer {
    std::string name;
    bool isConv;
    ConvParams conv;
    OperandTensor inputs, weights;
};

struct Seen {
    std::vector<std::string> checked;   // layers whose shared weights equalled the reveal here
    std::vector<std::string> unshared;  // layers the board had nothing for while on the array
    int afterwards = 0;                 // layers the board still gave after the run
};

TEST(SharedWeightsSc, TheControllerOffersEachLayersRevealedWeightsWhileItIsOnTheArray) {
    const SimConfig config =
        loadConfig(std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml",
                   {"array.rows=4", "array.cols=3", "operands.weights.group_size=4", "operands.weights.budget=5",
                    "operands.data.budget=2", "mapping.depthwise=packed", "simulation.progress=false"});
    std::vector<Layer> layers;
    layers.push_back({"fc", false, {}, uniformTensor({3, 21}, 0, 255, 1), uniformTensor({5, 21}, -127, 127, 2)});
    ConvParams grouped;
    grouped.padH = grouped.padW = 1;
    grouped.groups = 2;
    layers.push_back({"grouped", true, grouped, uniformTensor({1, 6, 5, 5}, 0, 255, 3),
                      uniformTensor({4, 3, 3, 3}, -127, 127, 4)});
    ConvParams dw;
    dw.groups = 4;
    layers.push_back({"depthwise", true, dw, uniformTensor({1, 4, 5, 5}, 0, 255, 5),
                      uniformTensor({4, 1, 3, 3}, -127, 127, 6)});
    std::vector<LayerTask> tasks;
    for (const Layer& l : layers) {
        LayerTask t;
        t.name = l.name;
        t.isConv = l.isConv;
        t.conv = l.conv;
        t.inputs = &l.inputs;
        t.weights = &l.weights;
        tasks.push_back(t);
    }
    const PeKind& kind = peKindOf(config);
    const OperandCoding coding = *kind.prepareLayer(config, layers[0].inputs, layers[0].weights).weightCoding;
    SharedWeights board;
    Seen seen;
    auto onLayerDone = [&](std::size_t i, const LayerOutcome&) {
        const Layer& l = layers[i];
        const std::optional<RevealedWeights> shared = board.find(i, coding);
        if (!shared) {
            seen.unshared.push_back(l.name);
            return;
        }
        const std::vector<OperandTensor> groups = l.isConv ? lowerConv(l.inputs, l.weights, l.conv).w
                                                           : std::vector<OperandTensor>{l.weights};
        ASSERT_EQ(shared->size(), groups.size()) << l.name;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const RevealedOperand expected(groups[g], coding);
            const RevealedOperand& got = *(*shared)[g];
            ASSERT_EQ(got.rows(), expected.rows()) << l.name << " group " << g;
            ASSERT_EQ(got.depth(), expected.depth()) << l.name << " group " << g;
            for (int64_t r = 0; r < got.rows(); ++r)
                for (int64_t k = 0; k < got.depth(); ++k) {
                    ASSERT_EQ(got.value(r, k), expected.value(r, k)) << l.name << " group " << g;
                    ASSERT_EQ(got.termCount(r, k), expected.termCount(r, k)) << l.name << " group " << g;
                }
        }
        seen.checked.push_back(l.name);
    };
    auto prepare = [&](std::size_t, const OperandTensor& x, const OperandTensor& w) {
        return kind.prepareLayer(config, x, w);
    };
    auto runner = [](std::function<PreparedLayer()> task) { return std::async(std::launch::async, std::move(task)); };
    const sc_core::sc_time cycle(10, sc_core::SC_NS);
    SystolicArray array("array", arraySpecFromConfig(config), memorySpecFromConfig(config), cycle, ArrayTiming::Fast);
    ControllerSetup setup;
    setup.prepare = prepare;
    setup.runner = runner;
    setup.packDepthwiseFor = arraySpecFromConfig(config);
    setup.onLayerDone = onLayerDone;
    setup.shared = &board;
    Controller controller("controller", tasks, std::move(setup));
    sc_core::sc_fifo<GemmJob*> toArray("to_array", 1), fromArray("from_array", 1);
    controller.toArray(toArray);
    controller.fromArray(fromArray);
    array.jobs(toArray);
    array.done(fromArray);
    sc_core::sc_start();
    if (controller.error()) std::rethrow_exception(controller.error());
    for (std::size_t i = 0; i < layers.size(); ++i) seen.afterwards += board.find(i, coding) ? 1 : 0;
    EXPECT_EQ(seen.checked, (std::vector<std::string>{"fc", "grouped"}));
    EXPECT_EQ(seen.unshared, (std::vector<std::string>{"depthwise"}));
    EXPECT_EQ(seen.afterwards, 0);
}

}  // namespace
}  // namespace trsim

extern "C" int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
