// The C ABI of trsim_functional_c.h: thin wrappers that turn C++ exceptions into a return code and a
// per-thread message.
#include "modules/functional/capi/trsim_functional_c.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/functional/TermReveal.hpp"

#define TRSIM_FC_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

thread_local std::string lastError;

template <class F>
int guarded(F&& f) {
    try {
        f();
        lastError.clear();
        return 0;
    } catch (const std::exception& e) {
        lastError = e.what();
    } catch (...) {
        lastError = "unknown error";
    }
    return -1;
}

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

trsim::Encoding encodingOf(const char* name) {
    require(name != nullptr, "encoding is null");
    const auto e = trsim::parseEncoding(name);
    if (!e) {
        std::string allowed;
        for (const auto& n : trsim::encodingNames()) allowed += (allowed.empty() ? "" : ", ") + n;
        throw std::invalid_argument(std::string("unknown encoding '") + name + "' (allowed: " + allowed + ")");
    }
    return *e;
}

void requireQtBits(int bits) { require(bits >= 2 && bits <= 16, "QT bits must be 2..16, got " + std::to_string(bits)); }

void requireTermBits(int bits) {
    require(bits >= 1 && bits <= 16, "magnitude bits must be 1..16, got " + std::to_string(bits));
}

}  // namespace

TRSIM_FC_EXPORT int trsim_fc_abi_version(void) { return TRSIM_FC_ABI_VERSION; }

TRSIM_FC_EXPORT const char* trsim_fc_error(void) { return lastError.c_str(); }

TRSIM_FC_EXPORT int trsim_fc_qt_shift(const int64_t* values, int64_t n, int bits, int* shiftOut) {
    return guarded([&] {
        requireQtBits(bits);
        require(n >= 0 && (values || n == 0) && shiftOut, "qt_shift: bad arguments");
        int64_t most = 0;
        for (int64_t i = 0; i < n; ++i) most = std::max(most, values[i] < 0 ? -values[i] : values[i]);
        *shiftOut = trsim::requantizeShift(most, bits);
    });
}

TRSIM_FC_EXPORT int trsim_fc_qt_apply(const int64_t* values, int64_t n, int bits, int shift, int64_t* out) {
    return guarded([&] {
        requireQtBits(bits);
        require(shift >= 0 && shift <= 62, "QT shift must be 0..62, got " + std::to_string(shift));
        require(n >= 0 && ((values && out) || n == 0), "qt_apply: bad arguments");
        for (int64_t i = 0; i < n; ++i) out[i] = trsim::requantizeValue(values[i], shift, bits);
    });
}

TRSIM_FC_EXPORT int trsim_fc_reveal_rows(const int64_t* values, int64_t rows, int64_t k, const char* encoding,
                                         int bits, int groupSize, int budget, int64_t* out) {
    return guarded([&] {
        requireTermBits(bits);
        require(groupSize >= 1, "group size must be >= 1, got " + std::to_string(groupSize));
        require(rows >= 0 && k >= 0 && ((values && out) || rows * k == 0), "reveal_rows: bad arguments");
        trsim::OperandCoding coding;
        coding.bits = bits;
        coding.encoding = encodingOf(encoding);
        coding.groupSize = groupSize;
        if (budget >= 0) coding.budget = budget;
        // revealValues reads its whole input before writing: a row may be revealed in place.
        for (int64_t r = 0; r < rows; ++r)
            trsim::revealValues(values + r * k, static_cast<std::size_t>(k), coding, out + r * k);
    });
}

TRSIM_FC_EXPORT int trsim_fc_truncation_table(const char* encoding, int bits, int budget, int64_t* out) {
    return guarded([&] {
        requireTermBits(bits);
        require(budget >= 0, "budget must be >= 0, got " + std::to_string(budget));
        require(out != nullptr, "truncation_table: out is null");
        trsim::OperandCoding coding;
        coding.bits = bits;
        coding.encoding = encodingOf(encoding);
        coding.groupSize = 1;
        coding.budget = budget;
        const std::size_t n = std::size_t{1} << bits;
        std::vector<int64_t> magnitudes(n);
        for (std::size_t m = 0; m < n; ++m) magnitudes[m] = static_cast<int64_t>(m);
        trsim::revealValues(magnitudes.data(), n, coding, out);
    });
}
