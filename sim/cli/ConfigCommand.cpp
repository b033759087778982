#include <ostream>

#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/config/ConfigSchema.hpp"

namespace trsim {
namespace {

CommandSpec configSpec() {
    CommandSpec spec;
    spec.usage = "trsim config --reference";
    spec.description =
        "Prints the config reference (every key with its type, allowed values, default and\n"
        "meaning, the cross-key rules and the energy table format) as Markdown, generated\n"
        "from the schema table the loader is tested against; docs/CONFIG.md is its copy.\n"
        "Exit codes: 0 done, 2 usage.\n";
    spec.options.add_options()("help,h", "print this help")("reference", "print the config reference");
    return spec;
}

}  // namespace

int configCommand(const Args& args, std::ostream& out, std::ostream& err) {
    return handleErrors("config", err, [&](std::string&) {
        const CommandSpec spec = configSpec();
        const po::variables_map vm = parseCommandLine(spec, args);
        if (vm.count("help")) {
            out << helpText(spec);
            return exit_status::kOk;
        }
        if (!vm.count("reference")) throw UsageError("nothing to do (give --reference)");
        out << configReferenceMarkdown();
        return exit_status::kOk;
    });
}

}  // namespace trsim
