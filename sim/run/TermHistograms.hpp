// Term histograms of a layer: the distributions Term Revealing exploits (the TR paper's figures
// of terms per value and per group), from the operands exactly as the array consumes them
// (conv: the im2col-lowered GEMMs, so data values repeat as the PEs see them).
//
// Results file layout (inside /layers/<layer>/, next to the layer's scalar stats): one 1-D float64
// dataset per histogram, attributes unit and description. Element i counts the items whose
// quantity equals i (unit-width integer bins starting at 0); the length is the largest value seen
// plus one (at least 1), so sum(h) is the number of items and sum(i * h[i]) their total.
//
//   term_hist_weight_terms_binary    weight values by their number of binary terms (set bits)
//   term_hist_weight_terms_encoded   weight values by their number of terms in operands.weights.encoding,
//                                    before TR
//   term_hist_weight_terms_kept      weight values by the terms TR kept (operands.weights group_size, budget)
//   term_hist_data_terms_binary      data values (lowered, repeats counted) by binary terms
//   term_hist_data_terms_encoded     data values by terms in operands.data.encoding, before TR
//   term_hist_data_terms_kept        data values by the terms TR kept
//   term_hist_weight_kept_exponents  kept weight terms by exponent
//   term_hist_data_kept_exponents    kept data terms by exponent
//   term_hist_term_pairs_per_group   (output element, weight group) pairs by the term pairs their dot
//                                    product needs: sum over the group of kept weight terms x kept data
//                                    terms (the tMAC's work for that group)
//
// The codings are the config's operands.* as written, whatever pe.kind (for kinds that do not use
// terms they say what TR would keep).
//
// Plain counting vectors rather than Boost.Histogram: every quantity is a small non-negative
// integer with unit bins, so an integer axis would replace no logic and add a per-fill cost to the
// pair histogram, which is filled M*N*K/group_size times per layer.
#pragma once
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

// `inputs` and `weights`: the layer's operands after QT (QuantizedOperands), which are what
// operands.*.bits describe; `layer` gives the name, type and conv parameters. `revealed`: `weights`
// lowered and revealed with operands.weights as the array's controller did (modules/functional/
// Reference.hpp), whose kept-term counts are then read instead of revealing the weights again.
std::vector<LayerMap> termHistograms(const TraceLayer& layer, const OperandTensor& inputs, const OperandTensor& weights,
                                     const SimConfig& config, const RevealedWeights* revealed = nullptr);

}  // namespace trsim
