#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <thread>

#include "sim/cli/Commands.hpp"
#include "sim/config/ConfigError.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/sweep/SweepRunner.hpp"
#include "sim/sweep/SweepSpec.hpp"
#include "sim/sweep/SweepWriter.hpp"

namespace trsim {
namespace fs = std::filesystem;
namespace {

const char* kSweepHelp =
    "usage: trsim sweep SWEEP.yaml -o OUT.h5 [-j N] [--shard I/N] [--no-merge | --merge-only]\n"
    "                   [--list] [--slurm-script FILE --slurm-tasks N] [--layers NAME,...|A:B]\n"
    "\n"
    "Runs every point of a sweep (a base config and key paths to vary, see README)\n"
    "as separate trsim run processes and writes all results to one HDF5 file: one\n"
    "group per point plus a summary table. Points already in OUT.h5 are skipped, so\n"
    "re-running resumes; a failing point is reported and the others go on.\n"
    "  -j N              worker processes at once (default: the number of cores)\n"
    "  --list            print the points and exit\n"
    "  --shard I/N       run only points with index % N == I (for job arrays)\n"
    "  --no-merge        leave results in OUT.h5.parts/ without writing OUT.h5\n"
    "  --merge-only      only write OUT.h5 from OUT.h5.parts/ and earlier results\n"
    "  --slurm-script F  write a Slurm job-array script running N shards, then exit\n"
    "  --slurm-tasks N   array size for --slurm-script (default 4)\n"
    "  --layers SPEC     simulate only these layers at every point (simulation.layers)\n"
    "Under mpirun (OMPI_COMM_WORLD_* or PMI_* in the environment) every rank runs\n"
    "its shard and rank 0 merges once all points are done; OUT.h5.parts/ must be on\n"
    "a file system every rank sees.\n"
    "Exit codes: 0 all points ok, 1 invalid sweep, 2 usage, 4 error, 5 some points failed.\n";

struct SweepArgs {
    std::string sweep, output, slurmScript;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    bool jobsGiven = false, list = false, noMerge = false, mergeOnly = false;
    int shard = 0, shards = 1, slurmTasks = 4;
    bool shardGiven = false;
    std::string layers;  // --layers: simulation.layers for every point
};

bool parseShard(const std::string& s, int& index, int& count) {
    const auto slash = s.find('/');
    if (slash == std::string::npos) return false;
    try {
        index = std::stoi(s.substr(0, slash));
        count = std::stoi(s.substr(slash + 1));
    } catch (const std::exception&) {
        return false;
    }
    return count >= 1 && index >= 0 && index < count;
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
    SweepArgs a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        const auto value = [&](std::string& dst) {
            if (i + 1 >= args.size()) throw std::invalid_argument(s + " needs a value");
            dst = args[++i];
        };
        try {
            std::string v;
            if (s == "--help" || s == "-h") {
                out << kSweepHelp;
                return 0;
            } else if (s == "-o" || s == "--output") {
                value(a.output);
            } else if (s == "-j" || s == "--jobs") {
                value(v);
                a.jobs = std::stoi(v);
                a.jobsGiven = true;
                if (a.jobs < 1) throw std::invalid_argument("-j must be >= 1");
            } else if (s == "--shard") {
                value(v);
                if (!parseShard(v, a.shard, a.shards)) throw std::invalid_argument("--shard takes I/N with 0 <= I < N");
                a.shardGiven = true;
            } else if (s == "--slurm-script") {
                value(a.slurmScript);
            } else if (s == "--slurm-tasks") {
                value(v);
                a.slurmTasks = std::stoi(v);
                if (a.slurmTasks < 1) throw std::invalid_argument("--slurm-tasks must be >= 1");
            } else if (s == "--list") {
                a.list = true;
            } else if (s == "--no-merge") {
                a.noMerge = true;
            } else if (s == "--merge-only") {
                a.mergeOnly = true;
            } else if (s == "--layers") {
                value(a.layers);
            } else if (a.sweep.empty() && s.rfind("-", 0) != 0) {
                a.sweep = s;
            } else {
                throw std::invalid_argument("unexpected argument '" + s + "'");
            }
        } catch (const std::exception& e) {
            err << "trsim sweep: " << e.what() << "\n" << kSweepHelp;
            return 2;
        }
    }
    if (a.sweep.empty() || (a.output.empty() && !a.list)) {
        err << "trsim sweep: " << (a.sweep.empty() ? "no sweep file given" : "no output given (-o OUT.h5)") << "\n"
            << kSweepHelp;
        return 2;
    }
    if (a.noMerge && a.mergeOnly) {
        err << "trsim sweep: --no-merge and --merge-only exclude each other\n";
        return 2;
    }
    SweepSpec spec;
    try {
        spec = loadSweep(a.sweep, a.layers.empty() ? std::vector<std::string>{}
                                                   : std::vector<std::string>{layersOverride(a.layers)});
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 1;
    }
    if (a.list) {
        for (const SweepPoint& p : spec.points) {
            out << p.index << " " << p.configHash;
            for (std::size_t k = 0; k < p.values.size(); ++k) out << " " << spec.sweptKeys[k] << "=" << p.values[k];
            out << "\n";
        }
        return 0;
    }
    if (!a.slurmScript.empty()) {
        out << "wrote " << writeSlurmScript(a) << " (" << a.slurmTasks << " tasks over " << spec.points.size()
            << " points); run it on the cluster's login node\n";
        return 0;
    }
    try {
        int rank = 0, size = 1;
        const bool mpi = !a.shardGiven && mpiRank(rank, size);
        if (mpi) {
            a.shard = rank;
            a.shards = size;
            if (!a.jobsGiven) a.jobs = 1;  // one worker per rank: mpirun places the ranks
        }
        const std::string parts = a.output + ".parts";
        const std::set<std::string> done = completedPoints(a.output);
        std::vector<int> todo;
        int resumed = 0;
        for (const SweepPoint& p : spec.points) {
            if (p.index % a.shards != a.shard) continue;
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
            SweepRunOptions options;
            options.jobs = a.jobs;
            options.partsDir = parts;
            options.trsimExecutable = selfExecutable();
            runSweepPoints(spec, todo, options, err);
        }
        if (a.noMerge || (mpi && rank != 0)) return 0;
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
        if (fs::exists(parts) && fs::is_empty(parts)) fs::remove(parts);
        out << "sweep: " << spec.points.size() << " points: " << c.ok << " ok, " << c.failed << " failed, " << c.notRun
            << " not run -> " << a.output << "\n";
        if (c.failed > 0) out << "failed points' logs: " << parts << "/\n";
        // Points not run are a shard's or an interrupted run's doing, not a failure.
        return c.failed > 0 ? 5 : 0;
    } catch (const std::exception& e) {
        err << "trsim sweep: " << e.what() << "\n";
        return 4;
    }
}

}  // namespace trsim
