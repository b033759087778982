// Area of the term hardware several kinds share (tr, laconic, pragmatic), from
// the area table's primitives (sim/config/AreaModel.hpp), at the design's widths:
//  - a term-pair PE (the tMAC; Laconic's PE): an exponent adder as wide as the
//    largest exponent sum, C coefficient counters (pe.coefficient_counters) of
//    bitLength(most term pairs of a step) + 1 bits (up/down), a flush adder and
//    registers for the weights it holds, one data term and its partial sum;
//  - a HESE encoder lane: window logic of 2 muxes per digit position (bits + 1)
//    and registers for its input value and its most terms (sign + exponent each);
//  - a term comparator keeping the top k terms of a group: k exponent
//    comparators and k term registers (sign, exponent, index in the group).
#pragma once
#include "modules/functional/TermReveal.hpp"
#include "sim/config/Config.hpp"

namespace trsim {

double termPairPeUm2(const SimConfig& c, const OperandCoding& weights, const OperandCoding& data,
                     double weightRegisterBits);
double encoderLaneUm2(const AreaTable& t, const OperandCoding& data);
double comparatorUm2(const AreaTable& t, const OperandCoding& data);

}  // namespace trsim
