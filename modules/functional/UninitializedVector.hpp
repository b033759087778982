// A std::vector whose resize leaves new trivially constructible elements
// uninitialized. For buffers whose every element is written right after the
// resize: zero-filling them first was a whole extra pass over fresh memory
// (the RevealedOperand of a conv's im2col is hundreds of MB on VGG-16).
#pragma once
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace trsim {

template <class T, class Base = std::allocator<T>>
class DefaultInitAllocator : public Base {
    using Traits = std::allocator_traits<Base>;

public:
    template <class U>
    struct rebind {
        using other = DefaultInitAllocator<U, typename Traits::template rebind_alloc<U>>;
    };
    using Base::Base;
    DefaultInitAllocator() = default;

    // resize(n) and vector(n): default-initialize (no value for trivial types) instead of value-initialize.
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        Traits::construct(static_cast<Base&>(*this), p, std::forward<Args>(args)...);
    }
};

template <class T>
using UninitializedVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace trsim
