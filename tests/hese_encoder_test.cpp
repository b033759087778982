// HESE encoder core (modules/datapath/HeseEncoder.hpp), without SystemC: terms against the
// functional model, and the timing stated in the header, cycle by cycle.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/functional/Encoding.hpp"

namespace trsim {
namespace {

struct Streamed {
    std::vector<TimedEncodedValue> outputs;
    std::vector<uint64_t> acceptCycles;
};

// Offers the values in order, each from the first cycle it can be taken, and
// ticks until everything has left the encoder.
Streamed streamAll(HeseEncoderCore& enc, const std::vector<int64_t>& values) {
    Streamed s;
    std::size_t next = 0;
    while (next < values.size() || !enc.idle()) {
        std::optional<int64_t> offered;
        if (next < values.size()) offered = values[next];
        const uint64_t now = enc.cycle();
        EncoderTick t = enc.tick(offered);
        if (t.accepted) {
            s.acceptCycles.push_back(now);
            ++next;
        }
        if (t.output) {
            EXPECT_EQ(t.output->outputCycle, now);
            s.outputs.push_back(*t.output);
        }
    }
    return s;
}

std::vector<int64_t> allValues(int bits) {
    std::vector<int64_t> v;
    const int64_t max = (int64_t{1} << bits) - 1;
    for (int64_t x = -max; x <= max; ++x) v.push_back(x);
    return v;
}

TEST(HeseEncoderCore, CyclesPerValueFromDigitsPerCycle) {
    // 8-bit magnitudes have 9 digit positions (HESE reaches 2^8).
    EXPECT_EQ(HeseEncoderCore({8, 1, 2}).cyclesPerValue(), 9);
    EXPECT_EQ(HeseEncoderCore({8, 2, 2}).cyclesPerValue(), 5);
    EXPECT_EQ(HeseEncoderCore({8, 4, 2}).cyclesPerValue(), 3);
    EXPECT_EQ(HeseEncoderCore({8, 9, 2}).cyclesPerValue(), 1);
    EXPECT_EQ(HeseEncoderCore({8, 0, 2}).cyclesPerValue(), 1);   // default: whole value per cycle
    EXPECT_EQ(HeseEncoderCore({8, 20, 2}).cyclesPerValue(), 1);  // wider than the value: still one cycle
    EXPECT_EQ(HeseEncoderCore({4, 2, 0}).cyclesPerValue(), 3);
    EXPECT_EQ(HeseEncoderCore().cyclesPerValue(), 1);
    EXPECT_EQ(HeseEncoderCore().latency(), 2);
    EXPECT_EQ(HeseEncoderCore({8, 1, 2}).latency(), 10);  // 9 digit cycles, the last one counted in the 2 stages
    EXPECT_EQ(HeseEncoderCore({8, 4, 0}).latency(), 2);
}

TEST(HeseEncoderCore, AllEightBitValuesMatchFunctionalModel) {
    const std::vector<int64_t> values = allValues(8);
    for (int bpc : {1, 2, 4, 9}) {
        SCOPED_TRACE("bitsPerCycle " + std::to_string(bpc));
        HeseEncoderCore enc({8, bpc, 2});
        const Streamed s = streamAll(enc, values);
        ASSERT_EQ(s.outputs.size(), values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            EXPECT_EQ(s.outputs[i].encoded.value, values[i]);
            EXPECT_EQ(s.outputs[i].encoded.terms, encode(Encoding::Hese, values[i], 8))
                << "value " << values[i] << ": " << formatTerms(s.outputs[i].encoded.terms);
        }
    }
}

TEST(HeseEncoderCore, OtherWidthsMatchFunctionalModel) {
    std::mt19937_64 rng(7);
    for (int bits : {1, 3, 4, 12, 16, 30, 62}) {
        for (int bpc : {1, 3, 0}) {
            SCOPED_TRACE("bits " + std::to_string(bits) + " bitsPerCycle " + std::to_string(bpc));
            const int64_t max = (int64_t{1} << bits) - 1;
            std::uniform_int_distribution<int64_t> dist(-max, max);
            std::vector<int64_t> values{0, max, -max, 1, -1};
            for (int i = 0; i < 200; ++i) values.push_back(dist(rng));
            HeseEncoderCore enc({bits, bpc, 1});
            const Streamed s = streamAll(enc, values);
            ASSERT_EQ(s.outputs.size(), values.size());
            for (std::size_t i = 0; i < values.size(); ++i)
                EXPECT_EQ(s.outputs[i].encoded.terms, encode(Encoding::Hese, values[i], bits)) << values[i];
        }
    }
}

// Back to back: value n is taken at n*C and leaves at n*C + C - 1 + L, for every
// combination of scan width and pipeline depth.
TEST(HeseEncoderCore, BackToBackStreamTimingIsExactWithoutBubbles) {
    const std::vector<int64_t> values = allValues(8);
    for (int bpc : {1, 2, 4, 9}) {
        for (int lat : {0, 1, 2, 5}) {
            SCOPED_TRACE("bitsPerCycle " + std::to_string(bpc) + " latency " + std::to_string(lat));
            HeseEncoderCore enc({8, bpc, lat});
            const uint64_t C = static_cast<uint64_t>((9 + bpc - 1) / bpc);
            ASSERT_EQ(enc.cyclesPerValue(), static_cast<int>(C));
            const Streamed s = streamAll(enc, values);
            ASSERT_EQ(s.outputs.size(), values.size());
            for (std::size_t n = 0; n < values.size(); ++n) {
                EXPECT_EQ(s.acceptCycles[n], n * C);
                EXPECT_EQ(s.outputs[n].acceptCycle, n * C);
                EXPECT_EQ(s.outputs[n].outputCycle, n * C + C - 1 + static_cast<uint64_t>(lat));
                EXPECT_EQ(s.outputs[n].outputCycle - s.outputs[n].acceptCycle, static_cast<uint64_t>(enc.latency()));
            }
            // The encoder was scanning on every cycle until the last value was in.
            EXPECT_EQ(enc.scanCycles(), values.size() * C);
            EXPECT_EQ(enc.cycle(), values.size() * C + static_cast<uint64_t>(lat));
        }
    }
}

TEST(HeseEncoderCore, SingleValueLeavesAfterLatency) {
    HeseEncoderCore enc({8, 2, 3});  // C = 5, latency 7
    std::vector<std::optional<TimedEncodedValue>> seen;
    EncoderTick first = enc.tick(27);
    EXPECT_TRUE(first.accepted);
    EXPECT_FALSE(enc.ready());
    for (int c = 1; c < 12; ++c) seen.push_back(enc.tick(std::nullopt).output);
    for (int c = 1; c < 12; ++c) {
        if (c == 7) {
            ASSERT_TRUE(seen[c - 1].has_value());
            EXPECT_EQ(seen[c - 1]->encoded.terms, encode(Encoding::Hese, 27, 8));
            EXPECT_EQ(seen[c - 1]->outputCycle, 7u);
        } else {
            EXPECT_FALSE(seen[c - 1].has_value()) << "cycle " << c;
        }
    }
    EXPECT_TRUE(enc.idle());
}

TEST(HeseEncoderCore, OfferIsRefusedWhileScanningAndTakenWhenReady) {
    HeseEncoderCore enc({8, 4, 2});  // C = 3
    EXPECT_TRUE(enc.tick(5).accepted);    // cycle 0
    EXPECT_FALSE(enc.tick(6).accepted);   // cycle 1: still scanning 5
    EXPECT_FALSE(enc.tick(6).accepted);   // cycle 2: last digits of 5
    EXPECT_TRUE(enc.ready());
    EXPECT_TRUE(enc.tick(6).accepted);    // cycle 3
    // Idle gaps in the input: a value offered later is taken on the cycle it is offered.
    for (int i = 0; i < 6; ++i) enc.tick(std::nullopt);  // cycles 4..9
    const uint64_t offeredAt = enc.cycle();
    EncoderTick t = enc.tick(-7);
    EXPECT_TRUE(t.accepted);
    std::optional<TimedEncodedValue> out;
    while (!enc.idle()) {
        EncoderTick u = enc.tick(std::nullopt);
        if (u.output) out = u.output;
    }
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->acceptCycle, offeredAt);
    EXPECT_EQ(out->outputCycle, offeredAt + 2 + 2);
    EXPECT_EQ(out->encoded.terms, encode(Encoding::Hese, -7, 8));
}

TEST(HeseEncoderCore, CountsActivity) {
    HeseEncoderCore enc({8, 1, 2});
    const std::vector<int64_t> values{0, 27, -255, 6, 1};
    streamAll(enc, values);
    uint64_t terms = 0;
    for (int64_t v : values) terms += encode(Encoding::Hese, v, 8).size();
    EXPECT_EQ(enc.valuesEncoded(), values.size());
    EXPECT_EQ(enc.termsEmitted(), terms);
    EXPECT_EQ(enc.scanCycles(), values.size() * 9);
}

TEST(HeseEncoderCore, RejectsValuesOutOfRangeWithoutLosingState) {
    HeseEncoderCore enc({8, 9, 1});
    EXPECT_THROW(enc.tick(256), std::out_of_range);
    EXPECT_THROW(enc.tick(-256), std::out_of_range);
    EXPECT_THROW(enc.tick(INT64_MIN), std::out_of_range);
    EXPECT_EQ(enc.cycle(), 0u);
    EXPECT_TRUE(enc.idle());
    EXPECT_TRUE(enc.tick(255).accepted);
    EncoderTick t = enc.tick(std::nullopt);
    ASSERT_TRUE(t.output.has_value());
    EXPECT_EQ(t.output->encoded.terms, encode(Encoding::Hese, 255, 8));
}

TEST(HeseEncoderCore, RejectsBadParameters) {
    EXPECT_THROW(HeseEncoderCore({0, 1, 2}), std::invalid_argument);
    EXPECT_THROW(HeseEncoderCore({63, 1, 2}), std::invalid_argument);
    EXPECT_THROW(HeseEncoderCore({8, -1, 2}), std::invalid_argument);
    EXPECT_THROW(HeseEncoderCore({8, 1, -1}), std::invalid_argument);
}

}  // namespace
}  // namespace trsim
