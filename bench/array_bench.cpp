// Simulation speed of the array modules: simulated PE-cycles per second
// of host time, for one GEMM with realistic operand statistics (post-ReLU data
// with 50% zeros, int8 weights). SystemC simulates once per process, so each
// configuration is its own run:
//   trsim_bench --pe tr|mac --rows R --cols C --mode fast|detailed|structural [--m M --k K --n N]
// structural: the StructuralArray (a module per PE, tr rows streaming their data
// through 8 HESE encoder lanes and a comparator with no register stages, so the
// data path adds no cycles and every mode counts the same cycles).
// bench/run.sh runs the table in the README.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <systemc>

#include "modules/array/SystolicArray.hpp"
#include "modules/structural/StructuralArray.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "modules/pe/TrPe.hpp"

namespace {

const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

trsim::IntTensor operand(int64_t rows, int64_t cols, bool data, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int64_t> mag(0, data ? 255 : 127);
    std::bernoulli_distribution zero(data ? 0.5 : 0.05), negative(0.5);
    trsim::IntTensor t({rows, cols});
    for (auto& v : t.data) v = zero(gen) ? 0 : (!data && negative(gen) ? -mag(gen) : mag(gen));
    return t;
}

// Feeds one job to the array and waits for it.
struct Driver : sc_core::sc_module {
    sc_core::sc_fifo_out<trsim::GemmJob*> out;
    sc_core::sc_fifo_in<trsim::GemmJob*> in;
    trsim::GemmJob* job;
    SC_HAS_PROCESS(Driver);
    Driver(const sc_core::sc_module_name& n, trsim::GemmJob* j) : sc_core::sc_module(n), job(j) { SC_THREAD(run); }
    void run() {
        out.write(job);
        in.read();
        sc_core::sc_stop();  // the structural array's clock would run on
    }
};

}  // namespace

extern "C" int sc_main(int argc, char** argv) {
    (void)kBannerOff;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // "stopped by user"
    std::string pe = "tr", mode = "fast";
    int rows = 32, cols = 32;
    int64_t m = 256, k = 1024, n = 256;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--pe") pe = v;
        else if (a == "--mode") mode = v;
        else if (a == "--rows") rows = std::stoi(v);
        else if (a == "--cols") cols = std::stoi(v);
        else if (a == "--m") m = std::stoll(v);
        else if (a == "--k") k = std::stoll(v);
        else if (a == "--n") n = std::stoll(v);
        else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
    const trsim::OperandCoding wc{8, trsim::Encoding::Hese, 8, 12}, xc{8, trsim::Encoding::Hese, 1, 3};
    const trsim::OperandTensor x = operand(m, k, true, 1), w = operand(n, k, false, 2);
    const bool tr = pe == "tr";
    const trsim::RevealedOperand rx = tr ? trsim::RevealedOperand(x, xc) : trsim::RevealedOperand::plain(x);
    const trsim::RevealedOperand rw = tr ? trsim::RevealedOperand(w, wc) : trsim::RevealedOperand::plain(w);

    trsim::ArraySpec spec;
    spec.rows = rows;
    spec.cols = cols;
    spec.pe = &trsim::peKind(pe);
    spec.reductionPerPe = tr ? 8 : 1;
    if (tr) spec.fixedStepCycles = static_cast<int>(trsim::TrPe::slotPairs(wc, xc));
    trsim::MemorySpec mem;
    mem.dramBytesPerCycle = 1e9;  // measure the array, not DRAM stalls
    trsim::GemmJob job;
    job.x = &rx;
    job.w = &rw;
    job.xValues = &x;
    std::optional<trsim::RowDataPathSpec> dataPath;
    if (tr) {
        dataPath = trsim::RowDataPathSpec{};
        dataPath->encoder.latencyCycles = 0;
        dataPath->comparator = {xc.groupSize, xc.budget, 0, 0, dataPath->lanes};
    }
    std::unique_ptr<trsim::SystolicArray> array;
    std::unique_ptr<trsim::StructuralArray> structural;
    Driver driver("driver", &job);
    sc_core::sc_fifo<trsim::GemmJob*> a("a", 1), b("b", 1);
    driver.out(a);
    driver.in(b);
    if (mode == "structural") {
        structural = std::make_unique<trsim::StructuralArray>("array", spec, mem, sc_core::sc_time(1, sc_core::SC_NS), dataPath);
        structural->jobs(a);
        structural->done(b);
    } else {
        array = std::make_unique<trsim::SystolicArray>(
            "array", spec, mem, sc_core::sc_time(1, sc_core::SC_NS),
            mode == "fast" ? trsim::ArrayTiming::Fast : trsim::ArrayTiming::Detailed);
        array->jobs(a);
        array->done(b);
    }
    const auto start = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (const std::exception_ptr e = structural ? structural->error() : array->error()) std::rethrow_exception(e);
    const double peCycles = static_cast<double>(job.totalCycles) * rows * cols;
    std::cout << pe << " " << rows << "x" << cols << " " << mode << ": GEMM " << m << "x" << k << "x" << n << ", "
              << job.totalCycles << " cycles, " << seconds << " s, " << peCycles / seconds / 1e6
              << " M PE-cycles/s\n";
    return 0;
}
