#include "modules/Controller.hpp"

namespace trsim {

Controller::Controller(const sc_core::sc_module_name& name, std::vector<LayerTask> layers,
                       std::optional<OperandCoding> weightCoding, std::optional<OperandCoding> dataCoding,
                       LayerDone onLayerDone, Progress onProgress)
    : sc_core::sc_module(name),
      toArray("to_array"),
      fromArray("from_array"),
      layers_(std::move(layers)),
      weightCoding_(std::move(weightCoding)),
      dataCoding_(std::move(dataCoding)),
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

void Controller::runGemm(const IntTensor& x, const IntTensor& w, LayerOutcome& outcome, IntTensor& result) {
    const RevealedOperand rx = dataCoding_ ? RevealedOperand(x, *dataCoding_) : RevealedOperand::plain(x);
    const RevealedOperand rw = weightCoding_ ? RevealedOperand(w, *weightCoding_) : RevealedOperand::plain(w);
    GemmJob job;
    job.x = &rx;
    job.w = &rw;
    toArray.write(&job);
    fromArray.read();  // the array hands back the same job when it is done
    outcome.gemms++;
    outcome.totalCycles += job.totalCycles;
    outcome.stallCycles += job.stallCycles;
    ArrayCounters& c = outcome.counters;
    c.folds += job.counters.folds;
    c.steps += job.counters.steps;
    c.computeCycles += job.counters.computeCycles;
    c.idealCycles += job.counters.idealCycles;
    c.activePeSteps += job.counters.activePeSteps;
    c.macs += job.counters.macs;
    c.termPairs += job.counters.termPairs;
    c.groupsFlushed += job.counters.groupsFlushed;
    outcome.traffic.dramReadBytes += job.traffic.dramReadBytes;
    outcome.traffic.dramWriteBytes += job.traffic.dramWriteBytes;
    outcome.traffic.sramReadWords += job.traffic.sramReadWords;
    outcome.traffic.sramWriteWords += job.traffic.sramWriteWords;
    if (outcome.peWork.empty()) outcome.peWork.assign(job.peWork.size(), 0);
    for (std::size_t i = 0; i < job.peWork.size(); ++i) outcome.peWork[i] += job.peWork[i];
    if (dataCoding_) outcome.dataKeptTerms += rx.keptTerms();
    if (weightCoding_) outcome.weightKeptTerms += rw.keptTerms();
    result = std::move(job.output);
}

LayerOutcome Controller::runLayer(std::size_t index) {
    const LayerTask& task = layers_[index];
    LayerOutcome outcome;
    if (dataCoding_) {
        // The data path (HESE encoder, term comparator) sits where a layer's
        // values are produced, so each value of the layer's input is encoded
        // once, however many times im2col repeats it in the GEMM.
        outcome.dataValues = static_cast<int64_t>(task.inputs->size());
        for (int64_t v : task.inputs->data)
            outcome.dataEncodedTerms += static_cast<int64_t>(encode(dataCoding_->encoding, v, dataCoding_->bits).size());
    }
    if (!task.isConv) {
        onProgress_(index, 0, 1);
        runGemm(*task.inputs, *task.weights, outcome, outcome.output);
        return outcome;
    }
    const LoweredConv lowered = lowerConv(*task.inputs, *task.weights, task.conv);
    std::vector<IntTensor> parts(lowered.x.size());
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        onProgress_(index, static_cast<int64_t>(g), static_cast<int64_t>(lowered.x.size()));
        runGemm(lowered.x[g], lowered.w[g], outcome, parts[g]);
    }
    outcome.output = raiseConvOutput(parts, lowered);
    return outcome;
}

}  // namespace trsim
