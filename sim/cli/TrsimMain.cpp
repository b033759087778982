#include <ostream>

#include "sim/cli/Commands.hpp"

namespace trsim {
namespace {

const char* kHelp =
    "usage: trsim COMMAND [ARGS]\n"
    "\n"
    "Cycle-level simulator of Term Revealing DNN accelerators.\n"
    "\n"
    "commands:\n"
    "  encode     print the power-of-two terms of integers in an encoding\n"
    "  validate   check a simulation config\n"
    "  run        simulate every layer of a trace on the configured array\n"
    "  sweep      run many configs (a base config and key paths to vary) into one file\n"
    "  config     print the config reference (--reference)\n"
    "  trace      make traces: from-topology (a SCALE-Sim topology CSV)\n"
    "  analysis   figures and CSV from results (python3 -m analysis, from any directory)\n"
    "\n"
    "'trsim COMMAND --help' describes each command.\n";

}  // namespace

int trsimMain(const Args& args, std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << kHelp;
        return 2;
    }
    const std::string& cmd = args[0];
    const Args rest(args.begin() + 1, args.end());
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        out << kHelp;
        return 0;
    }
    if (cmd == "encode") return encodeCommand(rest, out, err);
    if (cmd == "validate") return validateCommand(rest, out, err);
    if (cmd == "run") return runCommand(rest, out, err);
    if (cmd == "sweep") return sweepCommand(rest, out, err);
    if (cmd == "config") return configCommand(rest, out, err);
    if (cmd == "trace") return traceCommand(rest, out, err);
    if (cmd == "analysis") return analysisCommand(rest, out, err);
    err << "trsim: unknown command '" << cmd << "' (allowed: encode, validate, run, sweep, config, trace, analysis)\n" << kHelp;
    return 2;
}

}  // namespace trsim
