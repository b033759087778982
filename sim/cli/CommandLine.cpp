#include "sim/cli/CommandLine.hpp"

#include <sstream>

namespace trsim {

std::string helpText(const CommandSpec& spec) {
    std::ostringstream s;
    s << "usage: " << spec.usage << "\n\n" << spec.description << "\n" << spec.options;
    return s.str();
}

po::variables_map parseCommandLine(const CommandSpec& spec, const std::vector<std::string>& args) {
    namespace style = po::command_line_style;
    // No abbreviations (--bit for --bits): a typo should be an error, not a guess.
    int flags = style::unix_style & ~style::allow_guessing;
    if (!spec.shortOptions) flags &= ~style::allow_short;
    po::options_description all;
    all.add(spec.options).add(spec.hidden);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(spec.positional).style(flags).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

std::string nonEmptyOption(const po::variables_map& vm, const std::string& name, const std::string& shown) {
    const std::string v = vm[name].as<std::string>();
    if (v.empty()) throw UsageError("option '" + shown + "' must not be empty");
    return v;
}

int atLeast(const po::variables_map& vm, const std::string& name, const std::string& shown, int lo) {
    const int v = vm[name].as<int>();
    if (v < lo)
        throw UsageError("the argument ('" + std::to_string(v) + "') for option '" + shown + "' must be >= " +
                         std::to_string(lo));
    return v;
}

void addSetOption(po::options_description& options) {
    options.add_options()("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
                          "override one config key (any key path, e.g. operands.data.budget=4, "
                          "energy.multiply_8b.value=0.25); repeatable");
}

}  // namespace trsim

namespace trsim {

std::vector<std::string> configOverrides(const po::variables_map& vm) {
    return vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace trsim
