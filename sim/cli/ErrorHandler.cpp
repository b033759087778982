#include "sim/cli/ErrorHandler.hpp"

#include <new>
#include <ostream>
#include <sstream>

#include "sim/cli/CommandLine.hpp"
#include "sim/config/ConfigError.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/TraceError.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {
namespace {

std::string programName(const std::string& command) { return command.empty() ? "trsim" : "trsim " + command; }

// Every line of the message gets the command prefix (a ConfigError lists one
// problem per line); indented continuation lines stay as they are.
void print(std::ostream& err, const std::string& command, const std::string& message) {
    std::istringstream lines(message.empty() ? std::string("unknown error") : message);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) err << line << "\n";
        else err << programName(command) << ": " << line << "\n";
    }
}

std::string inFile(const std::string& file, const std::string& what) { return file.empty() ? what : file + ": " + what; }

}  // namespace

int handleErrors(const std::string& command, std::ostream& err, const std::function<int(std::string& file)>& body) {
    std::string file;
    try {
        return body(file);
    } catch (const UsageError& e) {
        print(err, command, std::string(e.what()) + " (see " + programName(command) + " --help)");
        return exit_status::kUsage;
    } catch (const ConfigError& e) {
        print(err, command, e.what());
        return exit_status::kInvalidInput;
    } catch (const TraceError& e) {
        print(err, command, e.what());
        return exit_status::kInvalidInput;
    } catch (const TraceConfigMismatch& e) {
        print(err, command, e.what());
        return exit_status::kInvalidInput;
    } catch (const OutputError& e) {
        print(err, command, e.what());
        return exit_status::kFailed;
    } catch (const std::bad_alloc&) {
        print(err, command, inFile(file, "out of memory (std::bad_alloc)"));
        return exit_status::kFailed;
    } catch (const std::exception& e) {
        print(err, command, inFile(file, e.what()));
        return exit_status::kFailed;
    } catch (...) {
        print(err, command, inFile(file, "unknown exception"));
        return exit_status::kFailed;
    }
}

}  // namespace trsim
