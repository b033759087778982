// The arithmetic floor of a trace for bench/networks.sh: reads the trace and
// computes every layer's exact integer output with the functional reference
// (ExactGemm), single-threaded, then prints the seconds this took. No simulator
// can run the trace's layers faster than it can compute their outputs.
#include <chrono>
#include <cstdio>
#include <exception>

#include "modules/functional/Reference.hpp"
#include "sim/io/TraceReader.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: trsim_floor TRACE.h5\n");
        return 2;
    }
    try {
        const auto start = std::chrono::steady_clock::now();
        const trsim::Trace trace = trsim::readTrace(argv[1]);
        int64_t checksum = 0;
        for (const trsim::TraceLayer& l : trace.layers) {
            const trsim::IntTensor y = l.type == trsim::LayerType::Conv
                                           ? trsim::conv2dReference(l.inputs, l.weights, l.conv)
                                           : trsim::gemmReference(l.inputs, l.weights);
            for (int64_t v : y.data) checksum += v;
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%s: %zu layers, exact outputs (checksum %lld) in %.3f s\n", argv[1], trace.layers.size(),
                    static_cast<long long>(checksum), s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "trsim_floor: %s\n", e.what());
        return 1;
    }
    return 0;
}
