// The per-step bookkeeping of a weight-stationary fold (PeArrayCore::foldWeightStationary): each
// step lasts as long as the slowest PE that meets it. Compiled for AVX2 and the baseline, chosen at
// run time (target_clones).
#pragma once
#include <cstdint>

namespace trsim {

// slowest[m] = max(slowest[m], cycles[m]) for m < M; returns the sum of cycles (a PE's busy cycles).
int64_t foldSlowest(int32_t* slowest, const int32_t* cycles, int64_t M);

}  // namespace trsim
