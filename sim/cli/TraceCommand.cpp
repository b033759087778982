// trsim trace from-topology: delegates to traces/from_topology.py, the one implementation of the
// fitted value distributions (traces/make_imagenet.py), rather than a second copy of them in C++.
#include <filesystem>
#include <ostream>

#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/cli/PythonTool.hpp"

namespace trsim {
namespace {

CommandSpec traceSpec() {
    CommandSpec spec;
    spec.usage = "trsim trace from-topology TOPO.csv -o OUT.h5 [--seed N]";
    spec.description =
        "Builds a synthetic trace from a SCALE-Sim v2 conv topology CSV (Layer name, IFMAP\n"
        "Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides):\n"
        "SCALE-Sim's layer shapes (no padding, the last window may run past the edge), values\n"
        "drawn from the distributions fitted to the models trained here, labelled synthetic.\n"
        "Runs /usr/bin/python3 traces/from_topology.py (numpy, h5py).\n"
        "Exit codes: 0 done, 1 invalid topology, 2 usage, 4 generator error.\n";
    spec.options.add_options()("help,h", "print this help")(
        "output,o", po::value<std::string>()->value_name("OUT.h5"), "trace file to write")(
        "seed", po::value<int>()->default_value(1)->value_name("N"), "random seed of the value draws");
    spec.hidden.add_options()("subcommand", po::value<std::string>(), "")("topology", po::value<std::string>(), "");
    spec.positional.add("subcommand", 1).add("topology", 1);
    return spec;
}

}  // namespace

int traceCommand(const Args& args, std::ostream& out, std::ostream& err) {
    return handleErrors("trace", err, [&](std::string& file) {
        const CommandSpec spec = traceSpec();
        const po::variables_map vm = parseCommandLine(spec, args);
        if (vm.count("help")) {
            out << helpText(spec);
            return exit_status::kOk;
        }
        if (!vm.count("subcommand")) throw UsageError("no subcommand given (allowed: from-topology)");
        if (vm["subcommand"].as<std::string>() != "from-topology")
            throw UsageError("unknown subcommand '" + vm["subcommand"].as<std::string>() + "' (allowed: from-topology)");
        if (!vm.count("topology")) throw UsageError("no topology given");
        if (!vm.count("output")) throw UsageError("no output given (-o OUT.h5)");
        const std::string output = nonEmptyOption(vm, "output", "--output");
        const int seed = atLeast(vm, "seed", "--seed", 0);
        const std::string script = sourceDir() + "/traces/from_topology.py";
        file = script;
        if (!std::filesystem::exists(script))
            throw std::runtime_error("not found (trsim runs the generator of the source tree it was built from)");
        out.flush();
        const int status = runPython({script, vm["topology"].as<std::string>(), "-o", output, "--seed",
                                      std::to_string(seed)});
        if (status == exit_status::kOk || status == exit_status::kInvalidInput) return status;
        throw std::runtime_error("/usr/bin/python3 failed (exit status " + std::to_string(status) + ")");
    });
}

}  // namespace trsim
