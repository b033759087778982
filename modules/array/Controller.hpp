// The controller in front of the array: takes the network's layers in order,
// lowers each to GEMMs (conv: im2col per channel group; fc and LSTM gates: as
// they are), prepares the operands the way the hardware sees them (weights
// revealed offline, data through the HESE encoder and term comparator at run
// time) and hands the GEMMs to the SystolicArray one by one. Preparing a layer
// needs nothing from the array, so layer i+1 is prepared (on another thread,
// when the caller provides one) while layer i runs.
#pragma once
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include "modules/array/GemmJob.hpp"
#include "modules/array/SharedWeights.hpp"
#include "modules/functional/Reference.hpp"

namespace trsim {

// A layer as the controller needs it; tensors are owned by the caller.
struct LayerTask {
    std::string name;
    bool isConv = false;
    ConvParams conv;
    const OperandTensor* inputs = nullptr;   // fc/lstm [M,K]; conv [B,C,H,W]
    const OperandTensor* weights = nullptr;  // fc/lstm [N,K]; conv [N,C/groups,KH,KW]
    // The layer's own array spec when its settings give another (per-layer group size, budgets): its
    // GEMMs carry it and depthwise packing plans for it; nullopt: the array's.
    std::optional<ArraySpec> array;
    double outputBits = 32;              // bits per output value leaving the array (OperandStorage.hpp)
};

// What one layer did on the array, summed over its GEMMs.
struct LayerOutcome {
    IntTensor output;          // fc/lstm [M,N]; conv [B,N,OH,OW]
    int64_t gemms = 0;
    int64_t totalCycles = 0, stallCycles = 0;
    ArrayCounters counters;
    FoldTraffic traffic;
    FoldAverages foldAverages;     // SCALE-Sim's per-fold averages (GemmJob.hpp)
    int64_t dataValues = 0;        // values through the data path (HESE encoder), once per input value
    int64_t dataEncodedTerms = 0;  // terms those values had before TR (term comparator inputs)
    int64_t dataKeptTerms = 0;     // data terms the PEs consumed (im2col repeats counted)
    int64_t weightKeptTerms = 0;
    int64_t weightValues = 0;        // values of the layer's weight tensor
    int64_t weightEncodedTerms = 0;  // terms those values have in the weights' encoding, before TR
    std::vector<int64_t> peWork;   // useful MACs or term pairs of each PE, [rows * cols]
    StoredWidths stored;           // bits per stored weight and data value (OperandStorage.hpp)
    int weightMagnitudeBits = 0;   // bits of the largest weight magnitude the PEs got
    int dataMagnitudeBits = 0;     // bits of the largest data magnitude the PEs got
};

// A layer's operands as the array's PEs consume them (a PeKind's prepareLayer).
struct LayerOperands {
    std::optional<OperandTensor> inputs;   // replaced values (e.g. quantized); nullopt: the trace's as they are
    std::optional<OperandTensor> weights;
    std::optional<OperandCoding> dataCoding;    // terms revealed per GEMM; nullopt: exact binary data
    std::optional<OperandCoding> weightCoding;  // nullopt: exact binary weights
    int64_t stepSlot = 0;  // > 0: the step slot of the layer's GEMMs (e.g. its data precision)
    // Bits per stored weight when the kind stores weights otherwise than as packed
    // binary values (OperandStorage.hpp: TR term slots, DNA-TEQ exponent codes);
    // nullopt: packed at the layer's precision. Data likewise.
    std::optional<double> weightStoredBits;
    std::optional<double> dataStoredBits;
    // Weights stored as values and revealed as they are loaded into the array
    // (tr, pe.weight_storage: values): the controller counts their terms.
    bool weightsRevealedAtLoad = false;

