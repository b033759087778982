// Command-line parsing for every trsim command, on Boost.Program_options: one
// options table per command gives both the parser and the generated --help.
// Values are typed and checked as whole strings ("-j 2abc" is an error naming
// --jobs); every problem is a UsageError (exit status 2).
//
// Adding an option to a command: one add_options() line in that command's
// table (name, typed value, help text), then read it from the variables_map.
#pragma once
#include <boost/program_options.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace trsim {

namespace po = boost::program_options;

// A malformed command line: unknown option, missing or ill-typed value, missing operand.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

struct CommandSpec {
    std::string usage;        // "trsim run CONFIG.yaml [options]"
    std::string description;  // what the command does, and its exit codes
    po::options_description options{"options", 100};
    po::positional_options_description positional;
    po::options_description hidden;  // positional operands, not listed as options
    bool shortOptions = true;        // false where operands may start with '-' (encode: negative values)
};

// The command's --help: usage, description, then the generated option table.
std::string helpText(const CommandSpec& spec);

// Parses `args` (after the command name). Throws UsageError naming the option.
po::variables_map parseCommandLine(const CommandSpec& spec, const std::vector<std::string>& args);

// A value that must be non-empty when given (e.g. -o ''): throws UsageError naming the option.
std::string nonEmptyOption(const po::variables_map& vm, const std::string& name, const std::string& shown);

// An integer option with a lower bound: throws UsageError naming the option and the bound.
int atLeast(const po::variables_map& vm, const std::string& name, const std::string& shown, int lo);

// The --set option shared by the commands that take a config, and its values.
void addSetOption(po::options_description& options);
std::vector<std::string> configOverrides(const po::variables_map& vm);

}  // namespace trsim
