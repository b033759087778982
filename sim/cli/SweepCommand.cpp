#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <set>
#include <thread>

#include "sim/cli/AccuracyScoring.hpp"
#include "sim/cli/CommandLine.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/cli/ErrorHandler.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/TemporaryFiles.hpp"
#include "sim/sweep/SweepLock.hpp"
#include "sim/config/ConfigError.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/sweep/SweepRunner.hpp"
#include "sim/sweep/SweepSpec.hpp"
#include "sim/sweep/SweepWriter.hpp"

namespace trsim {
namespace fs = std::filesystem;
namespace {

CommandSpec sweepSpec() {
    CommandSpec spec;
    spec.usage = "trsim sweep SWEEP.yaml -o OUT.h5 [-j N] [--shard I/N] [--no-merge | --merge-only] [--list]\n"
                 "                   [--slurm-script FILE --slurm-tasks N] [--layers NAME,...|A:B]";
    spec.description =
        "Runs every point of a sweep (a base config and key paths to vary, as one block\n"
        "or a list of blocks whose points are united; see docs/user-guide/sweeps.md)\n"
        "as separate trsim run processes and writes all results to one HDF5 file: one\n"
        "group per point plus a summary table. Points already in OUT.h5 are skipped, so\n"
        "re-running resumes; points of other sweeps already in OUT.h5 are kept beside\n"
        "this sweep's; a failing point is reported and the others go on. One sweep at a\n"
        "time writes an output (OUT.h5.lock): a second one refuses.\n"
        "Under mpirun (OMPI_COMM_WORLD_* or PMI_* in the environment) every rank runs\n"
        "its shard and rank 0 merges once all points are done; OUT.h5.parts/ must be on\n"
        "a file system every rank sees.\n"
        "Before the points run, the model accuracies they lack (accuracy.score: auto) are\n"
        "scored, each distinct setting once, -j at a time, into the traces' score caches.\n"
        "Exit codes: 0 all points ok, 1 invalid sweep, 2 usage, 4 error, 5 some points failed.\n";
    spec.options.add_options()("help,h", "print this help")(
        "output,o", po::value<std::string>()->value_name("OUT.h5"), "sweep results file")(
        "jobs,j", po::value<int>()->value_name("N"), "worker processes at once (default: the number of cores)")(
        "list", "print the points and exit")(
        "shard", po::value<std::string>()->value_name("I/N"), "run only points with index % N == I (job arrays)")(
        "no-merge", "leave results in OUT.h5.parts/ without writing OUT.h5")(
        "merge-only", "only write OUT.h5 from OUT.h5.parts/ and earlier results")(
        "slurm-script", po::value<std::string>()->value_name("FILE"),
        "write a Slurm job-array script running N shards, then exit")(
        "slurm-tasks", po::value<int>()->default_value(4)->value_name("N"), "array size for --slurm-script")(
        "layers", po::value<std::string>()->value_name("NAME,...|A:B"),
        "simulate only these layers at every point (simulation.layers)")(
        "max-points", po::value<int>()->value_name("N"),
        ("refuse sweeps of more than N points (default " + std::to_string(kDefaultMaxSweepPoints) + ")").c_str());
    spec.hidden.add_options()("sweep", po::value<std::string>(), "");
    spec.positional.add("sweep", 1);
    return spec;
}

struct SweepArgs {
    std::string sweep, output, slurmScript;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    bool jobsGiven = false, list = false, noMerge = false, mergeOnly = false;
    int shard = 0, shards = 1, slurmTasks = 4;
    bool shardGiven = false;
    std::string layers;  // --layers: simulation.layers for every point
    std::size_t maxPoints = kDefaultMaxSweepPoints;  // --max-points
};

bool parseShard(const std::string& s, int& index, int& count) {
    const auto slash = s.find('/');
    if (slash == std::string::npos) return false;
    const auto whole = [](const std::string& t, int& v) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
        v = std::stoi(t);
        return true;
    };
    return whole(s.substr(0, slash), index) && whole(s.substr(slash + 1), count) && count >= 1 && index < count;
}

SweepArgs parseSweepArgs(const po::variables_map& vm) {
    SweepArgs a;
    if (!vm.count("sweep")) throw UsageError("no sweep file given");
    a.sweep = vm["sweep"].as<std::string>();
    a.list = vm.count("list") > 0;
    if (vm.count("output")) a.output = nonEmptyOption(vm, "output", "--output");
    else if (!a.list) throw UsageError("no output given (-o OUT.h5)");
    if (vm.count("jobs")) {
        a.jobs = atLeast(vm, "jobs", "--jobs", 1);
        a.jobsGiven = true;
    }
    if (vm.count("shard")) {
        if (!parseShard(vm["shard"].as<std::string>(), a.shard, a.shards))
            throw UsageError("the argument ('" + vm["shard"].as<std::string>() +
                             "') for option '--shard' must be I/N with 0 <= I < N");
        a.shardGiven = true;
    }
    if (vm.count("slurm-script")) a.slurmScript = nonEmptyOption(vm, "slurm-script", "--slurm-script");
    a.slurmTasks = atLeast(vm, "slurm-tasks", "--slurm-tasks", 1);
    a.noMerge = vm.count("no-merge") > 0;
    a.mergeOnly = vm.count("merge-only") > 0;
    if (vm.count("layers")) a.layers = nonEmptyOption(vm, "layers", "--layers");
    if (vm.count("max-points")) a.maxPoints = static_cast<std::size_t>(atLeast(vm, "max-points", "--max-points", 1));
    if (a.noMerge && a.mergeOnly) throw UsageError("--no-merge and --merge-only exclude each other");
    return a;
}

// Rank and size when started by mpirun (Open MPI) or another PMI launcher.
bool mpiRank(int& rank, int& size) {
    for (const auto& [r, s] : {std::pair<const char*, const char*>{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
                               {"PMI_RANK", "PMI_SIZE"}}) {
        const char* rv = std::getenv(r);
        const char* sv = std::getenv(s);
        if (rv && sv) {
            rank = std::atoi(rv);
            size = std::atoi(sv);
            return size > 1;
        }
    }
    return false;
}

std::string writeSlurmScript(const SweepArgs& a) {
    const std::string self = selfExecutable();
    const std::string sweep = fs::absolute(a.sweep).string(), out = fs::absolute(a.output).string();
    const std::string layers = a.layers.empty() ? "" : " --layers '" + a.layers + "'";
    std::ofstream s(a.slurmScript);
    s << "#!/bin/bash\n"
      << "# trsim sweep as a Slurm job array: " << a.slurmTasks << " shards, then one merge.\n"
      << "# Submit with:  bash " << a.slurmScript << "\n"
      << "set -euo pipefail\n"
      << "mkdir -p '" << out << ".parts'\n"
      << "array=$(sbatch --parsable --job-name=trsim-sweep --array=0-" << a.slurmTasks - 1
      << " --cpus-per-task=1 --output='" << out << ".parts/slurm-%A_%a.log' --wrap=\"'" << self << "' sweep '"
      << sweep << "' -o '" << out << "'" << layers << " -j 1 --no-merge --shard \\${SLURM_ARRAY_TASK_ID}/" << a.slurmTasks << "\")\n"
      << "sbatch --job-name=trsim-sweep-merge --dependency=afterany:${array} --output='" << out
      << ".parts/slurm-merge-%j.log' --wrap=\"'" << self << "' sweep '" << sweep << "' -o '" << out
      << "'" << layers << " --merge-only\"\n"
      << "echo \"submitted job array ${array} and its merge\"\n";
    return a.slurmScript;
}

}  // namespace

int sweepCommand(const Args& args, std::ostream& out, std::ostream& err) {
    return handleErrors("sweep", err, [&](std::string& file) {
        const CommandSpec cmd = sweepSpec();
        const po::variables_map vm = parseCommandLine(cmd, args);
        if (vm.count("help")) {
            out << helpText(cmd);
            return exit_status::kOk;
        }
        SweepArgs a = parseSweepArgs(vm);
        file = a.sweep;
        const SweepSpec spec = loadSweep(a.sweep,
                                         a.layers.empty() ? std::vector<std::string>{}
                                                          : std::vector<std::string>{layersOverride(a.layers)},
                                         a.maxPoints, &err);
        for (const SweepBlockCount& b : spec.blocks)
            if (b.repeated > 0)
                err << "trsim sweep: " << spec.path << ": " << b.where << ": " << b.repeated << " of its " << b.listed
                    << " points resolve to the config of a point of an earlier block and run once, as that point\n";
        if (a.list) {
            for (const SweepPoint& p : spec.points) {
                out << p.index << " " << p.configHash;
                for (std::size_t k = 0; k < p.values.size(); ++k) out << " " << p.keys[k] << "=" << p.values[k];
                out << "\n";
            }
            return exit_status::kOk;
        }
        std::vector<InputFile> inputs{{spec.path, "sweep file"}, {spec.baseConfigPath, "base config"}};
        for (const SweepPoint& p : spec.points)
            for (const std::string& in : p.inputFiles) inputs.push_back({in, "input of point " + std::to_string(p.index)});
        checkOutputPath(a.output, inputs);
        if (!a.slurmScript.empty()) {
            checkOutputPath(a.slurmScript, inputs);
            out << "wrote " << writeSlurmScript(a) << " (" << a.slurmTasks << " tasks over " << spec.points.size()
                << " points); run it on the cluster's login node\n";
            return exit_status::kOk;
        }
        int rank = 0, size = 1;
        const bool mpi = !a.shardGiven && mpiRank(rank, size);
        if (mpi) {
            a.shard = rank;
            a.shards = size;
            if (!a.jobsGiven) a.jobs = 1;  // one worker per rank: mpirun places the ranks
        }
        const bool merges = !a.noMerge && !(mpi && rank != 0);
        installSignalCleanup();
        // Shards that only run points share the output with the merging process; the merger locks it.
        std::optional<SweepLock> lock;
        if (merges) lock.emplace(a.output);
        file = a.output;
        const std::string parts = a.output + ".parts";
        const std::set<std::string> done = completedPoints(a.output);
        if (merges) removeStaleTemporaries(a.output, /*targetLocked=*/true);
        std::vector<int> todo;
        int resumed = 0;
        for (const SweepPoint& p : spec.points) {
            if (p.index % a.shards != a.shard) continue;
            removeStaleTemporaries(partPath(parts, p.configHash, ".h5"));
            if (done.count(p.configHash) || fs::exists(partPath(parts, p.configHash, ".h5"))) {
                ++resumed;
                continue;
            }
            todo.push_back(p.index);
        }
        if (!a.mergeOnly) {
            err << "trsim sweep: " << spec.points.size() << " points"
                << (a.shards > 1 ? ", shard " + std::to_string(a.shard) + "/" + std::to_string(a.shards) : "")
                << ": " << todo.size() << " to run, " << resumed << " already done, " << a.jobs << " at once\n";
            if (!todo.empty()) scoreSweepAccuracy(spec, todo, a.jobs, parts, err);
            SweepRunOptions options;
            options.jobs = a.jobs;
            options.partsDir = parts;
            options.trsimExecutable = selfExecutable();
            runSweepPoints(spec, todo, options, err);
        }
        if (!merges) return exit_status::kOk;
        if (mpi) {
            // Rank 0 merges once every point has an outcome from some rank.
            for (bool waiting = true; waiting;) {
                waiting = false;
                for (const SweepPoint& p : spec.points)
                    if (!done.count(p.configHash) && !fs::exists(partPath(parts, p.configHash, ".h5")) &&
                        !fs::exists(partPath(parts, p.configHash, ".failed")))
                        waiting = true;
                if (waiting) std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        }
        const SweepMergeCounts c = writeSweepResults(a.output, spec, parts);
        // Merged results live in OUT.h5 now; keep only what explains failures.
        for (const SweepPoint& p : spec.points) {
            if (!fs::exists(partPath(parts, p.configHash, ".h5"))) continue;
            fs::remove(partPath(parts, p.configHash, ".h5"));
            fs::remove(partPath(parts, p.configHash, ".log"));
        }
        std::error_code ec;
        if (fs::exists(parts, ec) && fs::is_empty(parts, ec)) fs::remove(parts, ec);
        out << "sweep: " << spec.points.size() << " points: " << c.ok << " ok, " << c.failed << " failed, " << c.notRun
            << " not run -> " << a.output;
        if (c.otherSweeps > 0) out << " (with " << c.otherSweeps << " points of earlier sweeps, kept)";
        out << "\n";
        if (c.failed > 0) out << "failed points' logs: " << parts << "/\n";
        // Points not run are a shard's or an interrupted run's doing, not a failure.
        return c.failed > 0 ? exit_status::kPointsFailed : exit_status::kOk;
    });
}

}  // namespace trsim
