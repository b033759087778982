// trsim trace: makes traces by delegating to the Python generators of the source tree.
//   from-topology: traces/from_topology.py, the one implementation of the fitted value distributions
//                  (traces/make_imagenet.py), rather than a second copy of them in C++;
//   from-torch:    traces/from_torch.py, the PyTorch importer (traces/trsim_trace/torch_import.py).
#include <filesystem>
#include <ostream>

#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/cli/PythonTool.hpp"
#include "sim/io/OutputFiles.hpp"

namespace trsim {
namespace {

CommandSpec traceSpec() {
    CommandSpec spec;
    spec.usage = "trsim trace from-topology TOPO.csv -o OUT.h5 [--seed N]\n"
                 "       trsim trace from-torch MODEL.py -o OUT.h5 [--samples N] [--name NAME]";
    spec.description =
        "from-topology: builds a synthetic trace from a SCALE-Sim v2 conv topology CSV (Layer\n"
        "name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,\n"
        "Strides): SCALE-Sim's layer shapes (no padding, the last window may run past the\n"
        "edge), values drawn from the distributions fitted to the models trained here,\n"
        "labelled synthetic. Runs /usr/bin/python3 traces/from_topology.py (numpy, h5py).\n"
        "from-torch: imports a PyTorch model. MODEL.py defines model() (the trained\n"
        "torch.nn.Module), test_data() -> (inputs, labels) and optionally calibration_data();\n"
        "batch norm is folded, convs and linear layers quantized to int8, every layer's\n"
        "integer inputs for N test inputs recorded, the test set and the float and int8\n"
        "accuracy stored (docs/user-guide/import.md). An op the integer model cannot run is an error\n"
        "naming the node and the op. Runs /usr/bin/python3 traces/from_torch.py (PyTorch).\n"
        "Nothing is written unless the whole trace is.\n"
        "Exit codes: 0 done, 1 invalid topology or model, 2 usage, 4 generator or output error.\n";
    spec.options.add_options()("help,h", "print this help")(
        "output,o", po::value<std::string>()->value_name("OUT.h5"), "trace file to write")(
        "seed", po::value<int>()->value_name("N"), "from-topology: random seed of the value draws (default 1)")(
        "samples", po::value<int>()->value_name("N"),
        "from-torch: inputs whose layer inputs the trace stores (default 4)")(
        "name", po::value<std::string>()->value_name("NAME"), "from-torch: network name (default: MODEL's file name)");
    spec.hidden.add_options()("subcommand", po::value<std::string>(), "")("input", po::value<std::string>(), "");
    spec.positional.add("subcommand", 1).add("input", 1);
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
        if (!vm.count("subcommand")) throw UsageError("no subcommand given (allowed: from-topology, from-torch)");
        const std::string sub = vm["subcommand"].as<std::string>();
        if (sub != "from-topology" && sub != "from-torch")
            throw UsageError("unknown subcommand '" + sub + "' (allowed: from-topology, from-torch)");
        const bool torch = sub == "from-torch";
        if (!vm.count("input")) throw UsageError(torch ? "no model file given" : "no topology given");
        if (!vm.count("output")) throw UsageError("no output given (-o OUT.h5)");
        const char* other = torch ? "seed" : vm.count("samples") ? "samples" : vm.count("name") ? "name" : nullptr;
        if (other && vm.count(other)) throw UsageError("--" + std::string(other) + " does not apply to " + sub);
        const std::string output = nonEmptyOption(vm, "output", "--output");
        const std::string input = vm["input"].as<std::string>();
        checkOutputPath(output, {{input, torch ? "model file" : "topology"}});
        std::vector<std::string> python;
        if (torch) {
            python = {sourceDir() + "/traces/from_torch.py", input, "-o", output};
            if (vm.count("samples")) python.insert(python.end(), {"--samples", std::to_string(atLeast(vm, "samples", "--samples", 1))});
            if (vm.count("name")) python.insert(python.end(), {"--name", nonEmptyOption(vm, "name", "--name")});
        } else {
            const int seed = vm.count("seed") ? atLeast(vm, "seed", "--seed", 0) : 1;
            python = {sourceDir() + "/traces/from_topology.py", input, "-o", output, "--seed", std::to_string(seed)};
        }
        file = python[0];
        if (!std::filesystem::exists(file))
            throw std::runtime_error("not found (trsim runs the generator of the source tree it was built from)");
        out.flush();
        const int status = runPython(python);
        // The generators report their own errors on one line (traces/trsim_trace/tool.py) with these statuses.
        if (status == exit_status::kOk || status == exit_status::kInvalidInput || status == exit_status::kFailed)
            return status;
        throw std::runtime_error("/usr/bin/python3 failed (exit status " + std::to_string(status) + ")");
    });
}

}  // namespace trsim
