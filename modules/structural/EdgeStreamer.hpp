// The input streamer at the array's west and north edges. For each fold it
// reads the fold's operands from the on-chip buffers into the fold's operand
// buffer of slices: weights as revealed offline; data as the controller
// prepared them, except for tr, whose data stream from the buffer through each
// row's RowDataPath (HESE encoders and term comparator) and reach the west edge
// as that path assembles them. It drives the edges on a step's clock edge,
// before the PEs take their inputs:
//   weight stationary: during preload the top edge carries, cycle by cycle, the
//     weights of rows rows-1 .. 0 (they shift down the columns); at step t row r
//     gets data row m = t - r, its reduction slice r;
//   output stationary: at step t row r gets slice j = t - r of data row m0 + r
//     and column c slice j = t - c of filter n0 + c.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/structural/LinkTokens.hpp"
#include "modules/structural/RowDataPath.hpp"

namespace trsim {

class EdgeStreamer : public sc_core::sc_module {
public:
    sc_core::sc_vector<sc_core::sc_out<OperandToken>> west;   // one per array row
    sc_core::sc_vector<sc_core::sc_out<OperandToken>> north;  // one per array column

    EdgeStreamer(const sc_core::sc_module_name& name, const ArraySpec& spec);

    // `paths`: one RowDataPath per row that streams the data (tr), else empty.
    void setDataPaths(std::vector<RowDataPath*> paths) { paths_ = std::move(paths); }
    // `xValues`: the data before encoding (what the data paths stream).
    void beginJob(const RevealedOperand& x, const RevealedOperand& w, const OperandTensor* xValues);
    void beginFold(const FoldShape& fold);
    // Starts the rows' data paths on the fold's data (from the next clock edge).
    void startDataPaths();
    // Whether every slice step `step` needs has reached the west edge.
    bool dataReady(int64_t step) const;
    // What the edges carry at preload cycle `cycle` / step `step` (bubbles outside the fold).
    void drivePreload(int64_t cycle);
    void driveStep(int64_t step);
    void driveBubbles();

private:
    const OperandSlice* dataSlice(int64_t row, int64_t index) const;
    OperandSlice slice(const RevealedOperand& a, int64_t row, int64_t k0, bool withTerms) const;

    ArraySpec spec_;
    const RevealedOperand* x_ = nullptr;
    const RevealedOperand* w_ = nullptr;
    const OperandTensor* xValues_ = nullptr;
    std::vector<RowDataPath*> paths_;
    int64_t span_ = 0;  // indices a row streams in a fold: M (WS) or reduction slices (OS)
    FoldShape fold_;
    // The fold's operand buffer: data slices [row][index] (unless data paths
    // stream them), weight slices [row][col] (WS) or [col][slice] (OS).
    std::vector<OperandSlice> data_;
    std::vector<OperandSlice> weights_;
};

}  // namespace trsim
