#include "modules/array/Controller.hpp"

#include <algorithm>

#include "modules/functional/Requantize.hpp"

namespace trsim {

Controller::Controller(const sc_core::sc_module_name& name, std::vector<LayerTask> layers, PrepareLayer prepare,
                       LayerDone onLayerDone, Progress onProgress)
    : sc_core::sc_module(name),
      toArray("to_array"),
      fromArray("from_array"),
      layers_(std::move(layers)),
      prepare_(std::move(prepare)),
      onLayerDone_(std::move(onLayerDone)),
      onProgress_(std::move(onProgress)) {
    SC_THREAD(run);
}

void Controller::run() {
    // SystemC would turn an exception escaping a process into a report; keep the
    // original so the caller sees what went wrong.
    // With the last layer done nothing is left to happen and sc_start returns by itself.
    try {
        for (std::size_t i = 0; i < layers_.size(); ++i) onLayerDone_(i, runLayer(i));
    } catch (...) {
        error_ = std::current_exception();
        sc_core::sc_stop();
    }
}

void Controller::runGemm(const IntTensor& x, const IntTensor& w, const LayerOperands& operands, LayerOutcome& outcome,
                         IntTensor& result) {
    const auto& xc = operands.dataCoding;
    const auto& wc = operands.weightCoding;
    const RevealedOperand rx = xc ? RevealedOperand(x, *xc) : RevealedOperand::plain(x);
    const RevealedOperand rw = wc ? RevealedOperand(w, *wc) : RevealedOperand::plain(w);
    GemmJob job;
    job.x = &rx;
    job.w = &rw;
    job.stepSlot = operands.stepSlot;
    job.stored = outcome.stored;
    toArray.write(&job);
    fromArray.read();  // the array hands back the same job when it is done
    outcome.gemms++;
    outcome.totalCycles += job.totalCycles;
    outcome.stallCycles += job.stallCycles;
    outcome.counters += job.counters;
    outcome.traffic += job.traffic;
    if (outcome.peWork.empty()) outcome.peWork.assign(job.peWork.size(), 0);
    for (std::size_t i = 0; i < job.peWork.size(); ++i) outcome.peWork[i] += job.peWork[i];
    if (xc) outcome.dataKeptTerms += rx.keptTerms();
    if (wc) outcome.weightKeptTerms += rw.keptTerms();
    result = std::move(job.output);
}

LayerOutcome Controller::runLayer(std::size_t index) {
    const LayerTask& task = layers_[index];
    LayerOutcome outcome;
    const LayerOperands operands = prepare_(*task.inputs, *task.weights);
    const IntTensor& x = operands.inputsOr(*task.inputs);
    const IntTensor& w = operands.weightsOr(*task.weights);
    outcome.stored = StoredWidths{operands.weightStoredBits.value_or(packedBinaryBits(w)),
                                  operands.dataStoredBits.value_or(packedBinaryBits(x))};
    outcome.weightMagnitudeBits = bitLength(largestMagnitude(w));
    outcome.dataMagnitudeBits = bitLength(largestMagnitude(x));
    if (operands.dataCoding) {
        // The data path (encoder, and the term comparator for TR) sits where a layer's
        // values are produced, so each value of the layer's input is encoded
        // once, however many times im2col repeats it in the GEMM.
        outcome.dataValues = static_cast<int64_t>(x.size());
        for (int64_t v : x.data)
            outcome.dataEncodedTerms +=
                static_cast<int64_t>(encode(operands.dataCoding->encoding, v, operands.dataCoding->bits).size());
    }
    if (!task.isConv) {
        onProgress_(index, 0, 1);
        runGemm(x, w, operands, outcome, outcome.output);
        return outcome;
    }
    const LoweredConv lowered = lowerConv(x, w, task.conv);
    std::vector<IntTensor> parts(lowered.x.size());
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        onProgress_(index, static_cast<int64_t>(g), static_cast<int64_t>(lowered.x.size()));
        runGemm(lowered.x[g], lowered.w[g], operands, outcome, parts[g]);
    }
    outcome.output = raiseConvOutput(parts, lowered);
    return outcome;
}

}  // namespace trsim
