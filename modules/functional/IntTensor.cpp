#include "modules/functional/IntTensor.hpp"

#include "modules/functional/HugePages.hpp"

namespace trsim {

TensorValues zeroedValues(std::size_t n) {
    TensorValues v;
    reserveHugePages(v, n);
    v.resize(n, 0);
    return v;
}

TensorValues unsetValues(std::size_t n) {
    TensorValues v;
    reserveHugePages(v, n);
    v.resize(n);
    return v;
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace trsim
