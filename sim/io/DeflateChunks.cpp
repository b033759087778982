#include "sim/io/DeflateChunks.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <limits>
#include <type_traits>
#include <exception>
#include <mutex>
#include <thread>

#include "modules/functional/IntTensor.hpp"
#include "sim/io/Hdf5Handle.hpp"
#include "sim/io/Hdf5Read.hpp"

namespace trsim::h5read {
namespace {

// The shape facts of one chunked dataset that the copy out of a chunk needs.
struct ChunkGrid {
    std::vector<hsize_t> dims, chunk;  // dataset and chunk extents
    std::vector<hsize_t> counts;       // chunks along each dimension
    std::size_t typeSize = 0;
    bool isSigned = false;
    std::size_t chunkBytes() const {
        std::size_t n = typeSize;
        for (hsize_t c : chunk) n *= c;
        return n;
    }
    // Chunk number `i` (row-major over the grid) as the element offset of its corner.
    std::vector<hsize_t> corner(std::size_t i) const {
        std::vector<hsize_t> at(dims.size());
        for (std::size_t d = dims.size(); d-- > 0;) {
            at[d] = (i % counts[d]) * chunk[d];
            i /= counts[d];
        }
        return at;
    }
};

// Where inflated values go: Out values, each checked against |v| <= bound when Out is
// narrower than the file's values could be (a wider value sets outOfRange; the value
// stored is then meaningless, and the caller reports the value from a 64-bit read).
template <class Out>
struct Destination {
    Out* values = nullptr;
    int64_t bound = INT64_MAX;
    bool outOfRange = false;
    // Values [at, at + n) from the chunk's `from` on, in a loop the compiler vectorizes: locals and
    // restrict pointers (through the struct, a store to 8-bit values may alias the flag and the bound),
    // the check in 32 bits for values of up to 16 (the baseline x86-64 has no 64-bit vector compare),
    // and none when every value of T is within the bound.
    template <class T>
    void store(std::size_t at, const unsigned char* __restrict from, std::size_t n) {
        using Check = std::conditional_t<(sizeof(T) <= 2), int32_t, int64_t>;
        Out* __restrict to = values + at;
        const bool checked = !std::is_same_v<Out, int64_t> &&
                             (int64_t{std::numeric_limits<T>::min()} < -bound ||
                              static_cast<uint64_t>(std::numeric_limits<T>::max()) > static_cast<uint64_t>(bound));
        if (!checked) {
            if constexpr (sizeof(T) == sizeof(Out))
                std::memcpy(to, from, n * sizeof(T));  // the same bits (two's complement)
            else
                for (std::size_t k = 0; k < n; ++k) to[k] = static_cast<Out>(load<T>(from, k));
            return;
        }
        const Check most = static_cast<Check>(std::min<int64_t>(bound, std::numeric_limits<Check>::max()));
        bool wide = false;
        for (std::size_t k = 0; k < n; ++k) {
            const T v = load<T>(from, k);
            wide |= (static_cast<Check>(v) < -most) | (static_cast<Check>(v) > most);  // above 2^63: negative
            to[k] = static_cast<Out>(v);
        }
        outOfRange |= wide;
    }

private:
    template <class T>
    static T load(const unsigned char* from, std::size_t k) {
        T v;
        std::memcpy(&v, from + k * sizeof(T), sizeof v);
        return v;
    }
};

// Copies the part of an inflated chunk that lies inside the dataset (edge chunks are stored whole)
// into the row-major result, converting each element: a run along the last dimension at a time, the
// offsets of the next run stepped from the last one's.
template <class T, class Out>
void scatter(const ChunkGrid& g, const std::vector<hsize_t>& corner, const unsigned char* chunk, Destination<Out>& out) {
    const std::size_t rank = g.dims.size(), last = rank - 1;
    std::vector<hsize_t> extent(rank);  // of the chunk inside the dataset
    std::vector<std::size_t> chunkStride(rank, 1), dataStride(rank, 1);
    for (std::size_t d = last; d-- > 0;) {
        chunkStride[d] = chunkStride[d + 1] * g.chunk[d + 1];
        dataStride[d] = dataStride[d + 1] * g.dims[d + 1];
    }
    std::size_t src = 0, dst = 0;
    for (std::size_t d = 0; d < rank; ++d) {
        extent[d] = std::min(g.chunk[d], g.dims[d] - corner[d]);
        dst += corner[d] * dataStride[d];
    }
    std::vector<hsize_t> at(rank, 0);  // position inside the chunk, last dimension always 0
    while (true) {
        out.template store<T>(dst, chunk + src * sizeof(T), extent[last]);
        std::size_t d = last;  // the next run: odometer over every dimension but the last
        while (d-- > 0) {
            src += chunkStride[d];
            dst += dataStride[d];
            if (++at[d] < extent[d]) break;
            src -= at[d] * chunkStride[d];
            dst -= at[d] * dataStride[d];
            at[d] = 0;
        }
        if (d == static_cast<std::size_t>(-1)) return;
    }
}

template <class Out>
void scatterAny(const ChunkGrid& g, const std::vector<hsize_t>& corner, const unsigned char* chunk,
                Destination<Out>& out) {
    if (g.isSigned) {
        switch (g.typeSize) {
            case 1: return scatter<int8_t, Out>(g, corner, chunk, out);
            case 2: return scatter<int16_t, Out>(g, corner, chunk, out);
            case 4: return scatter<int32_t, Out>(g, corner, chunk, out);
            default: return scatter<int64_t, Out>(g, corner, chunk, out);
        }
    }
    switch (g.typeSize) {
        case 1: return scatter<uint8_t, Out>(g, corner, chunk, out);
        case 2: return scatter<uint16_t, Out>(g, corner, chunk, out);
        case 4: return scatter<uint32_t, Out>(g, corner, chunk, out);
        default: return scatter<uint64_t, Out>(g, corner, chunk, out);  // wraps above 2^63: the caller's range check fails
    }
}

// `g` with every dimension that a chunk spans whole folded into the dimension before it: along such a
// dimension a chunk's elements are contiguous in the chunk and in the dataset alike, so the copy out of
// a chunk runs over them at once (weights [N, C, 1, 1] chunked [n, C, 1, 1]: runs of C values rather
// than of 1, each costing an index computation). Chunk numbers stay those of `g`: a folded dimension
// has one chunk. Only for the copy; HDF5 takes corners in the dataset's own dimensions.
ChunkGrid foldWholeDimensions(const ChunkGrid& g) {
    ChunkGrid f = g;
    f.dims.assign(1, g.dims[0]);
    f.chunk.assign(1, g.chunk[0]);
    f.counts.assign(1, g.counts[0]);
    for (std::size_t d = 1; d < g.dims.size(); ++d) {
        if (g.chunk[d] == g.dims[d]) {
            f.dims.back() *= g.dims[d];
            f.chunk.back() *= g.chunk[d];
            continue;
        }
        f.dims.push_back(g.dims[d]);
        f.chunk.push_back(g.chunk[d]);
        f.counts.push_back(g.counts[d]);
    }
    return f;
}

// The grid when the dataset is chunked, deflate-only and integer little-endian; nullopt otherwise.
std::optional<ChunkGrid> deflateGrid(hid_t dataset) {
    Hdf5PropertyList plist(H5Dget_create_plist(dataset));
    if (!plist.valid() || H5Pget_layout(plist) != H5D_CHUNKED) return std::nullopt;
    const int filters = H5Pget_nfilters(plist);
    unsigned flags = 0;
    std::size_t nElements = 0;
    if (filters != 1 || H5Pget_filter2(plist, 0, &flags, &nElements, nullptr, 0, nullptr, nullptr) != H5Z_FILTER_DEFLATE)
        return std::nullopt;
    Hdf5Datatype type(H5Dget_type(dataset));
    if (!type.valid() || H5Tget_class(type) != H5T_INTEGER || H5Tget_order(type) != H5T_ORDER_LE) return std::nullopt;
    ChunkGrid g;
    g.typeSize = H5Tget_size(type);
    if (g.typeSize != 1 && g.typeSize != 2 && g.typeSize != 4 && g.typeSize != 8) return std::nullopt;
    g.isSigned = H5Tget_sign(type) == H5T_SGN_2;
    Hdf5Dataspace space(H5Dget_space(dataset));
    const int rank = space.valid() ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank <= 0) return std::nullopt;
    g.dims.resize(static_cast<std::size_t>(rank));
    g.chunk.resize(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, g.dims.data(), nullptr);
    if (H5Pget_chunk(plist, rank, g.chunk.data()) != rank) return std::nullopt;
    for (std::size_t d = 0; d < g.dims.size(); ++d) {
        if (g.dims[d] == 0 || g.chunk[d] == 0) return std::nullopt;
        g.counts.push_back((g.dims[d] + g.chunk[d] - 1) / g.chunk[d]);
    }
    return g;
}

// Inflates every chunk of `dataset` (laid out as `g`) into `values` (the dataset's element count of
// them), each checked against |v| <= bound. Returns false when a chunk was never written (the caller
// reads the dataset with H5Dread), and sets outOfRange when a value is wider than bound.
template <class Out>
bool inflateInto(hid_t dataset, const ChunkGrid& g, Out* values, int64_t bound, unsigned threads, bool& outOfRange) {
    std::size_t nChunks = 1;
    for (std::size_t d = 0; d < g.dims.size(); ++d) nChunks *= g.counts[d];
    // Every element lies in exactly one chunk and is written by the thread that inflates it: the values are
    // not zero-filled first, so fresh memory is touched once, by every thread.
    std::atomic<bool> wide{false};
    const std::size_t chunkBytes = g.chunkBytes();
    const ChunkGrid copy = foldWholeDimensions(g);
    const unsigned cores = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
    // The compressed chunks are read on this thread (HDF5 is not thread-safe here) a batch of about
    // kBatchBytes at a time, so a large dataset's compressed copy is never held whole, and each batch is
    // inflated by every thread.
    constexpr std::size_t kBatchBytes = std::size_t{16} << 20;
    struct Raw {
        std::vector<unsigned char> bytes;
        uint32_t filterMask = 0;  // bit 0 set: the chunk was stored without deflate
        std::size_t index = 0;    // chunk number
    };
    std::vector<Raw> batch;
    std::exception_ptr failure;
    std::mutex failureMutex;
    const auto fail = [&](const char* what) {
        const std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure) failure = std::make_exception_ptr(Hdf5ReadError(what));
    };
    for (std::size_t first = 0; first < nChunks && !failure;) {
        batch.clear();
        std::size_t bytes = 0;
        for (; first < nChunks && (batch.empty() || bytes < kBatchBytes); ++first) {
            const std::vector<hsize_t> corner = g.corner(first);
            hsize_t size = 0;
            if (H5Dget_chunk_storage_size(dataset, corner.data(), &size) < 0 || size == 0)
                return false;  // a chunk never written: H5Dread knows its fill value
            Raw& r = batch.emplace_back();
            r.bytes.resize(size);
            r.index = first;
            if (H5Dread_chunk(dataset, H5P_DEFAULT, corner.data(), &r.filterMask, r.bytes.data()) < 0)
                return false;
            bytes += size;
        }
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            libdeflate_decompressor* inflater = libdeflate_alloc_decompressor();
            std::vector<unsigned char> chunk(chunkBytes);
            Destination<Out> out{values, bound, false};
            for (std::size_t i; (i = next++) < batch.size();) {
                const Raw& r = batch[i];
                const unsigned char* values = r.bytes.data();
                if (!(r.filterMask & 1u)) {
                    std::size_t got = 0;
                    if (!inflater || libdeflate_zlib_decompress(inflater, r.bytes.data(), r.bytes.size(), chunk.data(),
                                                                chunkBytes, &got) != LIBDEFLATE_SUCCESS ||
                        got != chunkBytes) {
                        fail("a compressed chunk does not inflate to its size (corrupt data?)");
                        break;
                    }
                    values = chunk.data();
                } else if (r.bytes.size() != chunkBytes) {
                    fail("an uncompressed chunk has the wrong size");
                    break;
                }
                scatterAny(copy, copy.corner(r.index), values, out);
            }
            if (out.outOfRange) wide = true;
            if (inflater) libdeflate_free_decompressor(inflater);
        };
        const std::size_t helpers = std::min<std::size_t>(std::min(cores, 8u), batch.size()) - 1;
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
        work();
        for (std::thread& t : pool) t.join();
    }
    if (failure) std::rethrow_exception(failure);
    outOfRange = wide;
    return true;
}

std::size_t valueCount(const ChunkGrid& g) {
    std::size_t n = 1;
    for (const hsize_t d : g.dims) n *= d;
    return n;
}

}  // namespace

std::optional<TensorValues> readDeflateChunksAsInt64(hid_t dataset, unsigned threads) {
    const std::optional<ChunkGrid> grid = deflateGrid(dataset);
    if (!grid) return std::nullopt;
    TensorValues out = unsetValues(valueCount(*grid));
    bool outOfRange = false;
    if (!inflateInto(dataset, *grid, out.data(), INT64_MAX, threads, outOfRange)) return std::nullopt;
    return out;
}

std::optional<bool> readDeflateChunksInto(hid_t dataset, OperandTensor& out, int64_t bound, unsigned threads) {
    const std::optional<ChunkGrid> grid = deflateGrid(dataset);
    if (!grid || valueCount(*grid) != out.size()) return std::nullopt;
    bool outOfRange = false;
    const bool read = out.visit([&](auto* values) {
        return inflateInto(dataset, *grid, values, bound, threads, outOfRange);
    });
    if (!read) return std::nullopt;
    return !outOfRange;
}

}  // namespace trsim::h5read
