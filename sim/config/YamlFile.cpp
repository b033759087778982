#include "sim/config/YamlFile.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/config/ConfigError.hpp"

namespace trsim {
namespace {

std::string keyText(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : "<a non-scalar key>"; }

void findRepeatedKeys(const YAML::Node& node, const std::string& path, const std::string& file,
                      std::vector<std::string>& problems) {
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            findRepeatedKeys(node[i], path + "[" + std::to_string(i) + "]", file, problems);
        return;
    }
    if (!node.IsMap()) return;
    std::map<std::string, int> firstLine;
    for (const auto& kv : node) {
        const std::string key = keyText(kv.first);
        const std::string keyPath = path.empty() ? key : path + "." + key;
        const int line = kv.first.Mark().line + 1;
        const auto [it, inserted] = firstLine.emplace(key, line);
        if (!inserted)
            problems.push_back(file + ": " + printable(keyPath) + ": key given twice (lines " +
                               std::to_string(it->second) + " and " + std::to_string(line) +
                               "); remove one of them");
        findRepeatedKeys(kv.second, keyPath, file, problems);
    }
}

}  // namespace

std::string printable(const std::string& text) {
    std::string out;
    for (unsigned char ch : text) {
        if (ch >= 0x20 && ch != 0x7f) {
            out += static_cast<char>(ch);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", ch);
            out += buf;
        }
    }
    return out;
}

std::string inputFileProblem(const std::string& path) {
    if (path.empty()) return "the file name is empty";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return errno == ENOENT ? "file not found" : std::string("cannot be accessed: ") + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (::access(path.c_str(), R_OK) != 0) return std::string("cannot be read: ") + std::strerror(errno);
    return "";
}

YAML::Node loadYamlFile(const std::string& path) {
    const std::string problem = inputFileProblem(path);
    if (!problem.empty()) throw ConfigError({path + ": " + problem});
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    if (in.bad()) throw ConfigError({path + ": cannot be read"});
    const std::string text = s.str();
    const auto nul = text.find('\0');
    if (nul != std::string::npos) {
        const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n'));
        throw ConfigError({path + ": line " + std::to_string(line) + ": contains a NUL byte (not a YAML text file)"});
    }
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError({path + ": not valid YAML: " + e.what()});
    }
    std::vector<std::string> problems;
    findRepeatedKeys(root, "", path, problems);
    if (!problems.empty()) throw ConfigError(problems);
    return root;
}

}  // namespace trsim
