// trsim trace from-topology: delegates to traces/from_topology.py, the one implementation of the
// fitted value distributions (traces/make_imagenet.py), rather than a second copy of them in C++.
#include <filesystem>
#include <ostream>

#include "sim/cli/Commands.hpp"
#include "sim/cli/PythonTool.hpp"

namespace trsim {
namespace {

const char* kTraceHelp =
    "usage: trsim trace from-topology TOPO.csv -o OUT.h5 [--seed N]\n"
    "\n"
    "Builds a synthetic trace from a SCALE-Sim v2 conv topology CSV (Layer name, IFMAP\n"
    "Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides):\n"
    "SCALE-Sim's layer shapes (no padding, the last window may run past the edge), values\n"
    "drawn from the distributions fitted to the models trained here, labelled synthetic.\n"
    "Runs /usr/bin/python3 traces/from_topology.py (numpy, h5py).\n"
    "Exit codes: 0 done, 1 invalid topology, 2 usage, 4 generator error.\n";

}  // namespace

int traceCommand(const Args& args, std::ostream& out, std::ostream& err) {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
        out << kTraceHelp;
        return 0;
    }
    if (args.empty() || args[0] != "from-topology") {
        err << "trsim trace: " << (args.empty() ? "no subcommand" : "unknown subcommand '" + args[0] + "'")
            << " (allowed: from-topology)\n"
            << kTraceHelp;
        return 2;
    }
    std::string topology, output, seed = "1";
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out << kTraceHelp;
            return 0;
        }
        if ((a == "-o" || a == "--output" || a == "--seed") && i + 1 < args.size()) {
            (a == "--seed" ? seed : output) = args[++i];
        } else if (topology.empty() && a.rfind("-", 0) != 0) {
            topology = a;
        } else {
            err << "trsim trace from-topology: unexpected argument '" << a << "'\n" << kTraceHelp;
            return 2;
        }
    }
    if (topology.empty() || output.empty()) {
        err << "trsim trace from-topology: " << (topology.empty() ? "no topology given" : "no output given (-o OUT.h5)")
            << "\n" << kTraceHelp;
        return 2;
    }
    if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos) {
        err << "trsim trace from-topology: --seed '" << seed << "' is not a non-negative integer\n";
        return 2;
    }
    const std::string script = sourceDir() + "/traces/from_topology.py";
    if (!std::filesystem::exists(script)) {
        err << "trsim trace from-topology: " << script << " not found (trsim runs the generator of its source tree)\n";
        return 4;
    }
    out.flush();
    const int status = runPython({script, topology, "-o", output, "--seed", seed});
    if (status == 0 || status == 1) return status;
    err << "trsim trace from-topology: /usr/bin/python3 " << script << " failed (exit status " << status << ")\n";
    return 4;
}

}  // namespace trsim
