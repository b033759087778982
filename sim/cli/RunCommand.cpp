#include <ostream>

#include "modules/pe/PeRegistry.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ConfigArgs.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/run/Simulation.hpp"
#include "sim/cli/SummaryTable.hpp"
#include "sim/io/TraceReader.hpp"

namespace trsim {
namespace {

std::string runHelp() {
    return "usage: trsim run CONFIG.yaml [-o OUT.h5] [--set key.path=value ...]\n"
    "\n"
    "Simulates every layer of the config's trace on the configured array, checks\n"
    "each layer's output against the functional reference, and writes cycles,\n"
    "utilization, stalls, energy by component and output error per layer to OUT.h5\n"
    "(default: trsim_out.h5; written to a temp file and renamed at the end).\n"
    "--set overrides any config key, e.g.\n"
    "  --set operands.data.budget=4 --set array.rows=64 --set pe.kind=mac\n"
    "PE kinds (pe.kind):\n" +
           peKindHelp() + "Exit codes: 0 done, 1 invalid config or trace, 2 usage, 4 simulation or output error.\n";
}

}  // namespace

int runCommand(const Args& args, std::ostream& out, std::ostream& err) {
    std::string problem;
    const auto parsed = parseConfigArgs(args, true, problem);
    if (!parsed) {
        err << "trsim run: " << problem << "\n" << runHelp();
        return 2;
    }
    if (parsed->help) {
        out << runHelp();
        return 0;
    }
    const std::string output = parsed->outputPath.empty() ? "trsim_out.h5" : parsed->outputPath;
    SimConfig config;
    Trace trace;
    try {
        config = loadConfig(parsed->configPath, parsed->overrides);
        trace = readTrace(config.tracePath);
        checkTraceFitsConfig(trace, config);
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 1;
    } catch (const TraceError& e) {
        err << e.what() << "\n";
        return 1;
    } catch (const TraceConfigMismatch& e) {
        err << e.what() << "\n";
        return 1;
    }
    try {
        err << "trsim run: " << trace.network << " (" << trace.layers.size() << " layers, " << trace.source
            << ") on a " << config.array.rows << "x" << config.array.cols << " " << config.pe.kind
            << " array, config hash " << config.hash << "\n";
        const SimulationResult result = simulate(config, trace, err);
        RunRecord record;
        record.configYaml = config.resolvedYaml;
        record.configHash = config.hash;
        record.tracePath = trace.path;
        record.traceNetwork = trace.network;
        record.traceSource = trace.source;
        record.layerOrder = result.layerOrder;
        record.stats = &result.stats;
        record.outputs = result.outputs;
        record.maps = result.maps;
        writeResults(output, record);
        printSummaryTable(out, result.stats, result.layerOrder);
        out << "results: " << output << "\n";
        return 0;
    } catch (const std::exception& e) {
        err << "trsim run: " << e.what() << "\n";
        return 4;
    }
}

}  // namespace trsim
