#include "sim/config/AreaModel.hpp"

#include <cmath>
#include <cstdio>

#include "modules/pe/PeRegistry.hpp"
#include "sim/config/ConfigError.hpp"

namespace trsim {

double adderUm2(const AreaTable& t, int bits) {
    const double perBit = (t.um2("add_32b") - t.um2("add_8b")) / 24.0;
    return t.um2("add_8b") + (bits - 8) * perBit;
}

double multiplierUm2(const AreaTable& t, int aBits, int bBits) {
    const double alpha = std::log(t.um2("multiply_32b") / t.um2("multiply_8b")) / std::log(1024.0 / 64.0);
    return t.um2("multiply_8b") * std::pow(static_cast<double>(aBits) * bBits / 64.0, alpha);
}

double registerUm2(const AreaTable& t, double bits) { return bits * t.um2("register_bit"); }
double muxUm2(const AreaTable& t, double count) { return count * t.um2("mux2_bit"); }
double counterUm2(const AreaTable& t, int bits) { return adderUm2(t, bits) + registerUm2(t, bits); }

int weightDesignBits(const SimConfig& c) { return c.quantize.weightBits.value_or(c.weights.bits); }
int dataDesignBits(const SimConfig& c) { return c.quantize.dataBits.value_or(c.data.bits); }
int designAccumulatorBits(const SimConfig& c) { return weightDesignBits(c) + dataDesignBits(c) + 16; }

double AreaBreakdown::logicMm2() const {
    double sum = 0;
    for (const AreaComponent& p : parts) sum += p.mm2();
    return sum;
}

std::optional<AreaBreakdown> areaOf(const SimConfig& c) {
    if (c.area.path.empty()) return std::nullopt;
    AreaBreakdown a;
    a.parts = peKind(c.pe.kind).areaComponents(c);
    if (a.parts.empty()) return std::nullopt;
    a.sramMm2 = (c.buffers.weightsKib + c.buffers.dataKib + c.buffers.outputsKib) * c.area.um2("sram_kib") * 1e-6;
    return a;
}

void sizeArrayToArea(SimConfig& c, const std::string& file) {
    const PeKind& kind = peKind(c.pe.kind);
    const auto logicAt = [&](int n) {
        SimConfig trial = c;
        trial.array.rows = trial.array.cols = n;
        double mm2 = 0;
        for (const AreaComponent& p : kind.areaComponents(trial)) mm2 += p.mm2();
        return mm2;
    };
    if (kind.areaComponents(c).empty())
        throw ConfigError({file + ": array.area_mm2: pe.kind " + c.pe.kind + " has no area model"});
    const double budget = *c.array.areaMm2;
    if (logicAt(1) > budget) {
        char need[64];
        std::snprintf(need, sizeof need, "%.6g", logicAt(1));
        throw ConfigError({file + ": array.area_mm2: " + std::to_string(budget) + " mm2 does not fit one " + c.pe.kind +
                           " PE and its row data path (" + need + " mm2)"});
    }
    constexpr int kLargest = 4096;  // array.rows and array.cols allow at most this
    if (logicAt(kLargest + 1) <= budget) {
        char most[64];
        std::snprintf(most, sizeof most, "%.6g", logicAt(kLargest));
        throw ConfigError({file + ": array.area_mm2: " + std::to_string(budget) + " mm2 fits more than the largest " +
                           std::to_string(kLargest) + "x" + std::to_string(kLargest) + " " + c.pe.kind +
                           " array; at most " + most + " mm2 of logic is allowed for this design"});
    }
    int lo = 1, hi = kLargest;  // logic grows with n: the largest n that fits, by bisection
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (logicAt(mid) <= budget) lo = mid;
        else hi = mid - 1;
    }
    c.array.rows = c.array.cols = lo;
}

}  // namespace trsim
