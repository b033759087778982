#include "sim/run/PrecisionEnergy.hpp"

namespace trsim {

double multiplyPj(const EnergyTable& t, int aBits, int bBits) {
    return t.pj("multiply_8b") * static_cast<double>(aBits) * bBits / 64.0;
}

double addPj(const EnergyTable& t, int bits) { return t.pj("add_32b") * bits / 32.0; }

int accumulatorBits(int aBits, int bBits) { return aBits + bBits + 16; }

double macPj(const EnergyTable& t, int aBits, int bBits) {
    return multiplyPj(t, aBits, bBits) + addPj(t, accumulatorBits(aBits, bBits));
}

}  // namespace trsim
