#include <ostream>

#include "sim/cli/Commands.hpp"
#include "sim/cli/ConfigArgs.hpp"
#include "sim/config/ConfigLoader.hpp"

namespace trsim {
namespace {

const char* kValidateHelp =
    "usage: trsim validate CONFIG.yaml [--set key.path=value ...]\n"
    "\n"
    "Checks a simulation config and its energy table: unknown keys, wrong types and\n"
    "out-of-range values are reported with the file, the key path and what is allowed.\n"
    "Exits 0 when valid, 1 when not, 2 on a usage error.\n";

}  // namespace

int validateCommand(const Args& args, std::ostream& out, std::ostream& err) {
    std::string problem;
    const auto parsed = parseConfigArgs(args, false, problem);
    if (!parsed) {
        err << "trsim validate: " << problem << "\n" << kValidateHelp;
        return 2;
    }
    if (parsed->help) {
        out << kValidateHelp;
        return 0;
    }
    try {
        const SimConfig c = loadConfig(parsed->configPath, parsed->overrides);
        out << parsed->configPath << ": valid (hash " << c.hash << ")\n";
        return 0;
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 1;
    }
}

}  // namespace trsim
