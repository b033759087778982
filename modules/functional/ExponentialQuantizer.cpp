#include "modules/functional/ExponentialQuantizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace trsim {
namespace {

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

std::vector<int64_t> levelsFor(double base, double scale, double offset, int count) {
    std::vector<int64_t> levels;
    for (int e = 0; e < count; ++e) {
        const int64_t level = std::llround(scale * std::pow(base, e) + offset);
        if (level >= 1 && (levels.empty() || level > levels.back())) levels.push_back(level);
    }
    return levels;
}

// Nearest of {0} and the levels to magnitude m.
int64_t nearest(const std::vector<int64_t>& levels, int64_t m) {
    const auto it = std::lower_bound(levels.begin(), levels.end(), m);
    int64_t best = 0;
    if (it != levels.end() && abs64(*it - m) < abs64(best - m)) best = *it;
    if (it != levels.begin() && abs64(*(it - 1) - m) <= abs64(best - m)) best = *(it - 1);
    return best;
}

}  // namespace

ExponentialLevels fitExponentialLevels(const IntTensor& t, int exponentBits) {
    if (exponentBits < 1 || exponentBits > 8) throw std::invalid_argument("exponent bits must be 1..8");
    // Histogram of magnitudes: the fit only needs counts per value.
    int64_t largest = 0;
    for (int64_t v : t.data) largest = std::max(largest, abs64(v));
    ExponentialLevels best;
    best.exponentBits = exponentBits;
    if (largest == 0) return best;
    std::vector<int64_t> count(static_cast<std::size_t>(largest + 1), 0);
    for (int64_t v : t.data) count[static_cast<std::size_t>(abs64(v))]++;
    const int codes = (1 << exponentBits) - 1;
    double bestError = std::numeric_limits<double>::infinity();
    for (int b = 0; b <= 30; ++b) {
        const double base = 1.05 + 0.05 * b;
        for (int o = 0; o <= 4; ++o) {
            const double offset = 0.25 * o;  // in units of the smallest level
            // The largest level sits at the largest magnitude.
            const double scale = (static_cast<double>(largest) - offset) / std::pow(base, codes - 1);
            if (scale <= 0) continue;
            const std::vector<int64_t> levels = levelsFor(base, scale, offset, codes);
            double error = 0;
            for (int64_t m = 1; m <= largest; ++m) {
                if (!count[static_cast<std::size_t>(m)]) continue;
                const double d = static_cast<double>(nearest(levels, m) - m);
                error += d * d * static_cast<double>(count[static_cast<std::size_t>(m)]);
            }
            if (error < bestError) {
                bestError = error;
                best.base = base;
                best.scale = scale;
                best.offset = offset;
                best.levels = levels;
            }
        }
    }
    return best;
}

IntTensor quantizeExponential(const IntTensor& t, const ExponentialLevels& levels) {
    IntTensor out(t.shape);
    for (std::size_t i = 0; i < t.size(); ++i) {
        const int64_t q = nearest(levels.levels, abs64(t.data[i]));
        out.data[i] = t.data[i] < 0 ? -q : q;
    }
    return out;
}

IntTensor quantizeExponentialFitted(const IntTensor& t, int exponentBits) {
    return quantizeExponential(t, fitExponentialLevels(t, exponentBits));
}

}  // namespace trsim
