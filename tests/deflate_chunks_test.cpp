// The parallel chunk reader (sim/io/DeflateChunks.hpp) against HDF5's own H5Dread
// on datasets written here: every integer width and sign, edge chunks that stick
// out of the dataset, chunks stored without compression, and the layouts it
// leaves to H5Dread.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "sim/io/DeflateChunks.hpp"
#include "sim/io/Hdf5Handle.hpp"
#include "sim/io/Hdf5Read.hpp"
#include "tests/support/TempDir.hpp"

namespace trsim {
namespace {

struct Layout {
    std::vector<hsize_t> chunk;  // empty: contiguous
    bool deflate = true, shuffle = false;
};

// Writes values 0, 1, 2, ... (shifted to negatives when signed) of `type` at `dims` and returns the open dataset.
hid_t writeDataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims, const Layout& layout) {
    std::size_t n = 1;
    for (hsize_t d : dims) n *= d;
    std::vector<int64_t> values(n);
    const bool isSigned = H5Tget_sign(type) == H5T_SGN_2;
    const int64_t span = H5Tget_size(type) == 1 ? 200 : 60000;
    for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<int64_t>(i * 7919 % span) - (isSigned ? span / 2 : 0);
    Hdf5Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    Hdf5PropertyList plist(H5Pcreate(H5P_DATASET_CREATE));
    if (!layout.chunk.empty()) {
        H5Pset_chunk(plist, static_cast<int>(layout.chunk.size()), layout.chunk.data());
        if (layout.shuffle) H5Pset_shuffle(plist);
        if (layout.deflate) H5Pset_deflate(plist, 6);
    }
    const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    return ds;
}

std::vector<int64_t> viaH5Dread(hid_t ds) {
    Hdf5Dataspace space(H5Dget_space(ds));
    std::vector<int64_t> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    return v;
}

class DeflateChunks : public ::testing::Test {
protected:
    void SetUp() override { file_ = H5Fcreate(tmp_.file("t.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); }
    void TearDown() override { H5Fclose(file_); }
    test_support::TempDir tmp_;
    hid_t file_ = -1;
};

TEST_F(DeflateChunks, EqualsH5DreadForEveryIntegerTypeWithEdgeChunks) {
    const hid_t types[] = {H5T_STD_I8LE, H5T_STD_U8LE, H5T_STD_I16LE, H5T_STD_U16LE, H5T_STD_I32LE, H5T_STD_I64LE};
    int k = 0;
    for (hid_t type : types) {
        for (unsigned threads : {1u, 2u, 3u}) {
            const std::string name = "d" + std::to_string(k++);
            // 4-D like a conv's inputs: every dimension but the first has a partial chunk at its end.
            Hdf5Dataset ds(writeDataset(file_, name.c_str(), type, {2, 5, 9, 7}, {{1, 2, 4, 3}}));
            const auto got = h5read::readDeflateChunksAsInt64(ds, threads);
            ASSERT_TRUE(got.has_value()) << name;
            EXPECT_EQ(*got, viaH5Dread(ds)) << name << " with " << threads << " threads";
        }
    }
}

// Dimensions that every chunk spans whole are copied as one run with the dimension before them:
// trailing ones (weights [N, C, 1, 1] chunked [n, C, 1, 1]), a middle one, every one but the first,
// each with edge chunks along the dimensions that are not whole.
TEST_F(DeflateChunks, EqualsH5DreadWhenChunksSpanWholeDimensions) {
    const struct {
        std::vector<hsize_t> dims, chunk;
    } cases[] = {
        {{7, 5, 1, 1}, {3, 5, 1, 1}},   // three whole trailing dimensions, an edge chunk along the first
        {{2, 6, 9, 4}, {1, 4, 9, 4}},   // two whole trailing dimensions folded into a partial one
        {{4, 6, 10}, {3, 6, 4}},        // a whole middle dimension, edges along both others
        {{6, 4, 3}, {6, 2, 3}},         // the first dimension whole (nothing to fold it into)
        {{5, 8}, {5, 8}},               // one chunk
    };
    int k = 0;
    for (const auto& c : cases)
        for (hid_t type : {H5T_STD_I8LE, H5T_STD_U16LE})
            for (unsigned threads : {1u, 2u}) {
                const std::string name = "w" + std::to_string(k++);
                Hdf5Dataset ds(writeDataset(file_, name.c_str(), type, c.dims, {c.chunk}));
                const auto got = h5read::readDeflateChunksAsInt64(ds, threads);
                ASSERT_TRUE(got.has_value()) << name;
                EXPECT_EQ(*got, viaH5Dread(ds)) << name << " with " << threads << " threads";
            }
}

TEST_F(DeflateChunks, ReadsChunksStoredWithoutCompressionAndRankOneDatasets) {
    // A writer may store a chunk raw under the deflate filter (filter mask bit 0 set): half the chunks here.
    Hdf5Dataset ds(writeDataset(file_, "mixed", H5T_STD_I16LE, {40}, {{16}}));  // every chunk deflated
    const hsize_t second[] = {16};
    std::vector<int16_t> raw(16);
    std::iota(raw.begin(), raw.end(), 100);
    ASSERT_GE(H5Dwrite_chunk(ds, H5P_DEFAULT, 1u, second, raw.size() * sizeof(int16_t), raw.data()), 0);
    const auto got = h5read::readDeflateChunksAsInt64(ds, 2);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ((*got)[16], 100);
    EXPECT_EQ(*got, viaH5Dread(ds));
    Hdf5Dataset rank1(writeDataset(file_, "r1", H5T_STD_U8LE, {1000}, {{64}}));
    EXPECT_EQ(h5read::readDeflateChunksAsInt64(rank1, 2).value(), viaH5Dread(rank1));
}

TEST_F(DeflateChunks, LeavesOtherLayoutsToH5Dread) {
    Hdf5Dataset contiguous(writeDataset(file_, "c", H5T_STD_I8LE, {4, 4}, {}));
    EXPECT_FALSE(h5read::readDeflateChunksAsInt64(contiguous).has_value());
    Hdf5Dataset shuffled(writeDataset(file_, "s", H5T_STD_I16LE, {8, 8}, {{4, 4}, true, true}));
    EXPECT_FALSE(h5read::readDeflateChunksAsInt64(shuffled).has_value());
    Hdf5Dataset bigEndian(writeDataset(file_, "b", H5T_STD_I16BE, {8, 8}, {{4, 4}}));
    EXPECT_FALSE(h5read::readDeflateChunksAsInt64(bigEndian).has_value());
    Hdf5Dataset unfiltered(writeDataset(file_, "u", H5T_STD_I16LE, {8, 8}, {{4, 4}, false}));
    EXPECT_FALSE(h5read::readDeflateChunksAsInt64(unfiltered).has_value());
    // ... and the public reader gives the same values whichever path it takes.
    EXPECT_EQ(h5read::readDatasetAsInt64(shuffled), viaH5Dread(shuffled));
    EXPECT_EQ(h5read::readDatasetAsInt64(contiguous), viaH5Dread(contiguous));
}

TEST_F(DeflateChunks, ReadsIntoNarrowOperandsEqualToH5Dread) {
    // Each file type at the width that holds its values and the bound: a signed n-byte type needs
    // n bytes, an unsigned one 2n (a sign bit more), never more than the bound asks.
    const struct {
        hid_t type;
        int64_t bound;
        int bytes;
    } cases[] = {{H5T_STD_I8LE, 65535, 1},   {H5T_STD_U8LE, 65535, 2},  {H5T_STD_U8LE, 127, 1},
                 {H5T_STD_I16LE, 65535, 2},  {H5T_STD_U16LE, 65535, 4}, {H5T_STD_I32LE, 32767, 2},
                 {H5T_STD_I64LE, 65535, 4}};
    int k = 0;
    for (const auto& c : cases) {
        const std::string name = "n" + std::to_string(k++);
        Hdf5Dataset ds(writeDataset(file_, name.c_str(), c.type, {2, 5, 9, 7}, {{1, 2, 4, 3}}));
        const std::vector<int64_t> expected = viaH5Dread(ds);
        int64_t most = 0;
        for (const int64_t v : expected) most = std::max(most, v < 0 ? -v : v);
        const std::optional<OperandTensor> got = h5read::readDatasetAsOperand(ds, {2, 5, 9, 7}, c.bound);
        if (most > c.bound) {
            EXPECT_FALSE(got.has_value()) << name << ": a value past the bound is refused";
            continue;
        }
        ASSERT_TRUE(got.has_value()) << name;
        EXPECT_EQ(got->bytesPerValue(), c.bytes) << name;
        EXPECT_EQ(got->widened().data, expected) << name;
    }
    // The extremes of a signed byte file, -128 among them, at 8 bits.
    const hsize_t dims[] = {4}, chunk[] = {2};
    Hdf5Dataspace space(H5Screate_simple(1, dims, nullptr));
    Hdf5PropertyList plist(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(plist, 1, chunk);
    H5Pset_deflate(plist, 6);
    Hdf5Dataset edge(H5Dcreate2(file_, "edge", H5T_STD_I8LE, space, H5P_DEFAULT, plist, H5P_DEFAULT));
    const int8_t values[] = {-128, 127, 0, -1};
    ASSERT_GE(H5Dwrite(edge, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
    const std::optional<OperandTensor> got = h5read::readDatasetAsOperand(edge, {4}, 255);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->bytesPerValue(), 1);
    EXPECT_EQ(got->widened().data, (std::vector<int64_t>{-128, 127, 0, -1}));
    EXPECT_FALSE(h5read::readDatasetAsOperand(edge, {4}, 127).has_value()) << "-128 is past 127";
}

TEST_F(DeflateChunks, NarrowReadOfOtherLayoutsGoesThroughH5Dread) {
    Hdf5Dataset shuffled(writeDataset(file_, "s", H5T_STD_I16LE, {8, 8}, {{4, 4}, true, true}));
    const std::optional<OperandTensor> got = h5read::readDatasetAsOperand(shuffled, {8, 8}, 65535);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->widened().data, viaH5Dread(shuffled));
    EXPECT_EQ(got->bytesPerValue(), 2) << "the width rule of the chunk reader: an int16 file at 16 bits";
    EXPECT_FALSE(h5read::readDatasetAsOperand(shuffled, {8, 8}, 100).has_value());
    Hdf5Dataset contiguous(writeDataset(file_, "c", H5T_STD_U8LE, {4, 4}, {}));
    const std::optional<OperandTensor> bytes = h5read::readDatasetAsOperand(contiguous, {4, 4}, 65535);
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->widened().data, viaH5Dread(contiguous));
    EXPECT_EQ(bytes->bytesPerValue(), 2) << "a uint8 file needs a sign bit more";
}

TEST_F(DeflateChunks, CorruptChunkIsAnError) {
    Hdf5Dataset ds(writeDataset(file_, "bad", H5T_STD_I32LE, {64}, {{16}}));
    // Every chunk written raw as garbage bytes under the deflate filter (mask 0: "compressed").
    for (hsize_t c = 0; c < 64; c += 16) {
        const hsize_t offset[] = {c};
        const unsigned char garbage[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        ASSERT_GE(H5Dwrite_chunk(ds, H5P_DEFAULT, 0, offset, sizeof garbage, garbage), 0);
    }
    EXPECT_THROW(h5read::readDeflateChunksAsInt64(ds, 2), h5read::Hdf5ReadError);
}

}  // namespace
}  // namespace trsim
