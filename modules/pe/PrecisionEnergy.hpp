// Arithmetic energy as a function of operand width, in units of the energy
// table's Horowitz entries (configs/energy/horowitz_45nm.yaml states each
// derivation next to its entry):
//  - an a x b bit multiplier (sign-magnitude: an a x b magnitude array and a
//    sign XOR) has a*b partial-product cells: a*b/64 of multiply_8b;
//  - an n-bit adder: n/32 of add_32b;
//  - a MAC multiplies the two magnitudes and adds the product into an
//    accumulator of a + b + 16 bits (16 guard bits: 8 x 8 gets the usual
//    32-bit accumulator). 8 x 8: 0.2 + 0.1 = 0.3 pJ; 4 x 4: 0.05 + 0.075 pJ.
#pragma once
#include <string>
#include <vector>

#include "modules/pe/PeKind.hpp"

namespace trsim {

inline int macAccumulatorBits(int aBits, int bBits) { return aBits + bBits + 16; }

// `macs` multiply-accumulates of aBits x bBits magnitudes, as table actions.
inline std::vector<EnergyAction> macEnergyActions(double macs, int aBits, int bBits) {
    const int acc = macAccumulatorBits(aBits, bBits);
    return {{EnergyComponent::PeCompute, "multiply_8b", macs, aBits * bBits / 64.0,
             "multiply_" + std::to_string(aBits) + "x" + std::to_string(bBits) + "b"},
            {EnergyComponent::PeCompute, "add_32b", macs, acc / 32.0, "add_" + std::to_string(acc) + "b"}};
}

}  // namespace trsim
