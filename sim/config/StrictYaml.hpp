// Strict reading of YAML maps: every key must be known, every value of the
// right type and range. Problems are collected (not thrown one at a time) so a
// user sees them all at once, each as "FILE: key.path: what is wrong".
#pragma once
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trsim {

class StrictYaml {
public:
    explicit StrictYaml(std::string file) : file_(std::move(file)) {}

    // A child map at `key` of `parent` (path `path`); an absent key gives an
    // empty map when `required` is false.
    YAML::Node map(const YAML::Node& parent, const std::string& path, const std::string& key, bool required);
    // Reports every key of `node` not in `allowed`.
    void onlyKeys(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed);

    int integer(const YAML::Node& parent, const std::string& path, const std::string& key, long lo, long hi,
                std::optional<int> fallback);
    double number(const YAML::Node& parent, const std::string& path, const std::string& key, double lo, double hi,
                  std::optional<double> fallback);
    bool boolean(const YAML::Node& parent, const std::string& path, const std::string& key,
                 std::optional<bool> fallback);
    std::string text(const YAML::Node& parent, const std::string& path, const std::string& key,
                     std::optional<std::string> fallback);
    std::string choice(const YAML::Node& parent, const std::string& path, const std::string& key,
                       const std::vector<std::string>& allowed, std::optional<std::string> fallback);
    // An integer, or `none` / null meaning "no limit" (returns nullopt).
    std::optional<int> integerOrNone(const YAML::Node& parent, const std::string& path, const std::string& key, long lo,
                                     long hi);

    // Problems at `keyPath` or below are reported against `origin` (e.g. "--set
    // array.rows=0") instead of the file: that is where the value came from.
    void attribute(const std::string& keyPath, const std::string& origin);

    void problem(const std::string& path, const std::string& message);
    const std::vector<std::string>& problems() const { return problems_; }
    void throwIfAny() const;

private:
    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }
    // Present scalar at key, or nullptr after reporting absence/type problems.
    bool scalarAt(const YAML::Node& parent, const std::string& keyPath, const std::string& key, bool required,
                  YAML::Node& out);

    std::string file_;
    std::vector<std::pair<std::string, std::string>> origins_;  // key path, origin; later ones win
    std::vector<std::string> problems_;
};

std::string joinWords(const std::vector<std::string>& words);

}  // namespace trsim
