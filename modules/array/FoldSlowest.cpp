#include "modules/array/FoldSlowest.hpp"

#include <algorithm>

namespace trsim {

__attribute__((target_clones("avx2", "default"))) int64_t foldSlowest(int32_t* slowest, const int32_t* cycles,
                                                                      int64_t M) {
    int64_t busy = 0;
    for (int64_t m = 0; m < M; ++m) {
        slowest[m] = std::max(slowest[m], cycles[m]);
        busy += cycles[m];
    }
    return busy;
}

}  // namespace trsim
