// The trsim subcommands. Each takes its own arguments (after the subcommand
// name) and returns the process exit code.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace trsim {

using Args = std::vector<std::string>;

int encodeCommand(const Args& args, std::ostream& out, std::ostream& err);
int validateCommand(const Args& args, std::ostream& out, std::ostream& err);
int runCommand(const Args& args, std::ostream& out, std::ostream& err);
int sweepCommand(const Args& args, std::ostream& out, std::ostream& err);
int configCommand(const Args& args, std::ostream& out, std::ostream& err);
int traceCommand(const Args& args, std::ostream& out, std::ostream& err);
int analysisCommand(const Args& args, std::ostream& out, std::ostream& err);

// Top level: dispatches on args[0].
int trsimMain(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace trsim
