#include "sim/run/Simulation.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <ostream>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/DepthwisePacking.hpp"
#include "modules/array/SystolicArray.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/structural/StructuralArray.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/run/AccuracyKey.hpp"
#include "sim/run/LayerConfigs.hpp"
#include "sim/run/LayerStats.hpp"
#include "sim/run/OutputPrecision.hpp"
#include "sim/run/TermHistograms.hpp"
#include "sim/run/RunDesign.hpp"
#include "sim/run/SanitizerStack.hpp"
#include "sim/run/ThreadPool.hpp"
#include "sim/run/QuantizedOperands.hpp"

namespace trsim {
namespace {

// Exact arithmetic on the operands exactly as the kind's PEs get them (`o`, the kind's
// prepareLayer of `q`, the operands after QT if any); `revealed`: the weights as the
// controller revealed them with o.weightCoding, when it still holds them.
IntTensor functionalReference(const TraceLayer& l, const QuantizedOperands& q, const LayerOperands& o,
                              const RevealedWeights* revealed) {
    const OperandTensor& x = o.inputsOr(q.inputs());
    const OperandTensor& w = o.weightsOr(q.weights());
    return l.type == LayerType::Conv ? conv2dWithTr(x, w, l.conv, o.dataCoding, o.weightCoding, revealed)
                                     : gemmWithTr(x, w, o.dataCoding, o.weightCoding, revealed);
}

IntTensor exactReference(const TraceLayer& l) {
    return l.type == LayerType::Conv ? conv2dReference(l.inputs, l.weights, l.conv) : gemmReference(l.inputs, l.weights);
}

// A layer's two references (what the array must compute, and exact arithmetic
// for the output error) and its term histograms (outputs.term_histograms),
// computed on the pool while the layer is on the array.
struct LayerReferences {
    std::future<IntTensor> functional, exact;
    std::future<std::vector<LayerMap>> histograms;
};

// Layer `index`'s references and histograms, on the pool. They read the weights the controller revealed
// for the array when it still holds them (`shared`, whose contract their submission order keeps: the
// controller announced the layer before this); results are the same either way.
LayerReferences startReferences(std::size_t index, const TraceLayer& l, const QuantizedOperands& q, const SimConfig& c,
                                ThreadPool& pool, const SharedWeights& shared) {
    auto operands = std::make_shared<const LayerOperands>(peKindOf(c).prepareLayer(c, q.inputs(), q.weights()));
    // The array's weights revealed with `coding`, if it may be shared.
    auto revealedWeights = [index, &shared](const std::optional<OperandCoding>& coding) {
        return coding ? shared.find(index, *coding) : std::nullopt;
    };
    LayerReferences r;
    // The trace's values with every term kept are exact: one reference serves for both. The exact one goes
    // first: it needs no shared weights, so a worker runs it while the layer's preparation reveals them
    // rather than waiting for them (a large fully connected layer's preparation takes a second).
    const auto keepsAll = [](const std::optional<OperandCoding>& o) { return !o || !o->budget; };
    const bool exact = q.weightShift() == 0 && q.dataShift() == 0 && !operands->inputs && !operands->weights &&
                       keepsAll(operands->dataCoding) && keepsAll(operands->weightCoding);
    if (!exact) r.exact = pool.submit([&l] { return exactReference(l); });
    r.functional = pool.submit([&l, &q, operands, revealedWeights] {
        const std::optional<RevealedWeights> revealed = revealedWeights(operands->weightCoding);
        return functionalReference(l, q, *operands, revealed ? &*revealed : nullptr);
    });
    // The histograms take the config's weight coding and the weights before the kind's preparation.
    const bool sameWeights = !operands->weights && operands->weightCoding == std::optional<OperandCoding>(c.weights);
    if (c.outputs.termHistograms)
        r.histograms = pool.submit([&l, &q, &c, sameWeights, revealedWeights] {
            const std::optional<RevealedWeights> revealed =
                sameWeights ? revealedWeights(c.weights) : std::optional<RevealedWeights>();
            return termHistograms(l, q.inputs(), q.weights(), c, revealed ? &*revealed : nullptr);
        });
    return r;
}

int64_t denseMacs(const TraceLayer& l, const IntTensor& output) {
    // Every output element is a dot product over the weights' reduction size.
    const int64_t k = static_cast<int64_t>(l.weights.size()) / l.weights.dim(0);
    return static_cast<int64_t>(output.size()) * k;
}

void requireEqual(const IntTensor& array, const IntTensor& reference, const std::string& layer) {
    if (array.shape != reference.shape)
        throw FunctionalMismatch("layer '" + layer + "': array output shape " + shapeString(array.shape) +
                                 " differs from the reference " + shapeString(reference.shape));
    for (std::size_t i = 0; i < array.size(); ++i)
        if (array.data[i] != reference.data[i])
            throw FunctionalMismatch("layer '" + layer + "': array output differs from the functional reference at flat index " +
                                     std::to_string(i) + ": array " + std::to_string(array.data[i]) + ", reference " +
                                     std::to_string(reference.data[i]));
}

// The design's silicon area ("run" scope), when the config has an area table.
void recordArea(StatsRegistry& s, const SimConfig& c) {
    s.set("run", "array_rows", c.array.rows, "PEs", "array rows (array.rows, or picked by array.area_mm2)");
    s.set("run", "array_cols", c.array.cols, "PEs", "array columns (array.cols, or picked by array.area_mm2)");
    const auto area = areaOf(c);
    if (!area) return;
    for (const AreaComponent& part : area->parts) {
        char what[160];
        std::snprintf(what, sizeof what, "%.0f x %.1f um2: the %s components of the array (sim/config/AreaModel.hpp)",
                      part.count, part.eachUm2, part.name.c_str());
        s.set("run", "area_" + part.name + "_mm2", part.mm2(), "mm2", what);
    }
    s.set("run", "area_sram_mm2", area->sramMm2, "mm2", "weight, data and output buffers");
    s.set("run", "area_logic_mm2", area->logicMm2(), "mm2", "PEs and data path: what array.area_mm2 budgets");
    s.set("run", "area_total_mm2", area->totalMm2(), "mm2", "logic + SRAM");
}

}  // namespace

double clockPeriodPs(double clockMhz) { return std::max(1.0, std::round(1e6 / clockMhz)); }

std::optional<double> accuracyFor(const Trace& trace, const SimConfig& c) { return lookupAccuracy(trace, c).value; }

std::string vcdFilePath(const SimConfig& config) {
    const std::string& p = config.outputs.vcdPath;
    if (p.empty()) return p;
    return p.size() > 4 && p.compare(p.size() - 4, 4, ".vcd") == 0 ? p : p + ".vcd";
}

void checkTraceFitsConfig(const Trace& trace, const LayerConfigs& layers) {
    for (const TraceLayer& l : trace.layers) {
        const SimConfig& c = layers.of(l.name);
        const struct {
            const char* operand;
            const OperandTensor& t;
            int bits;
            const std::optional<int>& quantizeBits;
        } checks[] = {{"weights", l.weights, c.weights.bits, c.quantize.weightBits},
                      {"data", l.inputs, c.data.bits, c.quantize.dataBits}};
        for (const auto& chk : checks) {
            const int64_t most = largestMagnitudeAfterQuantization(chk.t, chk.quantizeBits);
            if (most >> chk.bits)
                throw TraceConfigMismatch(trace.path + ": layer '" + l.name + "': " + chk.operand + " reach magnitude " +
                                          std::to_string(most) +
                                          (chk.quantizeBits ? " after operands." + std::string(chk.operand) +
                                                                  ".quantize_bits = " + std::to_string(*chk.quantizeBits)
                                                            : std::string()) +
                                          ", more than operands." + chk.operand + ".bits = " +
                                          std::to_string(chk.bits) + " allows (" +
                                          std::to_string((int64_t{1} << chk.bits) - 1) + ")");
        }
    }
}

void keepSelectedLayers(Trace& trace, const SimConfig& c, const LayerConfigs& layerConfigs) {
    std::vector<std::size_t> kept;
    try {
        kept = selectLayers(parseLayerSelection(c.simulation.layers), selectableLayers(trace));
    } catch (const std::invalid_argument& e) {
        throw TraceConfigMismatch(trace.path + ": simulation.layers = '" + c.simulation.layers + "': " + e.what());
    }
    std::vector<TraceLayer> layers;
    for (std::size_t i : kept) {
        // A layer writes its outputs at the width of the trace's next layer, kept or not.
        if (i + 1 < trace.layers.size()) {
            const SimConfig& next = layerConfigs.of(trace.layers[i + 1].name);
            trace.layers[i].nextLayerDataBits = storedDataBitsOf(next, QuantizedOperands(trace.layers[i + 1], next.quantize));
        }
    }
    for (std::size_t i : kept) layers.push_back(std::move(trace.layers[i]));
    trace.layers = std::move(layers);
}

SimulationResult simulate(const SimConfig& config, Trace& trace, std::ostream& progress,
                          const AccuracyLookup* given, const LayerConfigs* resolved,
                          const LayerRecorded& onLayerRecorded) {
    std::optional<LayerConfigs> own;
    const LayerConfigs& layerConfigs = resolved ? *resolved : own.emplace(config, trace);
    checkTraceFitsConfig(trace, layerConfigs);
    // Each layer's own config (per_layer), in run order: its operands, spec, energy and stats follow it.
    std::vector<const SimConfig*> configs;
    for (const TraceLayer& l : trace.layers) configs.push_back(&layerConfigs.of(l.name));
    SimulationResult result;
    std::vector<QuantizedOperands> operands;
    operands.reserve(trace.layers.size());  // tasks point into it
    std::vector<LayerTask> tasks;
    const ArraySpec runSpec = arraySpecFromConfig(config);
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        const TraceLayer& l = trace.layers[i];
        const QuantizedOperands& q = operands.emplace_back(l, configs[i]->quantize);
        tasks.push_back({l.name, l.type == LayerType::Conv, l.conv, &q.inputs(), &q.weights(), std::nullopt});
        // The structural array is wired once: per_layer there changes no spec field it wires (PerLayer.hpp).
        const ArraySpec layerSpec = arraySpecFromConfig(*configs[i]);
        if (layerSpec != runSpec && config.simulation.mode != SimMode::Structural) tasks.back().array = layerSpec;
        result.layerOrder.push_back(l.name);
        result.layerOperands[l.name] = operandsYaml(*configs[i]);
    }
    const std::vector<double> outputBits = layerOutputBits(configs, trace.layers, operands);  // operands.outputs.precision
    for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i].outputBits = outputBits[i];
    const auto wallStart = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count(); };
    const bool showProgress = config.simulation.progress;
    double layerStart = 0;  // host time the current layer started, s since wallStart
    // The SystemC thread runs the array; the pool prepares operands and computes
    // references, so layers overlap but every result is the same as with one thread.
    std::vector<LayerReferences> references(trace.layers.size());
    // Declared after everything the pool's tasks read: it joins the pool first (RunDesign.hpp).
    RunDesign design(config.simulation.threads);
    ThreadPool& pool = design.pool;

    // A layer's check (its output against the functional reference, the output error against exact
    // arithmetic, its term histograms) runs on the pool beside the next layer's simulation; the layer's
    // stats are recorded, in layer order, once the check is done: at the end of the next layer, or after
    // the run for the last one. Only waiting moves; every result is the same as checking in place.
    struct Checked {
        OutputError error;
        int64_t denseMacs = 0;
        std::vector<LayerMap> histograms;
    };
    struct PendingCheck {
        std::size_t layer = 0;
        std::shared_ptr<const LayerOutcome> outcome;
        double wallSeconds = 0;
        std::future<Checked> checked;
    };
    std::optional<PendingCheck> pending;
    auto finishLayer = [&](PendingCheck& p) {
        const std::size_t i = p.layer;
        const TraceLayer& l = trace.layers[i];
        const SimConfig& layerConfig = *configs[i];
        Checked checked = p.checked.get();  // rethrows FunctionalMismatch
        const LayerOutcome& outcome = *p.outcome;
        const std::string scope = "layers/" + l.name;
        recordLayer(result.stats, scope, layerConfig, outcome, LayerShape{checked.denseMacs}, checked.error);
        recordLayerSetting(result.stats, scope, layerConfig);
        result.stats.set(scope, "weight_quantize_shift", operands[i].weightShift(), "bits",
                         "QT shift s of the weights: their scale became scale * 2^s (0 without operands.weights.quantize_bits)");
        result.stats.set(scope, "data_quantize_shift", operands[i].dataShift(), "bits",
                         "QT shift s of the data: their scale became scale * 2^s (0 without operands.data.quantize_bits)");
        result.stats.set(scope, "wall_seconds", p.wallSeconds, "s",
                         "host time the layer took on the array (its check against the functional reference runs "
                         "beside the next layer)");
        if (config.outputs.saveLayerOutputs) result.outputs.push_back({l.name, outcome.output.shape, outcome.output.data});
        result.maps.push_back(peUtilizationMap(l.name, layerConfig, outcome));
        for (LayerMap& h : checked.histograms) result.maps.push_back(std::move(h));
        if (onLayerRecorded) onLayerRecorded(result, l.name);
        // Nothing reads the layer's values any more (the array has its prepared operands).
        operands[i].releaseRequantized();
        trace.layers[i].inputs.release();
        trace.layers[i].weights.release();
        if (showProgress) {
            const double done = static_cast<double>(i + 1) / trace.layers.size();
            const double t = elapsed();
            progress << "[" << (i + 1) << "/" << trace.layers.size() << "] " << l.name << ": " << outcome.totalCycles
                     << " cycles, output checked against the functional reference; " << std::fixed
                     << std::setprecision(1) << t << " s elapsed, ETA " << (t / done - t) << " s\n"
                     << std::defaultfloat << std::flush;
        }
    };
    auto onLayerDone = [&](std::size_t i, const LayerOutcome& outcome) {
        if (pending) {
            finishLayer(*pending);
            pending.reset();
        }
        const TraceLayer& l = trace.layers[i];
        const QuantizedOperands& q = operands[i];
        if (!references[i].functional.valid())
            references[i] = startReferences(i, l, q, *configs[i], pool, design.sharedWeights);
        // The check owns the references' futures: the pool may still run it while an error unwinds this frame.
        auto refs = std::make_shared<LayerReferences>(std::move(references[i]));
        const double layerEnd = elapsed();
        PendingCheck p{i, std::make_shared<const LayerOutcome>(outcome), layerEnd - layerStart, {}};
        layerStart = layerEnd;
        p.checked = pool.submit([&l, &q, refs, done = p.outcome] {
            const IntTensor functional = refs->functional.get();
            requireEqual(done->output, functional, l.name);
            const IntTensor exact = refs->exact.valid() ? refs->exact.get() : functional;
            Checked c;
            c.error = outputError(q.scaledToTrace(done->output), exact);
            c.denseMacs = denseMacs(l, exact);
            if (refs->histograms.valid()) c.histograms = refs->histograms.get();
            return c;
        });
        pending = std::move(p);
        // The structural array's clock never runs out of events: stop after the last layer.
        if (i + 1 == trace.layers.size()) sc_core::sc_stop();
    };
    std::size_t currentLayer = 0;
    auto onProgress = [&](std::size_t layer, int64_t gemm, int64_t gemms) {
        currentLayer = layer;
        if (gemm == 0) {
            // The layer's references, and the next layer's already: they need only the trace, so the pool
            // computes them beside the next layer's preparation (a large fully connected layer's reveal
            // would otherwise leave the other pool thread idle). The pool runs tasks in the order given,
            // and a layer's check, which waits for its references, is submitted after them.
            for (std::size_t i = layer; i < std::min(layer + 2, trace.layers.size()); ++i)
                if (!references[i].functional.valid())
                    references[i] =
                        startReferences(i, trace.layers[i], operands[i], *configs[i], pool, design.sharedWeights);
        }
        if (showProgress && gemm == 0)
            progress << "[" << (layer + 1) << "/" << trace.layers.size() << "] " << trace.layers[layer].name
                     << ": simulating " << gemms << " GEMM" << (gemms == 1 ? "" : "s") << "...\n"
                     << std::flush;
    };

    // SystemC time follows the clock, so the VCD shows real time: the period is
    // 1/clock_mhz rounded to the kernel's 1 ps resolution (exact for clocks that
    // divide 1 THz, e.g. 200 MHz = 5000 ps). Cycle counts never depend on the
    // rounding: the array counts cycles, and results convert them with clock_mhz.
    const sc_core::sc_time cycle(clockPeriodPs(config.clockMhz), sc_core::SC_PS);
    const ArraySpec spec = arraySpecFromConfig(config);
    const MemorySpec memory = memorySpecFromConfig(config);
    std::unique_ptr<SystolicArray>& array = design.array;
    auto& structural = design.structural;
    if (config.simulation.mode == SimMode::Structural && showProgress &&
        static_cast<int64_t>(config.array.rows) * config.array.cols >= 128 * 128)
        progress << "trsim: wiring the structural array: " << config.array.rows << "x" << config.array.cols
                 << " PE modules (set-up takes a while at this size)...\n"
                 << std::flush;
    if (config.simulation.mode == SimMode::Structural)
        structural.reset(new StructuralArray("array", spec, memory, cycle, rowDataPathSpecFromConfig(config)));
    else
        array = std::make_unique<SystolicArray>(
            "array", spec, memory, cycle,
            config.simulation.mode == SimMode::Fast ? ArrayTiming::Fast : ArrayTiming::Detailed,
            config.simulation.threads);
    const PeKind& kind = peKindOf(config);
    auto prepare = [&kind, &configs](std::size_t layer, const OperandTensor& inputs, const OperandTensor& weights) {
        return kind.prepareLayer(*configs[layer], inputs, weights);
    };
    auto runner = [&pool](std::function<PreparedLayer()> task) { return pool.submit(std::move(task)); };
    std::optional<ArraySpec> packDepthwiseFor;
    if (config.mapping.depthwise == DepthwiseMapping::Packed) packDepthwiseFor = arraySpecFromConfig(config);
    const OperandDetail detail = config.simulation.mode == SimMode::Fast       ? OperandDetail::Counts
                                 : config.simulation.mode == SimMode::Detailed ? OperandDetail::Terms
                                                                               : OperandDetail::TermsAndData;
    ControllerSetup setup;
    setup.prepare = prepare;
    setup.runner = runner;
    setup.packDepthwiseFor = packDepthwiseFor;
    setup.detail = detail;
    setup.onLayerDone = onLayerDone;
    setup.onProgress = onProgress;
    // Without workers a layer's references run after it left the array: nobody to share the weights with.
    setup.shared = pool.workers() > 0 ? &design.sharedWeights : nullptr;
    setup.revealThreads = config.simulation.threads;
    design.controller = std::make_unique<Controller>("controller", std::move(tasks), std::move(setup));
    // Long layers report their folds, at most every two seconds.
    auto lastReport = std::chrono::steady_clock::now();
    auto onFold = [&](int64_t done, int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (!showProgress || done == total || now - lastReport < std::chrono::seconds(2)) return;
        lastReport = now;
        progress << "[" << (currentLayer + 1) << "/" << trace.layers.size() << "] "
                 << trace.layers[currentLayer].name << ": fold " << done << "/" << total << ", " << std::fixed
                 << std::setprecision(1) << elapsed() << " s elapsed\n"
                 << std::defaultfloat << std::flush;
    };
    const std::unique_ptr<Controller>& controller = design.controller;
    design.toArray = std::make_unique<sc_core::sc_fifo<GemmJob*>>("to_array_fifo", 1);
    design.fromArray = std::make_unique<sc_core::sc_fifo<GemmJob*>>("from_array_fifo", 1);
    sc_core::sc_fifo<GemmJob*>& toArray = *design.toArray;
    sc_core::sc_fifo<GemmJob*>& fromArray = *design.fromArray;
    controller->toArray(toArray);
    controller->fromArray(fromArray);
    if (structural) {
        structural->onFoldDone(onFold);
        structural->jobs(toArray);
        structural->done(fromArray);
    } else {
        array->onFoldDone(onFold);
        array->jobs(toArray);
        array->done(fromArray);
    }

    // trsim reports progress itself; the kernel's informational messages (e.g.
    // the VCD timescale notice) would only interleave with it.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    // The waveform is written under a temporary name (SystemC appends ".vcd") and
    // renamed once complete, like every trsim output.
    sc_core::sc_trace_file* vcd = nullptr;
    std::unique_ptr<TemporaryFile> vcdTmp;
    const std::string vcdPath = vcdFilePath(config);
    if (!vcdPath.empty()) {
        const std::string base = vcdPath.substr(0, vcdPath.size() - 4);
        vcdTmp = std::make_unique<TemporaryFile>(base, ".vcd");
        vcd = sc_core::sc_create_vcd_trace_file(vcdTmp->path().substr(0, vcdTmp->path().size() - 4).c_str());
        vcd->set_time_unit(1, sc_core::SC_PS);
        if (structural)
            structural->traceSignals(vcd, config.outputs.vcdLevel == VcdLevel::Cycle);
        else
            array->traceSignals(vcd);
    }
    sc_core::sc_start();
    announceMainStack();  // ASan only: the main thread is back on its own stack (SanitizerStack.hpp)
    if (vcd) sc_core::sc_close_vcd_trace_file(vcd);
    if (const std::exception_ptr e = structural ? structural->error() : array->error()) std::rethrow_exception(e);
    if (controller->error()) std::rethrow_exception(controller->error());
    if (pending) finishLayer(*pending);  // the last layer's check
    if (!result.layerOrder.empty() && !result.stats.has("layers/" + result.layerOrder.back(), "cycles"))
        throw std::runtime_error("simulation ended before every layer ran");
    if (vcdTmp) vcdTmp->commitTo(vcdPath);

    std::vector<std::string> scopes;
    for (const auto& name : result.layerOrder) scopes.push_back("layers/" + name);
    recordRunTotals(result.stats, scopes, elapsed(), static_cast<int64_t>(config.array.rows) * config.array.cols);
    double depthwiseCycles = 0, allCycles = 0;
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        const double cycles = result.stats.get(scopes[i], "cycles");
        allCycles += cycles;
        const TraceLayer& l = trace.layers[i];
        if (l.type == LayerType::Conv && isDepthwise(l.weights, l.conv)) depthwiseCycles += cycles;
    }
    result.stats.set("run", "depthwise_cycle_share", allCycles > 0 ? depthwiseCycles / allCycles : 0, "fraction",
                     "cycles of depthwise convolutions over all cycles (mapping.depthwise sets how they are mapped)");
    recordArea(result.stats, config);
    // Always recorded: NaN when unknown, the description saying why (a sweep's summary shows NaN, the
    // point's run/accuracy the reason); stderr says it too.
    const AccuracyLookup accuracy = given ? *given : lookupAccuracy(trace, config);
    const std::string metric = accuracyMetric(trace);
    result.stats.set("run", "accuracy", accuracy.value.value_or(std::nan("")), metric,
                     "the trace's model " + metric + " for this configuration: " + accuracy.note);
    if (!accuracy.value && showProgress && config.accuracy.score != AccuracyScoring::Off)
        progress << "trsim: " << accuracy.note << "\n";
    return result;
}

}  // namespace trsim
