// Reading a YAML input file (config, energy table, sweep) before any key is
// interpreted: it must be a readable regular file of text (no NUL byte), valid
// YAML, and no map may repeat a key (yaml-cpp would silently keep the first
// value, so a second `clock_mhz: 0` would never be validated). Every problem is
// a ConfigError naming the file (and the key path and both lines of a repeat).
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

namespace trsim {

YAML::Node loadYamlFile(const std::string& path);

// Why `path` cannot be read as an input file ("not found", "is a directory",
// "cannot be accessed: ..."), or "" when it can.
std::string inputFileProblem(const std::string& path);

// Text of a scalar for messages: control characters (a NUL cuts a C string) as \xNN.
std::string printable(const std::string& text);

}  // namespace trsim
