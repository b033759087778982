// OperandTensor (modules/functional/OperandTensor.hpp): the width chosen at each
// edge of 8, 16 and 32 bits, values kept exactly through every way in and out,
// and equality that ignores the width.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <limits>
#include <stdexcept>
#include <vector>

#include "modules/functional/OperandTensor.hpp"

namespace trsim {
namespace {

IntTensor tensorOf(std::vector<int64_t> shape, TensorValues values) {
    IntTensor t;
    t.shape = std::move(shape);
    t.data = std::move(values);
    return t;
}

TEST(OperandTensor, WidthAtBothEdgesOfEachSize) {
    EXPECT_EQ(OperandTensor::bytesFor(0), 1);
    EXPECT_EQ(OperandTensor::bytesFor(127), 1);
    EXPECT_EQ(OperandTensor::bytesFor(128), 2);
    EXPECT_EQ(OperandTensor::bytesFor(32767), 2);
    EXPECT_EQ(OperandTensor::bytesFor(32768), 4);
    EXPECT_EQ(OperandTensor::bytesFor(std::numeric_limits<int32_t>::max()), 4);
    EXPECT_THROW(OperandTensor::bytesFor(int64_t{1} << 31), std::out_of_range);
    EXPECT_THROW(OperandTensor::bytesFor(-1), std::invalid_argument);
}

TEST(OperandTensor, FromIntTensorKeepsEveryValueAtTheNarrowestWidth) {
    // Brute force over each width's whole edge: the largest magnitude decides, sign included.
    const struct {
        int64_t most;
        int bytes;
    } cases[] = {{127, 1}, {128, 2}, {32767, 2}, {32768, 4}, {std::numeric_limits<int32_t>::max(), 4}};
    for (const auto& c : cases) {
        for (const int64_t sign : {1, -1}) {
            TensorValues v;
            for (int64_t x = -c.most; x <= c.most; x += std::max<int64_t>(1, c.most / 500)) v.push_back(x);
            v.push_back(sign * c.most);
            const IntTensor in = tensorOf({static_cast<int64_t>(v.size())}, v);
            const OperandTensor op(in);
            EXPECT_EQ(op.bytesPerValue(), c.bytes) << c.most;
            EXPECT_EQ(op.widened(), in) << c.most;
            EXPECT_TRUE(op == in);
            EXPECT_EQ(op.value(v.size() - 1), sign * c.most);
        }
    }
    EXPECT_THROW(OperandTensor(tensorOf({1}, {int64_t{1} << 31})), std::out_of_range);
    EXPECT_THROW(OperandTensor(tensorOf({1}, {-(int64_t{1} << 31) - 1})), std::out_of_range);
}

TEST(OperandTensor, UnsetHoldsTheWholeRangeOfItsTypeAndZeroFilledIsZero) {
    OperandTensor t = OperandTensor::unset({3}, 1);
    t.visit([](auto* v) {
        v[0] = -128;
        v[1] = 127;
        v[2] = 0;
    });
    EXPECT_EQ(t.bytesPerValue(), 1);
    EXPECT_EQ(t.widened(), tensorOf({3}, {-128, 127, 0}));
    EXPECT_THROW(OperandTensor::unset({3}, 3), std::invalid_argument);
    const OperandTensor zeros({2, 3}, 40000);
    EXPECT_EQ(zeros.bytesPerValue(), 4);
    EXPECT_EQ(zeros.widthLimit(), std::numeric_limits<int32_t>::max());
    EXPECT_EQ(zeros.widened(), tensorOf({2, 3}, TensorValues(6, 0)));
}

TEST(OperandTensor, EqualityIgnoresWidthButNotValuesOrShape) {
    const IntTensor small = tensorOf({2, 2}, {1, -2, 3, -4});
    const OperandTensor narrow(small);
    OperandTensor wide({2, 2}, 70000);
    wide.visit([&](auto* v) {
        for (int i = 0; i < 4; ++i) v[i] = static_cast<std::remove_pointer_t<decltype(v)>>(small.data[i]);
    });
    ASSERT_NE(narrow.bytesPerValue(), wide.bytesPerValue());
    EXPECT_TRUE(narrow == wide);
    EXPECT_FALSE(narrow == OperandTensor(tensorOf({4}, {1, -2, 3, -4})));
    EXPECT_FALSE(narrow == OperandTensor(tensorOf({2, 2}, {1, -2, 3, 4})));
    EXPECT_FALSE(narrow == tensorOf({2, 2}, {1, -2, 3, 5}));
}

TEST(OperandTensor, Slice0AndCopyToGiveTheValuesInOrder) {
    TensorValues v(4 * 3 * 2);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i * 37 % 301) - 150;
    const OperandTensor t(tensorOf({4, 3, 2}, v));
    ASSERT_EQ(t.bytesPerValue(), 2);
    const OperandTensor mid = t.slice0(1, 2);
    EXPECT_EQ(mid.shape, (std::vector<int64_t>{2, 3, 2}));
    EXPECT_EQ(mid.bytesPerValue(), 2);
    EXPECT_EQ(mid.widened(), tensorOf({2, 3, 2}, TensorValues(v.begin() + 6, v.begin() + 18)));
    EXPECT_EQ(t.slice0(4, 0).size(), 0u);
    EXPECT_THROW(t.slice0(3, 2), std::out_of_range);
    std::vector<int64_t> out(5, 99);
    t.copyTo(7, 4, out.data());
    EXPECT_EQ(out, (std::vector<int64_t>{v[7], v[8], v[9], v[10], 99}));
    EXPECT_EQ(t.at2(1, 0), v[1 * 3]);  // at2 reads a tensor as rows of shape[1]
}

TEST(OperandTensor, RangeIsTheSmallestAndLargestValue) {
    EXPECT_EQ(OperandTensor(tensorOf({3}, {5, 9, 7})).range(), (std::pair<int64_t, int64_t>{5, 9}));
    EXPECT_EQ(OperandTensor(tensorOf({3}, {-5, -9, -7})).range(), (std::pair<int64_t, int64_t>{-9, -5}));
    EXPECT_EQ(OperandTensor(tensorOf({2}, {-128, 127})).range(), (std::pair<int64_t, int64_t>{-128, 127}));
    EXPECT_EQ(OperandTensor(tensorOf({0}, {})).range(), (std::pair<int64_t, int64_t>{0, 0}));
    TensorValues v(1001);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i * 7919 % 60001) - 30000;
    v[777] = -32768;  // at 16 bits: the smallest value the width holds
    const auto [lo, hi] = OperandTensor(tensorOf({1001}, v)).range();
    EXPECT_EQ(lo, -32768);
    EXPECT_EQ(hi, *std::max_element(v.begin(), v.end()));
}

TEST(OperandTensor, ReleaseFreesValuesAndKeepsTheShape) {
    OperandTensor t(tensorOf({2, 2}, {1, 2, 3, 4}));
    t.release();
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
}

}  // namespace
}  // namespace trsim
