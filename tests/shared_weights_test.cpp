// SharedWeights (modules/array/SharedWeights.hpp): a reader gets the controller's revealed weights
// while the controller holds them, waits while a layer is announced and not yet published, and gets
// nothing (to reveal its own) for a layer never announced, withdrawn, released or revealed otherwise.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "modules/array/SharedWeights.hpp"

namespace trsim {
namespace {

const OperandCoding kCoding{8, Encoding::Hese, 4, 6};

RevealedWeights weights(int groups) {
    RevealedWeights out;
    for (int g = 0; g < groups; ++g)
        out.push_back(std::make_shared<const RevealedOperand>(OperandTensor(IntTensor({2, 8})), kCoding));
    return out;
}

TEST(SharedWeights, PublishedGroupsAreTheControllersOwn) {
    SharedWeights board;
    const RevealedWeights held = weights(3);
    board.announce(5);
    board.publish(5, kCoding, held);
    const std::optional<RevealedWeights> found = board.find(5, kCoding);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 3u);
    for (std::size_t g = 0; g < 3; ++g) EXPECT_EQ((*found)[g].get(), held[g].get()) << g;
    EXPECT_FALSE(board.find(4, kCoding)) << "another layer";
    OperandCoding other = kCoding;
    other.budget = 5;
    EXPECT_FALSE(board.find(5, other)) << "another budget";
    other = kCoding;
    other.groupSize = 8;
    EXPECT_FALSE(board.find(5, other)) << "another group size";
}

TEST(SharedWeights, NothingOnceTheControllerReleasedOrWithdrewTheLayer) {
    SharedWeights board;
    RevealedWeights held = weights(2);
    board.announce(0);
    board.publish(0, kCoding, held);
    {
        const std::optional<RevealedWeights> reader = board.find(0, kCoding);
        ASSERT_TRUE(reader);
        held.clear();  // the controller moves on; the reader still holds what it got
        EXPECT_EQ((*reader)[0]->rows(), 2);
        EXPECT_TRUE(board.find(0, kCoding)) << "held by a reader, still shared";
    }
    EXPECT_FALSE(board.find(0, kCoding)) << "released by everyone";
    held = weights(1);
    board.announce(1);
    board.publish(1, kCoding, held);
    board.withdraw(1);
    EXPECT_FALSE(board.find(1, kCoding));
}

// A reader of an announced layer waits for the preparation running on another thread, and is
// released by a publication or a withdrawal (a preparation that failed).
TEST(SharedWeights, ReadersWaitForAnAnnouncedLayer) {
    SharedWeights board;
    const RevealedWeights held = weights(1);
    board.announce(2);
    board.announce(3);
    auto published = std::async(std::launch::async, [&] { return board.find(2, kCoding); });
    auto withdrawn = std::async(std::launch::async, [&] { return board.find(3, kCoding); });
    EXPECT_EQ(published.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    EXPECT_EQ(withdrawn.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    board.publish(2, kCoding, held);
    const std::optional<RevealedWeights> got = published.get();
    ASSERT_TRUE(got);
    EXPECT_EQ((*got)[0].get(), held[0].get());
    EXPECT_EQ(withdrawn.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    board.withdraw(3);
    EXPECT_FALSE(withdrawn.get());
}

}  // namespace
}  // namespace trsim
