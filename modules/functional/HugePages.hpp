// Large buffers backed by transparent huge pages where the kernel allows them (its "madvise" mode,
// Debian's default). Filling fresh memory faults it in a 4 KiB page at a time; on a virtual machine
// each fault is expensive, and the trace's values, im2col matrices and revealed operands are
// hundreds of MB (page faults and the zeroing inside them were a fifth of a ResNet-50 run). Advice
// only: without huge pages everything works the same.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trsim {

// Asks for huge pages over the 2 MiB-aligned part of [p, p + bytes); nothing for small buffers.
void adviseHugePages(const void* p, std::size_t bytes);

// reserve(n) with the advice, before the caller's resize or fill touches the memory.
template <class Vector>
void reserveHugePages(Vector& v, std::size_t n) {
    v.reserve(n);
    adviseHugePages(v.data(), v.capacity() * sizeof(typename Vector::value_type));
}

}  // namespace trsim
