// SystemC testbench: HeseEncoder -> TermComparator over sc_fifos, clocked.
//
// SystemC elaborates and simulates once per process, so the testbench holds
// several independent chains (one per parameter set) under one clock, runs once
// on first use, and each TEST() checks what that run recorded.
//
// Cycle bookkeeping (cycle c = the c-th rising clock edge, from 0). Every
// sc_fifo hop costs one cycle: a write at edge c becomes readable at edge c + 1.
//   the source fills its fifo at cycle 0, so the encoder takes value n at 1 + n*C
//   the encoder writes value n at 1 + n*C + C - 1 + Le = (n + 1)*C + Le
//   the comparator reads it one cycle later; if it completes a group, the group
//   is written Lc cycles after that and the monitor reads it one cycle later:
//     observed(group) = (n_last + 1)*C + Le + Lc + 2
// where C = ceil((bits + 1) / bitsPerCycle), Le and Lc the two latencyCycles and
// n_last the stream index of the group's last value.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/datapath/TermComparator.hpp"
#include "modules/functional/Encoding.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {
namespace {

struct ChainConfig {
    std::string name;
    HeseEncoderParams encoder;
    TermComparatorParams comparator;
};

struct Observed {
    uint64_t cycle = 0;
    RevealedGroup group;
};

const int kValues = 50;
const int kRunCycles = 1000;  // the slowest chain (bit-serial) needs about 9 * 50 + 5

std::vector<int64_t> streamValues() {
    std::mt19937_64 rng(2007);
    std::uniform_int_distribution<int64_t> dist(-255, 255);
    std::vector<int64_t> v{0, 255, -255, 27, 6};
    while (static_cast<int>(v.size()) < kValues) v.push_back(dist(rng));
    return v;
}

// Groups as the comparator should form them: consecutive runs of groupSize
// inside each segment (the whole stream when segmentLength is 0).
std::vector<std::vector<int>> expectedGroups(const TermComparatorParams& p, int n) {
    const int segment = p.segmentLength > 0 ? p.segmentLength : n;
    std::vector<std::vector<int>> groups;
    for (int start = 0; start < n; start += segment)
        for (int g = start; g < std::min(n, start + segment); g += p.groupSize) {
            groups.emplace_back();
            for (int i = g; i < std::min({n, start + segment, g + p.groupSize}); ++i) groups.back().push_back(i);
        }
    return groups;
}

// One encoder -> comparator chain with its own source and monitor.
class Chain : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;

    SC_HAS_PROCESS(Chain);
    Chain(sc_core::sc_module_name name, const ChainConfig& cfg, const std::vector<int64_t>& values)
        : sc_core::sc_module(name),
          clk("clk"),
          config(cfg),
          source("source", static_cast<int>(values.size())),
          encoded("encoded", 2),
          revealed("revealed", 2),
          encoder("encoder", cfg.encoder),
          comparator("comparator", cfg.comparator),
          values_(values) {
        encoder.clk(clk);
        encoder.in(source);
        encoder.out(encoded);
        comparator.clk(clk);
        comparator.in(encoded);
        comparator.out(revealed);
        SC_METHOD(onClock);
        sensitive << clk.pos();
        dont_initialize();
    }

    ChainConfig config;
    sc_core::sc_fifo<int64_t> source;
    sc_core::sc_fifo<EncodedValue> encoded;
    sc_core::sc_fifo<RevealedGroup> revealed;
    HeseEncoder encoder;
    TermComparator comparator;
    std::vector<Observed> observed;

private:
    // The source and the monitor: fill the source at cycle 0, then record every
    // group that reaches the end of the chain with the cycle it arrived.
    void onClock() {
        if (cycle_ == 0)
            for (int64_t v : values_) source.nb_write(v);
        RevealedGroup g;
        if (revealed.nb_read(g)) observed.push_back({cycle_, g});
        ++cycle_;
    }

    std::vector<int64_t> values_;
    uint64_t cycle_ = 0;
};

struct Testbench {
    sc_core::sc_clock clk{"clk", 1, sc_core::SC_NS};
    std::vector<std::unique_ptr<Chain>> chains;
};

