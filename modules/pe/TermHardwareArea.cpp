#include "modules/pe/TermHardwareArea.hpp"

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/pe/TrPe.hpp"
#include "sim/config/AreaModel.hpp"

namespace trsim {

double termPairPeUm2(const SimConfig& c, const OperandCoding& w, const OperandCoding& x, double weightRegisterBits) {
    const AreaTable& t = c.area;
    const int ew = maxExponent(w.encoding, w.bits), ed = maxExponent(x.encoding, x.bits);
    const int counterBits = bitLength(TrPe::slotPairs(w, x)) + 1;
    const int acc = designAccumulatorBits(c);
    return adderUm2(t, bitLength(ew + ed)) + c.pe.coefficientCounters * counterUm2(t, counterBits) + adderUm2(t, acc) +
           registerUm2(t, weightRegisterBits + 1 + bitLength(ed) + acc);
}

double encoderLaneUm2(const AreaTable& t, const OperandCoding& x) {
    const int terms = maxTermsPerValue(x.encoding, x.bits);
    return muxUm2(t, 2.0 * (x.bits + 1)) + registerUm2(t, x.bits + terms * (1 + bitLength(maxExponent(x.encoding, x.bits))));
}

double comparatorUm2(const AreaTable& t, const OperandCoding& x) {
    const int k = x.budget.value_or(1), e = bitLength(maxExponent(x.encoding, x.bits));
    return k * (adderUm2(t, e) + registerUm2(t, 1 + e + bitLength(x.groupSize - 1)));
}

}  // namespace trsim
