#include "sim/config/AreaModel.hpp"

#include <cmath>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/TrPe.hpp"
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

namespace {

double muxUm2(const AreaTable& t, double count) { return count * t.um2("mux2_bit"); }
double counterUm2(const AreaTable& t, int bits) { return adderUm2(t, bits) + registerUm2(t, bits); }

int weightDesignBits(const SimConfig& c) { return c.quantize.weightBits.value_or(c.weights.bits); }
int dataDesignBits(const SimConfig& c) { return c.quantize.dataBits.value_or(c.data.bits); }
int accumulatorBits(const SimConfig& c) { return weightDesignBits(c) + dataDesignBits(c) + 16; }

// A tMAC-style PE: exponent adder, coefficient counters, flush adder, registers.
double termPairPeUm2(const AreaTable& t, const SimConfig& c, const OperandCoding& w, const OperandCoding& x,
                     double weightRegisterBits) {
    const int ew = maxExponent(w.encoding, w.bits), ed = maxExponent(x.encoding, x.bits);
    const int counterBits = bitLength(TrPe::slotPairs(w, x)) + 1;
    return adderUm2(t, bitLength(ew + ed)) + c.pe.coefficientCounters * counterUm2(t, counterBits) +
           adderUm2(t, accumulatorBits(c)) + registerUm2(t, weightRegisterBits + 1 + bitLength(ed) + accumulatorBits(c));
}

double encoderLaneUm2(const AreaTable& t, const OperandCoding& x) {
    const int maxTerms = maxTermsPerValue(x.encoding, x.bits);
    return muxUm2(t, 2.0 * (x.bits + 1)) + registerUm2(t, x.bits + maxTerms * (1 + bitLength(maxExponent(x.encoding, x.bits))));
}

double comparatorUm2(const AreaTable& t, const OperandCoding& x) {
    const int k = *x.budget, e = bitLength(maxExponent(x.encoding, x.bits));
    return k * (adderUm2(t, e) + registerUm2(t, 1 + e + bitLength(x.groupSize - 1)));
}

struct PeAndRow {
    double pe = 0, row = 0;
};

// PE-KIND: move into plug-in (each kind's PE and row data path area).
std::optional<PeAndRow> peAndRowUm2(const AreaTable& t, const SimConfig& c) {
    const int wb = weightDesignBits(c), db = dataDesignBits(c), acc = accumulatorBits(c);
    const OperandCoding w{wb, c.weights.encoding, c.weights.groupSize, c.weights.budget};
    const OperandCoding x{db, c.data.encoding, c.data.groupSize, c.data.budget};
    const int dataExponent = maxExponent(x.encoding, db);
    switch (c.pe.kind) {
        case PeKind::Mac: return PeAndRow{multiplierUm2(t, wb, db) + adderUm2(t, acc) + registerUm2(t, wb + db + acc), 0};
        case PeKind::Stripes: return PeAndRow{muxUm2(t, wb) + adderUm2(t, acc) + registerUm2(t, wb + 1 + acc), 0};
        case PeKind::Pragmatic: {
            const int stages = bitLength(dataExponent);  // ceil(log2(E + 1))
            return PeAndRow{muxUm2(t, static_cast<double>(wb + dataExponent) * stages) + adderUm2(t, acc) +
                                registerUm2(t, wb + 1 + stages + acc),
                            encoderLaneUm2(t, x)};
        }
        case PeKind::Laconic: {
            const OperandCoding w1{wb, w.encoding, 1, std::nullopt}, x1{db, x.encoding, 1, std::nullopt};
            return PeAndRow{termPairPeUm2(t, c, w1, x1, wb), encoderLaneUm2(t, x)};
        }
        case PeKind::Tr: {
            const double group = w.budget ? keptTermBitsPerValue(w) * w.groupSize : static_cast<double>(wb) * w.groupSize;
            const double row = c.dataPath.lanesPerRow * encoderLaneUm2(t, x) + (x.budget ? comparatorUm2(t, x) : 0);
            return PeAndRow{termPairPeUm2(t, c, w, x, group), row};
        }
        case PeKind::DnaTeq: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::optional<AreaBreakdown> areaOf(const SimConfig& c) {
    if (c.area.path.empty()) return std::nullopt;
    const auto parts = peAndRowUm2(c.area, c);
    if (!parts) return std::nullopt;
    AreaBreakdown a;
    a.peUm2 = parts->pe;
    a.rowDataPathUm2 = parts->row;
    a.arrayMm2 = parts->pe * c.array.rows * c.array.cols * 1e-6;
    a.dataPathMm2 = parts->row * c.array.rows * 1e-6;
    a.sramMm2 = (c.buffers.weightsKib + c.buffers.dataKib + c.buffers.outputsKib) * c.area.um2("sram_kib") * 1e-6;
    return a;
}

void sizeArrayToArea(SimConfig& c, const std::string& file) {
    const double budgetUm2 = *c.array.areaMm2 * 1e6;
    const auto parts = peAndRowUm2(c.area, c);
    if (!parts)
        throw ConfigError({file + ": array.area_mm2: pe.kind " + peKindName(c.pe.kind) +
                           " has no area model (allowed with: mac, tr, stripes, pragmatic, laconic)"});
    const auto fits = [&](int64_t n) { return static_cast<double>(n * n) * parts->pe + n * parts->row <= budgetUm2; };
    int64_t n = 0;
    while (n < 4096 && fits(n + 1)) ++n;
    if (n == 0)
        throw ConfigError({file + ": array.area_mm2: " + std::to_string(*c.array.areaMm2) +
                           " mm2 does not fit one " + peKindName(c.pe.kind) + " PE and its row data path (" +
                           std::to_string((parts->pe + parts->row) * 1e-6) + " mm2)"});
    c.array.rows = c.array.cols = static_cast<int>(n);
}

}  // namespace trsim
