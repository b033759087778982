#include <ostream>

#include "sim/cli/Commands.hpp"
#include "sim/config/ConfigSchema.hpp"

namespace trsim {
namespace {

const char* kConfigHelp =
    "usage: trsim config --reference\n"
    "\n"
    "Prints the config reference (every key with its type, allowed values, default and\n"
    "meaning, the cross-key rules and the energy table format) as Markdown, generated\n"
    "from the schema table the loader is tested against; docs/CONFIG.md is its copy.\n";

}  // namespace

int configCommand(const Args& args, std::ostream& out, std::ostream& err) {
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        out << kConfigHelp;
        return 0;
    }
    if (args.size() != 1 || args[0] != "--reference") {
        err << "trsim config: " << (args.empty() ? "nothing to do" : "unexpected argument '" + args[0] + "'") << "\n"
            << kConfigHelp;
        return 2;
    }
    out << configReferenceMarkdown();
    return 0;
}

}  // namespace trsim