    const OperandTensor& inputsOr(const OperandTensor& trace) const { return inputs ? *inputs : trace; }
    const OperandTensor& weightsOr(const OperandTensor& trace) const { return weights ? *weights : trace; }
};

// Prepares layer `layer`'s operands (inputs, weights) for the array's PE kind, with that layer's settings.
using PrepareLayer =
    std::function<LayerOperands(std::size_t layer, const OperandTensor& inputs, const OperandTensor& weights)>;

// A layer's GEMMs with operands in the form the array consumes.
struct PreparedLayer {
    struct Gemm {
        RevealedOperand x;
        std::shared_ptr<const RevealedOperand> w;  // shared with the layer's other readers (SharedWeights)
        OperandTensor xValues;  // the data before encoding (OperandDetail::TermsAndData, run-time revealed data; else empty)
    };
    std::vector<Gemm> gemms;
    LoweredConv shape;             // conv: output shape for raiseConvOutput (no tensors kept)
    int64_t stepSlot = 0;
    StoredWidths stored;                             // as LayerOutcome's
    int weightMagnitudeBits = 0, dataMagnitudeBits = 0;
    int64_t dataValues = 0, dataEncodedTerms = 0;
    int64_t weightValues = 0, weightEncodedTerms = 0;
    bool dataCoded = false, weightsCoded = false;
};

// How much of each prepared operand the array reads: values and kept-term counts
// (fast timing), each kept term too (detailed timing: the PE models consume
// terms), and the data before encoding as well (structural: its rows encode it).
enum class OperandDetail { Counts, Terms, TermsAndData };

// Runs a layer's preparation, on another thread or when its result is first asked for.
using PrepareRunner = std::function<std::future<PreparedLayer>(std::function<PreparedLayer()>)>;

// How a Controller prepares its layers and whom it tells (its constructor's settings, gem5's Params).
struct ControllerSetup {
    using LayerDone = std::function<void(std::size_t index, const LayerOutcome&)>;
    using Progress = std::function<void(std::size_t layer, int64_t gemm, int64_t gemms)>;

    PrepareLayer prepare;  // required
    // Empty: each layer is prepared when it is needed, on the SystemC thread.
    PrepareRunner runner;
    // The array depthwise layers are packed for (DepthwisePacking.hpp); nullopt maps each channel to
    // its own GEMM.
    std::optional<ArraySpec> packDepthwiseFor;
    OperandDetail detail = OperandDetail::Counts;
    LayerDone onLayerDone;  // required: called on the SystemC thread as each layer leaves the array
    Progress onProgress;    // optional: a layer's GEMMs as they are sent
    // Where each layer's revealed weights are offered to the layer's other readers; optional, and
    // must outlive the controller's preparations.
    SharedWeights* shared = nullptr;
    int revealThreads = 1;  // threads a large operand's reveal may use (RevealedOperand)
};

class Controller : public sc_core::sc_module {
public:
    sc_core::sc_fifo_out<GemmJob*> toArray;
    sc_core::sc_fifo_in<GemmJob*> fromArray;

    SC_HAS_PROCESS(Controller);
    // Throws std::invalid_argument without setup.prepare or setup.onLayerDone.
    Controller(const sc_core::sc_module_name& name, std::vector<LayerTask> layers, ControllerSetup setup);

    // The exception that ended the run early (rethrown by whoever called sc_start).
    std::exception_ptr error() const { return error_; }

private:
    void run();  // SC_THREAD
    PreparedLayer prepareLayer(std::size_t index) const;
    PreparedLayer prepareAndShare(std::size_t index) const;  // prepareLayer, then its weights offered (shared_)
    std::future<PreparedLayer> startPreparing(std::size_t index) const;
    LayerOutcome runLayer(std::size_t index, const PreparedLayer& prepared);
    void runGemm(const PreparedLayer& layer, const PreparedLayer::Gemm& gemm, LayerOutcome& outcome, IntTensor& result);

    std::vector<LayerTask> layers_;
    ControllerSetup setup_;
    std::size_t currentLayer_ = 0;  // the layer whose GEMMs are being sent
    std::exception_ptr error_;
    // The layer on the array and the next one being prepared are members, not locals of run(): when the
    // array fails, run() stays blocked on its FIFO and SystemC never unwinds its coroutine's stack, so
    // locals there would never be destroyed (LeakSanitizer, tests/systemc/failing_run_sc_test.cpp);
    // members go with the Controller.
    std::future<PreparedLayer> next_;
    PreparedLayer current_;
};

}  // namespace trsim
