#include "sim/cli/ConfigArgs.hpp"

#include "sim/config/LayerSelection.hpp"

namespace trsim {

std::optional<ConfigArgs> parseConfigArgs(const std::vector<std::string>& args, bool acceptsOutput,
                                          std::string& error) {
    ConfigArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out.help = true;
            return out;
        }
        const bool isOutput = acceptsOutput && (a == "-o" || a == "--output");
        if (a == "--set" || isOutput) {
            if (i + 1 >= args.size()) {
                error = a + " needs a value";
                return std::nullopt;
            }
            (isOutput ? out.outputPath : out.overrides.emplace_back()) = args[++i];
        } else if (a.rfind("--set=", 0) == 0) {
            out.overrides.push_back(a.substr(6));
        } else if (acceptsOutput && a == "--report-csv") {
            if (i + 1 >= args.size()) {
                error = a + " needs a directory";
                return std::nullopt;
            }
            out.reportCsvDir = args[++i];
        } else if (a == "--layers") {  // shorthand for --set simulation.layers=SPEC
            if (i + 1 >= args.size()) {
                error = a + " needs a value (NAME,NAME,... or A:B)";
                return std::nullopt;
            }
            out.overrides.push_back(layersOverride(args[++i]));
        } else if (out.configPath.empty() && a.rfind("-", 0) != 0) {
            out.configPath = a;
        } else {
            error = "unexpected argument '" + a + "'";
            return std::nullopt;
        }
    }
    if (out.configPath.empty()) {
        error = "no config given";
        return std::nullopt;
    }
    return out;
}

}  // namespace trsim
