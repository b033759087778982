#include <algorithm>
#include <ostream>

#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"

namespace trsim {
namespace {

CommandSpec topLevelSpec() {
    CommandSpec spec;
    spec.usage = "trsim COMMAND [ARGS]";
    spec.description =
        "Cycle-level simulator of Term Revealing DNN accelerators.\n"
        "\n"
        "commands:\n"
        "  encode     print the power-of-two terms of integers in an encoding\n"
        "  validate   check a simulation config\n"
        "  run        simulate every layer of a trace on the configured array\n"
        "  sweep      run many configs (a base config and key paths to vary) into one file\n"
        "  config     print the config reference (--reference)\n"
        "  trace      make traces: from-topology (a SCALE-Sim topology CSV), from-torch (a PyTorch model)\n"
        "  analysis   figures and CSV from results (python3 -m analysis, from any directory)\n"
        "\n"
        "'trsim COMMAND --help' describes each command.\n"
        "Exit codes: 0 done, 1 invalid config, sweep or trace, 2 usage, 4 simulation or\n"
        "output error, 5 sweep with failed points.\n";
    spec.options.add_options()("help,h", "print this help");
    spec.hidden.add_options()("command", po::value<std::string>(), "")(
        "args", po::value<std::vector<std::string>>(), "");
    spec.positional.add("command", 1).add("args", -1);
    return spec;
}

}  // namespace

int trsimMain(const Args& args, std::ostream& out, std::ostream& err) {
    const CommandSpec spec = topLevelSpec();
    // Only the leading options belong to trsim itself; the rest go to the command untouched.
    const auto command = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.empty() || a[0] != '-'; });
    if (command != args.end()) {
        const Args rest(command + 1, args.end());
        if (*command == "encode") return encodeCommand(rest, out, err);
        if (*command == "validate") return validateCommand(rest, out, err);
        if (*command == "run") return runCommand(rest, out, err);
        if (*command == "sweep") return sweepCommand(rest, out, err);
        if (*command == "config") return configCommand(rest, out, err);
        if (*command == "trace") return traceCommand(rest, out, err);
        if (*command == "analysis") return analysisCommand(rest, out, err);
        if (*command == "help") {
            out << helpText(spec);
            return exit_status::kOk;
        }
    }
    return handleErrors("", err, [&](std::string&) {
        const po::variables_map vm = parseCommandLine(spec, args);
        if (vm.count("help")) {
            out << helpText(spec);
            return exit_status::kOk;
        }
        if (!vm.count("command")) throw UsageError("no command given");
        throw UsageError("unknown command '" + vm["command"].as<std::string>() +
                         "' (allowed: encode, validate, run, sweep, config, trace, analysis)");
    });
}

}  // namespace trsim
