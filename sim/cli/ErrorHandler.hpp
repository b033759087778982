// The one place where a command's errors become a message and an exit status.
// Every command runs its body through handleErrors; whatever it throws is
// printed as "trsim COMMAND: FILE: what" on stderr (the typed errors name their
// file themselves; anything else is prefixed with the file the command was
// working on) and mapped to the documented exit status.
#pragma once
#include <functional>
#include <iosfwd>
#include <string>

namespace trsim {

namespace exit_status {
constexpr int kOk = 0;
constexpr int kInvalidInput = 1;  // config, sweep or trace invalid (ConfigError, TraceError, TraceConfigMismatch)
constexpr int kUsage = 2;         // malformed command line (UsageError)
constexpr int kFailed = 4;        // simulation or output error, anything unexpected
constexpr int kPointsFailed = 5;  // sweep: some points failed, the others are kept
}  // namespace exit_status

// `body` receives the name of the file it is working on, to update as it goes
// (the config, then the trace, then the output), and returns the exit status.
int handleErrors(const std::string& command, std::ostream& err, const std::function<int(std::string& file)>& body);

}  // namespace trsim
