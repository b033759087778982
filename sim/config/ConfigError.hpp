// Raised when a config file (or a --set override) is invalid. what() lists every
// problem found, each naming the file, the key path and what is allowed.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace trsim {

class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::vector<std::string>& problems) : std::runtime_error(join(problems)), problems_(problems) {}
    const std::vector<std::string>& problems() const { return problems_; }

private:
    static std::string join(const std::vector<std::string>& p) {
        std::string s;
        for (const auto& line : p) s += (s.empty() ? "" : "\n") + line;
        return s;
    }
    std::vector<std::string> problems_;
};

}  // namespace trsim
