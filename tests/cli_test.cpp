// The trsim command as a user sees it: output text, exit codes, error messages.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/cli/Commands.hpp"

namespace trsim {
namespace {

struct Result {
    int code;
    std::string out, err;
};

Result run(const Args& args) {
    std::ostringstream out, err;
    const int code = trsimMain(args, out, err);
    return {code, out.str(), err.str()};
}

TEST(EncodeCommand, PrintsHeseTermsOfSpecExample) {
    const Result r = run({"encode", "--encoding", "hese", "27"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "27: +2^5 -2^3 +2^2 -2^0\n");
}

TEST(EncodeCommand, ZeroHasNoTermsAndNegativesFlipSigns) {
    const Result r = run({"encode", "--encoding", "binary", "0", "-5"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "0:\n-5: -2^2 -2^0\n");
}

TEST(EncodeCommand, DefaultEncodingIsHese) {
    EXPECT_EQ(run({"encode", "255", "6"}).out, "255: +2^8 -2^0\n6: +2^3 -2^1\n");
}

TEST(EncodeCommand, NafAndBooth) {
    EXPECT_EQ(run({"encode", "--encoding", "naf", "7"}).out, "7: +2^3 -2^0\n");
    // 7 = 0b0111 -> Booth digits (from i=1 down): d1 = -2*0+1+1 = 2, d0 = -2*1+1+0 = -1 -> +2^3 -2^0
    EXPECT_EQ(run({"encode", "--encoding", "booth4", "7"}).out, "7: +2^3 -2^0\n");
}

TEST(EncodeCommand, RejectsValueOutsideBits) {
    const Result r = run({"encode", "--bits", "4", "16"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("does not fit in a 4-bit"), std::string::npos) << r.err;
}

TEST(EncodeCommand, RejectsUnknownEncodingNamingAllowedOnes) {
    const Result r = run({"encode", "--encoding", "csd", "3"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("binary, hese, naf, booth4"), std::string::npos) << r.err;
}

TEST(Commands, EverySubcommandHasHelp) {
    for (const char* cmd : {"encode", "validate", "run"}) {
        const Result r = run({cmd, "--help"});
        EXPECT_EQ(r.code, 0) << cmd;
        EXPECT_NE(r.out.find(std::string("usage: trsim ") + cmd), std::string::npos) << r.out;
    }
    EXPECT_EQ(run({"--help"}).code, 0);
    EXPECT_EQ(run({"frobnicate"}).code, 2);
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

TEST(EncodeCommand, BudgetKeepsTheGroupsLargestTermsWithTiesToTheEarlierValue) {
    std::ostringstream out, err;
    // Group {27, 6}: +2^5 -2^3 +2^2 -2^0 | +2^3 -2^1; the 3 largest are +2^5, -2^3 (value 0 wins
    // the tie at 2^3) and +2^3. Group {255}: +2^8 -2^0, budget 3 keeps both.
    EXPECT_EQ(trsimMain({"encode", "--group-size", "2", "--budget", "3", "27", "6", "255"}, out, err), 0) << err.str();
    EXPECT_EQ(out.str(), "27: +2^5 -2^3\n6: +2^3\n255: +2^8 -2^0\n");
}

TEST(EncodeCommand, RejectsBadGroupOptions) {
    std::ostringstream out, err;
    EXPECT_EQ(trsimMain({"encode", "--group-size", "0", "1"}, out, err), 2);
    EXPECT_NE(err.str().find("--group-size '0' must be an integer >= 1"), std::string::npos);
    EXPECT_EQ(trsimMain({"encode", "--budget", "-1", "1"}, out, err), 2);
}

}  // namespace
}  // namespace trsim
