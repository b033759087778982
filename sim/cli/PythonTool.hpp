// Runs a Python tool of trsim's source tree (traces/ generators and scorer, the analysis package) with
// Debian's /usr/bin/python3 and the source tree on PYTHONPATH, so it works from any directory. The child
// also gets TRSIM_FUNCTIONAL_LIB (unless already set): the C ABI library of the functional model built with
// this trsim (modules/functional/capi), which the accuracy scorer loads.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace trsim {

// The repository trsim was built from.
std::string sourceDir();

// The shared library modules/functional/capi built with this trsim.
std::string functionalLibrary();

struct PythonOutput {
    bool stdoutToStderr = false;       // the tool's stdout goes to trsim's stderr (trsim's stdout stays clean)
    std::string* captureStdout = nullptr;  // non-null: the tool's stdout is collected here instead
};

// Runs /usr/bin/python3 ARGS... (e.g. {"-m", "analysis", ...} or {script, ...}) and waits.
// Returns the tool's exit status, 127 when Python could not be started, 128 + N when killed by signal N.
// The child is registered with TemporaryFiles' signal handler, so an interrupted trsim stops it too.
int runPython(const std::vector<std::string>& args, const PythonOutput& output = {});

// Starts /usr/bin/python3 ARGS... with stdin from /dev/null and stdout and stderr into `logFile`, without
// waiting; the caller waits (waitpid) and unregisters it (unregisterChild). Throws std::runtime_error when
// the process cannot be started.
pid_t startPython(const std::vector<std::string>& args, const std::string& logFile);

// The exit status as runPython reports it, from a waitpid status.
int pythonExitStatus(int waitStatus);

}  // namespace trsim
