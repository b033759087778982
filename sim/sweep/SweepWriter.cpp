#include "sim/sweep/SweepWriter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "sim/io/Hdf5MemoryFile.hpp"
#include "sim/io/Hdf5Read.hpp"
#include "sim/io/OutputFiles.hpp"
#include "sim/io/Hdf5Write.hpp"
#include "sim/sweep/SweepRunner.hpp"

namespace trsim {
namespace fs = std::filesystem;
namespace {

// Per-layer columns of the sweep summary, taken from each point's run summary.
const std::vector<std::string> kColumns{"cycles",      "compute_cycles", "stall_cycles", "ideal_cycles",
                                        "utilization", "term_pairs",     "macs",         "dense_macs",
                                        "energy_total_pj", "energy_on_chip_pj", "energy_dram_pj",
                                        "error_rel_l2"};
// Per-point columns (run scope), NaN where a point has none (no area table).
const std::vector<std::string> kPointColumns{"array_rows", "array_cols", "area_total_mm2", "area_logic_mm2"};
const std::vector<std::string> kRunAttributes{"format", "format_version", "trsim_version", "config_hash",
                                              "config_yaml", "trace_path", "trace_network", "trace_source"};


bool exists(hid_t loc, const std::string& path) { return H5Lexists(loc, path.c_str(), H5P_DEFAULT) > 0; }

std::string readText(const std::string& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string joinLines(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += (s.empty() ? "" : "\n") + l;
    return s;
}

Hdf5File openFile(const std::string& path) {
    return Hdf5File(fs::exists(path) ? H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT) : -1);
}

void copyObject(hid_t src, const std::string& from, hid_t dst, const std::string& to) {
    if (H5Ocopy(src, from.c_str(), dst, to.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
        throw std::runtime_error("H5Ocopy failed for " + from + " -> " + to);
}

// Attribute by attribute (strings and integers, all a sweep point has): H5Ocopy
// of a group whose many variable-length string attributes sit in dense storage
// crashes HDF5 1.10 (H5A__dense_post_copy_file_all), so groups are rebuilt.
void copyAttributes(hid_t src, hid_t dst, const std::set<std::string>& skip) {
    H5O_info_t info;
    if (H5Oget_info2(src, &info, H5O_INFO_NUM_ATTRS) < 0) throw std::runtime_error("H5Oget_info2 failed");
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
        char name[256];
        if (H5Aget_name_by_idx(src, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0)
            throw std::runtime_error("H5Aget_name_by_idx failed");
        if (skip.count(name)) continue;
        const Hdf5Attribute attr(H5Aopen(src, name, H5P_DEFAULT));
        const Hdf5Datatype type(H5Aget_type(attr));
        if (H5Tget_class(type) == H5T_STRING) h5write::stringAttribute(dst, name, h5read::readStringAttribute(src, name));
        else h5write::intAttribute(dst, name, h5read::readIntAttribute(src, name));
    }
}

// A point's run results under /points/<hash>: its root attributes and groups.
void copyRunInto(hid_t runFile, hid_t pointGroup, const std::string& pointPath, hid_t dstFile) {
    for (const auto& attr : kRunAttributes) {
        if (H5Aexists(runFile, attr.c_str()) <= 0) continue;
        if (attr == "format_version") h5write::intAttribute(pointGroup, "run_format_version", h5read::readIntAttribute(runFile, attr));
        else if (attr == "format") h5write::stringAttribute(pointGroup, "run_format", h5read::readStringAttribute(runFile, attr));
        else if (attr != "config_hash") h5write::stringAttribute(pointGroup, attr, h5read::readStringAttribute(runFile, attr));
    }
    for (const char* group : {"layers", "run", "summary"})
        if (exists(runFile, group)) copyObject(runFile, group, dstFile, pointPath + "/" + group);
}

struct SummaryTable {
    std::vector<int64_t> point;
    std::vector<std::string> hash, network, layer;
    std::map<std::string, std::vector<double>> columns;
    std::vector<double> accuracy;
    std::vector<std::vector<std::string>> params;  // per swept key
};

// What one point of the merged file is and where its results come from.
struct MergedPoint {
    int64_t index = 0;
    std::string hash, overrides, sweep;
    enum class From { Part, Previous, Failed, NotRun } from = From::NotRun;
    std::string error;  // Failed: the worker's log tail
};

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

// The value of `key` for a point: the last override that sets it, else its
// resolved config's scalar at that path, else "".
std::string paramValue(const std::string& key, const std::string& overrides, const std::string& configYaml) {
    std::string value;
    bool found = false;
    for (const std::string& line : splitLines(overrides))
        if (line.compare(0, key.size() + 1, key + "=") == 0) {
            value = line.substr(key.size() + 1);
            found = true;
        }
    if (found || configYaml.empty()) return value;
    try {
        YAML::Node node = YAML::Load(configYaml);
        for (std::size_t start = 0;;) {
            const auto dot = key.find('.', start);
            if (!node.IsMap()) return "";
            node.reset(node[key.substr(start, dot - start)]);
            if (!node) return "";
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        return node.IsScalar() ? node.Scalar() : "";
    } catch (const YAML::Exception&) {
        return "";
    }
}

std::string stringAttributeOr(hid_t obj, const std::string& name, const std::string& fallback) {
    return h5read::hasAttribute(obj, name) ? h5read::readStringAttribute(obj, name) : fallback;
}

void appendRows(SummaryTable& t, hid_t file, const std::string& pointPath, const MergedPoint& p,
                const std::vector<std::string>& keys) {
    const Hdf5Group point(H5Gopen2(file, pointPath.c_str(), H5P_DEFAULT));
    const std::string network = h5read::readStringAttribute(point, "trace_network");
    const std::string configYaml = stringAttributeOr(point, "config_yaml", "");
    const Hdf5Dataset layerDs(H5Dopen2(file, (pointPath + "/summary/layer").c_str(), H5P_DEFAULT));
    const std::vector<std::string> layers = h5read::readStringDataset(layerDs);
    double accuracy = NAN;
    if (exists(file, pointPath + "/run/accuracy")) {
        const Hdf5Dataset ds(H5Dopen2(file, (pointPath + "/run/accuracy").c_str(), H5P_DEFAULT));
        accuracy = h5read::readDatasetAsDouble(ds).at(0);
    }
    // Design properties of the point, repeated on each of its rows like accuracy.
    for (const auto& name : kPointColumns) {
        double value = NAN;
        if (exists(file, pointPath + "/run/" + name)) {
            const Hdf5Dataset ds(H5Dopen2(file, (pointPath + "/run/" + name).c_str(), H5P_DEFAULT));
            value = h5read::readDatasetAsDouble(ds).at(0);
        }
        auto& column = t.columns[name];
        column.insert(column.end(), layers.size(), value);
    }
    for (const auto& name : kColumns) {
        std::vector<double> values(layers.size(), NAN);
        const std::string path = pointPath + "/summary/" + name;
        if (exists(file, path)) {
            const Hdf5Dataset ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
            values = h5read::readDatasetAsDouble(ds);
        }
        auto& column = t.columns[name];
        column.insert(column.end(), values.begin(), values.end());
    }
    std::vector<std::string> params;
    for (const auto& key : keys) params.push_back(paramValue(key, p.overrides, configYaml));
    for (const auto& layer : layers) {
        t.point.push_back(p.index);
        t.hash.push_back(p.hash);
        t.network.push_back(network);
        t.layer.push_back(layer);
        t.accuracy.push_back(accuracy);
        for (std::size_t k = 0; k < keys.size(); ++k) t.params[k].push_back(params[k]);
    }
}

void writeSummary(hid_t file, const SummaryTable& t, const std::vector<std::string>& keys) {
    Hdf5Group summary = h5write::createOrderedGroup(file, "summary");
    h5write::int64Dataset(summary.get(), "point", t.point);
    h5write::stringDataset(summary.get(), "config_hash", t.hash);
    h5write::stringDataset(summary.get(), "network", t.network);
    h5write::stringDataset(summary.get(), "layer", t.layer);
    for (const auto* names : {&kColumns, &kPointColumns})
        for (const auto& name : *names) {
            const auto column = t.columns.find(name);  // absent when no point is ok
            h5write::doubleDataset(summary.get(), name,
                                   column == t.columns.end() ? std::vector<double>{} : column->second);
        }
    h5write::doubleDataset(summary.get(), "accuracy", t.accuracy);
    Hdf5Group params = h5write::createOrderedGroup(summary.get(), "params");
    for (std::size_t k = 0; k < keys.size(); ++k) h5write::stringDataset(params.get(), keys[k], t.params[k]);
}

// The earlier file's points in index order: (index, hash).
std::vector<std::pair<int64_t, std::string>> previousPoints(hid_t old) {
    std::vector<std::pair<int64_t, std::string>> out;
    if (old < 0 || !exists(old, "points")) return out;
    const Hdf5Group points(H5Gopen2(old, "points", H5P_DEFAULT));
    for (const auto& name : h5read::memberNames(points)) {
        const Hdf5Group g(H5Gopen2(points, name.c_str(), H5P_DEFAULT));
        const int64_t index = g.valid() && h5read::hasAttribute(g, "index") ? h5read::readIntAttribute(g, "index") : 0;
        out.emplace_back(index, name);
    }
    std::stable_sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::set<std::string> completedPoints(const std::string& path) {
    std::set<std::string> done;
    h5read::QuietHdf5Errors quiet;
    const auto file = openFile(path);
    if (!fs::exists(path)) return done;
    const auto notSweep = [&](const std::string& why) {
        return OutputError(path + ": exists and " + why +
                           "; a sweep adds to a trsim sweep file only (choose another output)");
    };
    if (!file.valid()) throw notSweep("is not an HDF5 file");
    if (!h5read::hasAttribute(file, "format") || h5read::readStringAttribute(file, "format") != "trsim-sweep")
        throw notSweep("is not a trsim sweep file (root attribute format is not 'trsim-sweep')");
    if (!exists(file, "points")) return done;
    const Hdf5Group points(H5Gopen2(file, "points", H5P_DEFAULT));
    for (const auto& name : h5read::memberNames(points)) {
        const Hdf5Group g(H5Gopen2(points, name.c_str(), H5P_DEFAULT));
        if (g.valid() && h5read::hasAttribute(g, "status") && h5read::readStringAttribute(g, "status") == "ok")
            done.insert(name);
    }
    return done;
}

SweepMergeCounts writeSweepResults(const std::string& path, const SweepSpec& spec, const std::string& partsDir) {
    h5read::QuietHdf5Errors quiet;
    const std::set<std::string> previous = completedPoints(path);
    const auto old = openFile(path);

    // This sweep's points first, then every point of earlier sweeps the file holds.
    std::vector<MergedPoint> merged;
    std::set<std::string> mine;
    for (const SweepPoint& p : spec.points) {
        MergedPoint m;
        m.index = p.index;
        m.hash = p.configHash;
        m.overrides = joinLines(p.overrides);
        m.sweep = spec.path;
        if (fs::exists(partPath(partsDir, p.configHash, ".h5"))) m.from = MergedPoint::From::Part;
        else if (previous.count(p.configHash)) m.from = MergedPoint::From::Previous;
        else if (fs::exists(partPath(partsDir, p.configHash, ".failed"))) {
            m.from = MergedPoint::From::Failed;
            m.error = readText(partPath(partsDir, p.configHash, ".failed"));
        }
        mine.insert(p.configHash);
        merged.push_back(std::move(m));
    }
    std::vector<std::string> keys = spec.sweptKeys;
    std::vector<std::string> sweeps;
    if (old.valid()) {
        for (const auto& k : splitLines(stringAttributeOr(old, "swept_keys", "")))
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
        sweeps = splitLines(stringAttributeOr(old, "sweeps", ""));
        for (const auto& [index, hash] : previousPoints(old)) {
            if (mine.count(hash)) continue;
            const Hdf5Group g(H5Gopen2(old, ("points/" + hash).c_str(), H5P_DEFAULT));
            MergedPoint m;
            m.index = static_cast<int64_t>(merged.size());
            m.hash = hash;
            m.overrides = stringAttributeOr(g, "overrides", "");
            m.sweep = stringAttributeOr(g, "sweep", "");
            m.from = MergedPoint::From::Previous;
            merged.push_back(std::move(m));
        }
    }
    if (std::find(sweeps.begin(), sweeps.end(), spec.path) == sweeps.end()) sweeps.push_back(spec.path);

    SweepMergeCounts counts;
    Hdf5PropertyList fcpl(H5Pcreate(H5P_FILE_CREATE));
    H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    Hdf5File file = createMemoryFile(path, fcpl.get());
    const hid_t f = file.get();
    h5write::stringAttribute(f, "format", "trsim-sweep");
    h5write::intAttribute(f, "format_version", 1);
    h5write::stringAttribute(f, "sweep_yaml", spec.text);
    h5write::stringAttribute(f, "base_config", spec.baseConfigPath);
    h5write::stringAttribute(f, "swept_keys", joinLines(keys));
    h5write::intAttribute(f, "n_points", static_cast<int64_t>(merged.size()));
    h5write::stringAttribute(f, "sweeps", joinLines(sweeps));
    SummaryTable table;
    table.params.resize(keys.size());
    {
        Hdf5Group points = h5write::createOrderedGroup(f, "points");
        for (const MergedPoint& p : merged) {
            const std::string pointPath = "/points/" + p.hash;
            Hdf5Group g = h5write::createOrderedGroup(points.get(), p.hash);
            h5write::intAttribute(g.get(), "index", p.index);
            h5write::stringAttribute(g.get(), "overrides", p.overrides);
            h5write::stringAttribute(g.get(), "sweep", p.sweep);
            std::string status = "not_run";
            if (p.from == MergedPoint::From::Previous) {
                // Kept as it was (its own status, error and run results), renumbered.
                const Hdf5Group src(H5Gopen2(old, pointPath.c_str(), H5P_DEFAULT));
                copyAttributes(src, g.get(), {"index", "overrides", "sweep"});
                for (const char* group : {"layers", "run", "summary"})
                    if (exists(old, pointPath + "/" + group))
                        copyObject(old, pointPath + "/" + group, f, pointPath + "/" + group);
                status = stringAttributeOr(src, "status", "ok");
            } else {
                h5write::stringAttribute(g.get(), "config_hash", p.hash);
                if (p.from == MergedPoint::From::Part) {
                    const std::string part = partPath(partsDir, p.hash, ".h5");
                    const Hdf5File run(H5Fopen(part.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
                    if (!run.valid()) throw std::runtime_error("cannot open point results " + part);
                    copyRunInto(run, g.get(), pointPath, f);
                    status = "ok";
                } else if (p.from == MergedPoint::From::Failed) {
                    status = "failed";
                }
                h5write::stringAttribute(g.get(), "status", status);
                h5write::stringAttribute(g.get(), "error", p.error);
            }
            if (status == "ok") appendRows(table, f, pointPath, p, keys);
            if (p.index >= static_cast<int64_t>(spec.points.size())) {
                counts.otherSweeps++;
            } else if (status == "ok") {
                counts.ok++;
            } else if (status == "failed") {
                counts.failed++;
            } else {
                counts.notRun++;
            }
        }
    }
    writeSummary(f, table, keys);
    saveMemoryFile(file, path);
    return counts;
}

}  // namespace trsim
