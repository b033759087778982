// trsim analysis ARGS...: the analysis package (figures, CSV) from any directory; the same as
// `/usr/bin/python3 -m analysis ARGS...` run in the repository.
#include <ostream>

#include "sim/cli/Commands.hpp"
#include "sim/cli/PythonTool.hpp"

namespace trsim {

int analysisCommand(const Args& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> python{"-m", "analysis"};
    python.insert(python.end(), args.begin(), args.end());
    out.flush();
    err.flush();
    const int status = runPython(python);
    if (status == 127) err << "trsim analysis: cannot start /usr/bin/python3 -m analysis\n";
    return status;
}

}  // namespace trsim
