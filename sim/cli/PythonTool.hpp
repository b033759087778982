// Runs a Python tool of trsim's source tree (traces/ generators, the analysis package) with Debian's
// /usr/bin/python3 and the source tree on PYTHONPATH, so it works from any directory.
#pragma once
#include <string>
#include <vector>

namespace trsim {

// The repository trsim was built from.
std::string sourceDir();

// Runs /usr/bin/python3 ARGS... (e.g. {"-m", "analysis", ...} or {script, ...}) and waits.
// Returns the tool's exit status, 127 when Python could not be started, 128 + N when killed by signal N.
int runPython(const std::vector<std::string>& args);

}  // namespace trsim
