#include <ostream>

#include "modules/pe/PeRegistry.hpp"
#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/cli/SummaryTable.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/io/TraceReader.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {
namespace {

CommandSpec runSpec() {
    CommandSpec spec;
    spec.usage = "trsim run CONFIG.yaml [-o OUT.h5] [--set KEY=VALUE ...]";
    spec.description =
        "Simulates every layer of the config's trace on the configured array, checks\n"
        "each layer's output against the functional reference, and writes cycles,\n"
        "utilization, stalls, energy by component and output error per layer to OUT.h5\n"
        "(written to a temporary file and renamed at the end). The output must not be\n"
        "one of the files the run reads, and its directory must exist.\n"
        "--set overrides any config key, e.g.\n"
        "  --set operands.data.budget=4 --set array.rows=64 --set pe.kind=mac\n"
        "PE kinds (pe.kind):\n" +
        peKindHelp() +
        "Exit codes: 0 done, 1 invalid config or trace, 2 usage, 4 simulation or output error.\n";
    spec.options.add_options()("help,h", "print this help")(
        "output,o", po::value<std::string>()->value_name("OUT.h5"), "results file (default: trsim_out.h5)");
    addSetOption(spec.options);
    spec.hidden.add_options()("config", po::value<std::string>(), "");
    spec.positional.add("config", 1);
    return spec;
}

}  // namespace

int runCommand(const Args& args, std::ostream& out, std::ostream& err) {
    return handleErrors("run", err, [&](std::string& file) {
        const CommandSpec spec = runSpec();
        const po::variables_map vm = parseCommandLine(spec, args);
        if (vm.count("help")) {
            out << helpText(spec);
            return exit_status::kOk;
        }
        if (!vm.count("config")) throw UsageError("no config given");
        const std::string output = vm.count("output") ? nonEmptyOption(vm, "output", "--output") : "trsim_out.h5";
        file = vm["config"].as<std::string>();
        const SimConfig config = loadConfig(file, configOverrides(vm));

        // Every output is checked before the simulation, not found wanting after it.
        std::vector<InputFile> inputs{{config.configPath, "config"}, {config.tracePath, "trace"},
                                      {config.energy.path, "energy table"}};
        checkOutputPath(output, inputs);
        if (const std::string vcd = vcdFilePath(config); !vcd.empty()) {
            inputs.push_back({output, "results file (-o)"});
            checkOutputPath(vcd, inputs);
            if (vcd == output) throw OutputError(vcd + ": outputs.vcd and -o name the same file");
        }
        installSignalCleanup();
        removeStaleTemporaries(output);

        file = config.tracePath;
        const Trace trace = readTrace(config.tracePath);
        checkTraceFitsConfig(trace, config);
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
        file = output;
        writeResults(output, record);
        printSummaryTable(out, result.stats, result.layerOrder);
        out << "results: " << output << "\n";
        return exit_status::kOk;
    });
}

}  // namespace trsim
