// Energy of arithmetic as a function of operand width, scaled from the
// Horowitz 45 nm entries of the energy table (configs/energy/horowitz_45nm.yaml
// states each derivation next to its entry):
//  - an a x b bit multiplier (sign-magnitude: an a x b magnitude array and a
//    sign XOR) has a*b partial-product cells: multiply_8b * a*b / 64;
//  - an n-bit adder: add_32b * n / 32;
//  - a MAC multiplies the two magnitudes and adds the product into an
//    accumulator of a + b + 16 bits (16 guard bits: 8 x 8 gets the usual
//    32-bit accumulator): mult(a, b) + add(a + b + 16). 8 x 8: 0.2 + 0.1 = 0.3 pJ.
#pragma once
#include "sim/config/Config.hpp"

namespace trsim {

double multiplyPj(const EnergyTable& table, int aBits, int bBits);
double addPj(const EnergyTable& table, int bits);
// One multiply-accumulate of an aBits x bBits magnitude product.
double macPj(const EnergyTable& table, int aBits, int bBits);
// Accumulator width of an aBits x bBits MAC.
int accumulatorBits(int aBits, int bBits);

}  // namespace trsim
