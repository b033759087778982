#include <ostream>

#include "modules/pe/PeRegistry.hpp"
#include "sim/cli/AccuracyScoring.hpp"
#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/cli/SummaryTable.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/io/ScaleSimReports.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/io/TraceReader.hpp"
#include "sim/run/LayerConfigs.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {
namespace {

CommandSpec runSpec() {
    CommandSpec spec;
    spec.usage = "trsim run CONFIG.yaml [-o OUT.h5] [--set KEY=VALUE ...] [--layers NAME,...|A:B] [--report-csv DIR]";
    spec.description =
        "Simulates every layer of the config's trace on the configured array, checks\n"
        "each layer's output against the functional reference, and writes cycles,\n"
        "utilization, stalls, energy by component and output error per layer to OUT.h5\n"
        "(written to a temporary file and renamed at the end). The output must not be\n"
        "one of the files the run reads, and its directory must exist.\n"
        "--set overrides any config key, e.g.\n"
        "  --set operands.data.budget=4 --set array.rows=64 --set pe.kind=mac\n"
        "--report-csv DIR also writes DIR/COMPUTE_REPORT.csv and DIR/BANDWIDTH_REPORT.csv\n"
        "with SCALE-Sim v2's columns (sim/io/ScaleSimReports.hpp has each column's meaning).\n"
        "The model accuracy of the config's setting comes from the trace or its score cache\n"
        "<trace>.scores.tsv; with accuracy.score: auto (the default) a missing one is scored\n"
        "first (traces/score.py on the trace's test set) and cached (docs/user-guide/import.md).\n"
        "PE kinds (pe.kind):\n" +
        peKindHelp() +
        "Exit codes: 0 done, 1 invalid config or trace, 2 usage, 4 simulation or output error.\n";
    spec.options.add_options()("help,h", "print this help")(
        "output,o", po::value<std::string>()->value_name("OUT.h5"), "results file (default: trsim_out.h5)");
    addSetOption(spec.options);
    spec.options.add_options()(
        "layers", po::value<std::string>()->value_name("NAME,...|A:B"),
        "simulate only these layers (0-based A <= index < B); the same as --set simulation.layers=...")(
        "report-csv", po::value<std::string>()->value_name("DIR"),
        "also write SCALE-Sim style COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv into DIR");
    // --no-score: the sweep's workers, whose sweep has scored what their points lack (AccuracyScoring.hpp).
    spec.hidden.add_options()("config", po::value<std::string>(), "")("no-score", "");
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
        std::vector<std::string> overrides = configOverrides(vm);
        if (vm.count("layers")) overrides.push_back(layersOverride(nonEmptyOption(vm, "layers", "--layers")));
        const std::string reportDir = vm.count("report-csv") ? nonEmptyOption(vm, "report-csv", "--report-csv") : "";
        const SimConfig config = loadConfig(file, overrides);

        // Every output is checked before the simulation, not found wanting after it.
        std::vector<InputFile> inputs = inputFilesOf(config);
        checkOutputPath(output, inputs);
        inputs.push_back({output, "results file (-o)"});
        if (const std::string vcd = vcdFilePath(config); !vcd.empty()) {
            if (vcd == output || sameFile(vcd, output)) throw OutputError(vcd + ": outputs.vcd and -o name the same file");
            try {
                checkOutputPath(vcd, inputs);
            } catch (const OutputError& e) {
                throw OutputError(std::string("outputs.vcd: ") + e.what());
            }
            inputs.push_back({vcd, "waveform (outputs.vcd)"});
        }
        if (!reportDir.empty())
            checkOutputDirectory(reportDir, {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv"}, inputs, "--report-csv");
        installSignalCleanup();
        removeStaleTemporaries(output);

        file = config.tracePath;
        Trace trace = readTrace(config.tracePath);
        // The network's accuracy: keyed on the whole trace, before simulation.layers picks layers.
        // per_layer selections refer to the whole trace too: resolved before simulation.layers picks layers.
        const LayerConfigs layers(config, trace);
        const AccuracyLookup accuracy = accuracyForRun(trace, config, !vm.count("no-score"), err);
        keepSelectedLayers(trace, config, layers);
        checkTraceFitsConfig(trace, layers);
        err << "trsim run: " << trace.network << " (" << trace.layers.size() << " layers, " << trace.source
            << ") on a " << config.array.rows << "x" << config.array.cols << " " << config.pe.kind
            << " array, config hash " << config.hash << "\n";
        RunRecord record;
        record.configYaml = config.resolvedYaml;
        record.configHash = config.hash;
        record.tracePath = trace.path;
        record.traceNetwork = trace.network;
        record.traceSource = trace.source;
        // The results file is written while the run goes on, each layer once its results are final;
        // nothing reaches `output` unless the whole run and the file succeed.
        file = output;
        ResultsStream stream(output, record);
        file = config.tracePath;
        const auto writeLayer = [&stream](const SimulationResult& r, const std::string& layer) {
            stream.addLayer(layerRecordOf(layer, r.stats, r.layerOperands, r.outputs, r.maps));
        };
        const SimulationResult result = simulate(config, trace, err, &accuracy, &layers, writeLayer);
        record.layerOrder = result.layerOrder;
        record.stats = &result.stats;
        record.outputs = result.outputs;
        record.maps = result.maps;
        record.layerOperands = result.layerOperands;
        file = output;
        stream.finish(record);
        printSummaryTable(out, result.stats, result.layerOrder);
        out << "results: " << output << "\n";
        if (!reportDir.empty()) {
            file = reportDir;
            std::map<std::string, std::string> settings;  // per_layer: each layer's setting in its own column
            for (const std::string& name : result.layerOrder) settings[name] = operandSettingText(layers.of(name));
            writeScaleSimReports(reportDir, result.stats, result.layerOrder, trace, config,
                                 layers.uniform() ? nullptr : &settings);
            out << "SCALE-Sim reports: " << reportDir << "/COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv\n";
        }
        return exit_status::kOk;
    });
}

}  // namespace trsim
