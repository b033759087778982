#include "sim/run/Simulation.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <ostream>
#include <systemc>

#include "modules/array/Controller.hpp"
#include "modules/array/SystolicArray.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/AreaModel.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/run/AccuracyKey.hpp"
#include "sim/run/LayerStats.hpp"
#include "sim/run/QuantizedOperands.hpp"

namespace trsim {
namespace {

// Exact arithmetic on the operands exactly as the kind's PEs get them (after QT, if any).
IntTensor functionalReference(const TraceLayer& l, const QuantizedOperands& q, const SimConfig& c) {
    const LayerOperands o = peKindOf(c).prepareLayer(c, q.inputs(), q.weights());
    const IntTensor& x = o.inputsOr(q.inputs());
    const IntTensor& w = o.weightsOr(q.weights());
    return l.type == LayerType::Conv ? conv2dWithTr(x, w, l.conv, o.dataCoding, o.weightCoding)
                                     : gemmWithTr(x, w, o.dataCoding, o.weightCoding);
}

IntTensor exactReference(const TraceLayer& l) {
    return l.type == LayerType::Conv ? conv2dReference(l.inputs, l.weights, l.conv) : gemmReference(l.inputs, l.weights);
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

std::optional<double> accuracyFor(const Trace& trace, const SimConfig& c) { return lookupAccuracy(trace, c).value; }

std::string vcdFilePath(const SimConfig& config) {
    const std::string& p = config.outputs.vcdPath;
    if (p.empty()) return p;
    return p.size() > 4 && p.compare(p.size() - 4, 4, ".vcd") == 0 ? p : p + ".vcd";
}

void checkTraceFitsConfig(const Trace& trace, const SimConfig& c) {
    for (const TraceLayer& l : trace.layers) {
        const struct {
            const char* operand;
            const IntTensor& t;
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

SimulationResult simulate(const SimConfig& config, const Trace& trace, std::ostream& progress) {
    checkTraceFitsConfig(trace, config);
    SimulationResult result;
    std::vector<QuantizedOperands> operands;
    operands.reserve(trace.layers.size());  // tasks point into it
    std::vector<LayerTask> tasks;
    for (const TraceLayer& l : trace.layers) {
        const QuantizedOperands& q = operands.emplace_back(l, config.quantize);
        tasks.push_back({l.name, l.type == LayerType::Conv, l.conv, &q.inputs(), &q.weights()});
        result.layerOrder.push_back(l.name);
    }
    const auto wallStart = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count(); };
    const bool showProgress = config.simulation.progress;

    auto onLayerDone = [&](std::size_t i, const LayerOutcome& outcome) {
        const TraceLayer& l = trace.layers[i];
        const QuantizedOperands& q = operands[i];
        requireEqual(outcome.output, functionalReference(l, q, config), l.name);
        const IntTensor exact = exactReference(l);
        const std::string scope = "layers/" + l.name;
        recordLayer(result.stats, scope, config, outcome, LayerShape{denseMacs(l, exact)},
                    outputError(q.scaledToTrace(outcome.output), exact));
        result.stats.set(scope, "weight_quantize_shift", q.weightShift(), "bits",
                         "QT shift s of the weights: their scale became scale * 2^s (0 without operands.weights.quantize_bits)");
        result.stats.set(scope, "data_quantize_shift", q.dataShift(), "bits",
                         "QT shift s of the data: their scale became scale * 2^s (0 without operands.data.quantize_bits)");
        if (config.outputs.saveLayerOutputs)
            result.outputs.push_back({l.name, outcome.output.shape, outcome.output.data});
        result.maps.push_back(peUtilizationMap(l.name, config, outcome));
        if (showProgress) {
            const double done = static_cast<double>(i + 1) / trace.layers.size();
            const double t = elapsed();
            progress << "[" << (i + 1) << "/" << trace.layers.size() << "] " << l.name << ": " << outcome.totalCycles
                     << " cycles, output checked against the functional reference; " << std::fixed
                     << std::setprecision(1) << t << " s elapsed, ETA " << (t / done - t) << " s\n"
                     << std::defaultfloat << std::flush;
        }
    };
    std::size_t currentLayer = 0;
    auto onProgress = [&](std::size_t layer, int64_t gemm, int64_t gemms) {
        currentLayer = layer;
        if (showProgress && gemm == 0)
            progress << "[" << (layer + 1) << "/" << trace.layers.size() << "] " << trace.layers[layer].name
                     << ": simulating " << gemms << " GEMM" << (gemms == 1 ? "" : "s") << "...\n"
                     << std::flush;
    };

    // One simulated nanosecond per clock cycle keeps SystemC time exact for any
    // clock frequency; results convert cycles to time with clock_mhz.
    const sc_core::sc_time cycle(1, sc_core::SC_NS);
    const ArrayTiming timing = config.simulation.mode == SimMode::Fast ? ArrayTiming::Fast : ArrayTiming::Detailed;
    auto array = std::make_unique<SystolicArray>("array", arraySpecFromConfig(config), memorySpecFromConfig(config),
                                                 cycle, timing);
    const PeKind& kind = peKindOf(config);
    auto prepare = [&kind, &config](const IntTensor& inputs, const IntTensor& weights) {
        return kind.prepareLayer(config, inputs, weights);
    };
    auto controller = std::make_unique<Controller>("controller", std::move(tasks), prepare, onLayerDone, onProgress);
    // Long layers report their folds, at most every two seconds.
    auto lastReport = std::chrono::steady_clock::now();
    array->onFoldDone([&](int64_t done, int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (!showProgress || done == total || now - lastReport < std::chrono::seconds(2)) return;
        lastReport = now;
        progress << "[" << (currentLayer + 1) << "/" << trace.layers.size() << "] "
                 << trace.layers[currentLayer].name << ": fold " << done << "/" << total << ", " << std::fixed
                 << std::setprecision(1) << elapsed() << " s elapsed\n"
                 << std::defaultfloat << std::flush;
    });
    sc_core::sc_fifo<GemmJob*> toArray("to_array_fifo", 1), fromArray("from_array_fifo", 1);
    controller->toArray(toArray);
    array->jobs(toArray);
    array->done(fromArray);
    controller->fromArray(fromArray);

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
        vcd->set_time_unit(1, sc_core::SC_NS);
        array->traceSignals(vcd);
    }
    sc_core::sc_start();
    if (vcd) sc_core::sc_close_vcd_trace_file(vcd);
    if (array->error()) std::rethrow_exception(array->error());
    if (controller->error()) std::rethrow_exception(controller->error());
    if (!result.layerOrder.empty() && !result.stats.has("layers/" + result.layerOrder.back(), "cycles"))
        throw std::runtime_error("simulation ended before every layer ran");
    if (vcdTmp) vcdTmp->commitTo(vcdPath);

    std::vector<std::string> scopes;
    for (const auto& name : result.layerOrder) scopes.push_back("layers/" + name);
    recordRunTotals(result.stats, scopes, elapsed(), static_cast<int64_t>(config.array.rows) * config.array.cols);
    recordArea(result.stats, config);
    // Always recorded: NaN when unknown, the description saying why (a sweep's summary shows NaN, the
    // point's run/accuracy the reason); stderr says it too.
    const AccuracyLookup accuracy = lookupAccuracy(trace, config);
    result.stats.set("run", "accuracy", accuracy.value.value_or(std::nan("")),
                     trace.metric.empty() ? "metric" : trace.metric,
                     "the trace's model " + (trace.metric.empty() ? std::string("metric") : trace.metric) +
                         " for this configuration: " + accuracy.note);
    if (!accuracy.value && showProgress) progress << "trsim: " << accuracy.note << "\n";
    return result;
}

}  // namespace trsim
