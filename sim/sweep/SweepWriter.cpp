#include "sim/sweep/SweepWriter.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/io/Hdf5Read.hpp"
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
void copyAttributes(hid_t src, hid_t dst) {
    H5O_info_t info;
    if (H5Oget_info2(src, &info, H5O_INFO_NUM_ATTRS) < 0) throw std::runtime_error("H5Oget_info2 failed");
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
        char name[256];
        if (H5Aget_name_by_idx(src, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0)
            throw std::runtime_error("H5Aget_name_by_idx failed");
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

void appendRows(SummaryTable& t, hid_t file, const std::string& pointPath, const SweepPoint& p) {
    const Hdf5Group point(H5Gopen2(file, pointPath.c_str(), H5P_DEFAULT));
    const std::string network = h5read::readStringAttribute(point, "trace_network");
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
    for (const auto& layer : layers) {
        t.point.push_back(p.index);
        t.hash.push_back(p.configHash);
        t.network.push_back(network);
        t.layer.push_back(layer);
        t.accuracy.push_back(accuracy);
        for (std::size_t k = 0; k < p.values.size(); ++k) t.params[k].push_back(p.values[k]);
    }
}

void writeSummary(hid_t file, const SummaryTable& t, const std::vector<std::string>& keys) {
    Hdf5Group summary = h5write::createOrderedGroup(file, "summary");
    h5write::int64Dataset(summary.get(), "point", t.point);
    h5write::stringDataset(summary.get(), "config_hash", t.hash);
    h5write::stringDataset(summary.get(), "network", t.network);
    h5write::stringDataset(summary.get(), "layer", t.layer);
    for (const auto& name : kColumns) h5write::doubleDataset(summary.get(), name, t.columns.at(name));
    for (const auto& name : kPointColumns) h5write::doubleDataset(summary.get(), name, t.columns.at(name));
    h5write::doubleDataset(summary.get(), "accuracy", t.accuracy);
    Hdf5Group params = h5write::createOrderedGroup(summary.get(), "params");
    for (std::size_t k = 0; k < keys.size(); ++k) h5write::stringDataset(params.get(), keys[k], t.params[k]);
}

}  // namespace

std::set<std::string> completedPoints(const std::string& path) {
    std::set<std::string> done;
    h5read::QuietHdf5Errors quiet;
    const auto file = openFile(path);
    if (!file.valid() || !exists(file, "points")) return done;
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
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    SweepMergeCounts counts;
    try {
        Hdf5PropertyList fcpl(H5Pcreate(H5P_FILE_CREATE));
        H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
        Hdf5File file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT));
        if (!file.valid()) throw std::runtime_error("cannot create " + tmp);
        const hid_t f = file.get();
        h5write::stringAttribute(f, "format", "trsim-sweep");
        h5write::intAttribute(f, "format_version", 1);
        h5write::stringAttribute(f, "sweep_yaml", spec.text);
        h5write::stringAttribute(f, "base_config", spec.baseConfigPath);
        h5write::stringAttribute(f, "swept_keys", joinLines(spec.sweptKeys));
        h5write::intAttribute(f, "n_points", static_cast<int64_t>(spec.points.size()));
        SummaryTable table;
        table.params.resize(spec.sweptKeys.size());
        {
            Hdf5Group points = h5write::createOrderedGroup(f, "points");
            for (const SweepPoint& p : spec.points) {
                const std::string pointPath = "/points/" + p.configHash;
                const std::string part = partPath(partsDir, p.configHash, ".h5");
                const std::string failed = partPath(partsDir, p.configHash, ".failed");
                std::string status = "not_run", error;
                if (previous.count(p.configHash) && !fs::exists(part)) {
                    // Resumed: kept as it was.
                    Hdf5Group g = h5write::createOrderedGroup(points.get(), p.configHash);
                    const Hdf5Group src(H5Gopen2(old, pointPath.c_str(), H5P_DEFAULT));
                    copyAttributes(src, g.get());
                    for (const char* group : {"layers", "run", "summary"})
                        if (exists(old, pointPath + "/" + group))
                            copyObject(old, pointPath + "/" + group, f, pointPath + "/" + group);
                    status = "ok";
                } else {
                    Hdf5Group g = h5write::createOrderedGroup(points.get(), p.configHash);
                    h5write::intAttribute(g.get(), "index", p.index);
                    h5write::stringAttribute(g.get(), "config_hash", p.configHash);
                    h5write::stringAttribute(g.get(), "overrides", joinLines(p.overrides));
                    if (fs::exists(part)) {
                        const Hdf5File run(H5Fopen(part.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
                        if (!run.valid()) throw std::runtime_error("cannot open point results " + part);
                        copyRunInto(run, g.get(), pointPath, f);
                        status = "ok";
                    } else if (fs::exists(failed)) {
                        status = "failed";
                        error = readText(failed);
                    }
                    h5write::stringAttribute(g.get(), "status", status);
                    h5write::stringAttribute(g.get(), "error", error);
                }
                if (status == "ok") {
                    counts.ok++;
                    appendRows(table, f, pointPath, p);
                } else if (status == "failed") {
                    counts.failed++;
                } else {
                    counts.notRun++;
                }
            }
        }
        writeSummary(f, table, spec.sweptKeys);
        if (file.close() < 0) throw std::runtime_error("closing " + tmp + " failed");
        if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + path);
    } catch (...) {
        fs::remove(tmp);
        throw;
    }
    return counts;
}

}  // namespace trsim