std::vector<ChainConfig> configs() {
    return {
        // Defaults: bit-parallel encoder, end of stream closes the last short group.
        {"parallel", {8, 0, 2}, {4, 6, 1, kValues}},
        // Bit-serial as in hese_encoder.v; two rows of 25 values each.
        {"serial", {8, 1, 2}, {8, 12, 1, 25}},
        // Four digits per cycle, no budget, comparator without a register stage.
        {"nibble", {8, 4, 3}, {5, std::nullopt, 0, kValues}},
        // Two digits per cycle, encoder without register stages, slow comparator, g = 16.
        {"pairs", {8, 2, 0}, {16, 20, 2, kValues}},
    };
}

// Elaborates and simulates once per process; every test reads the result.
const Testbench& run() {
    // Never destroyed: SystemC objects must not be torn down after the kernel
    // has gone, and the process ends right after the tests anyway.
    static Testbench* tb = [] {
        auto* t = new Testbench;
        const std::vector<int64_t> values = streamValues();
        for (const ChainConfig& c : configs()) {
            t->chains.push_back(std::make_unique<Chain>(c.name.c_str(), c, values));
            t->chains.back()->clk(t->clk);
        }
        sc_core::sc_start(kRunCycles, sc_core::SC_NS);
        return t;
    }();
    return *tb;
}

TEST(HeseComparatorSystemC, GroupsMatchFunctionalModel) {
    const std::vector<int64_t> values = streamValues();
    for (const auto& chain : run().chains) {
        SCOPED_TRACE(chain->config.name);
        const auto groups = expectedGroups(chain->config.comparator, kValues);
        ASSERT_EQ(chain->observed.size(), groups.size());
        for (std::size_t j = 0; j < groups.size(); ++j) {
            std::vector<Terms> terms;
            for (int i : groups[j]) terms.push_back(encode(Encoding::Hese, values[i], chain->config.encoder.bits));
            const RevealedGroup& got = chain->observed[j].group;
            EXPECT_EQ(got.kept, selectTopTerms(terms, chain->config.comparator.budget)) << "group " << j;
            int available = 0;
            for (const Terms& t : terms) available += static_cast<int>(t.size());
            EXPECT_EQ(got.available, available);
            EXPECT_EQ(got.comparisons, chain->config.comparator.budget ? available : 0);
        }
    }
}

TEST(HeseComparatorSystemC, GroupsEmergeAtTheComputedCycle) {
    for (const auto& chain : run().chains) {
        SCOPED_TRACE(chain->config.name);
        const HeseEncoderParams& e = chain->config.encoder;
        const int digits = e.bits + 1;
        const int perCycle = (e.bitsPerCycle == 0 || e.bitsPerCycle > digits) ? digits : e.bitsPerCycle;
        const uint64_t C = static_cast<uint64_t>((digits + perCycle - 1) / perCycle);
        const uint64_t Le = static_cast<uint64_t>(e.latencyCycles);
        const uint64_t Lc = static_cast<uint64_t>(chain->config.comparator.latencyCycles);
        const auto groups = expectedGroups(chain->config.comparator, kValues);
        ASSERT_EQ(chain->observed.size(), groups.size());
        for (std::size_t j = 0; j < groups.size(); ++j) {
            const uint64_t last = static_cast<uint64_t>(groups[j].back());
            EXPECT_EQ(chain->observed[j].cycle, (last + 1) * C + Le + Lc + 2) << "group " << j;
        }
    }
}

TEST(HeseComparatorSystemC, ChainsDrainWithoutStalls) {
    for (const auto& chain : run().chains) {
        SCOPED_TRACE(chain->config.name);
        EXPECT_EQ(chain->source.num_available(), 0);
        EXPECT_EQ(chain->encoded.num_available(), 0);
        EXPECT_EQ(chain->revealed.num_available(), 0);
        EXPECT_TRUE(chain->encoder.core().idle());
        EXPECT_TRUE(chain->comparator.core().idle());
        EXPECT_EQ(chain->encoder.stallCycles(), 0u);
        EXPECT_EQ(chain->comparator.stallCycles(), 0u);
        EXPECT_EQ(chain->encoder.core().valuesEncoded(), static_cast<uint64_t>(kValues));
        EXPECT_EQ(chain->comparator.core().termsIn(), chain->encoder.core().termsEmitted());
    }
}

}  // namespace
}  // namespace trsim

// main() comes from libsystemc and calls sc_main, the usual SystemC entry.
int sc_main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
