#include <ostream>
#include <stdexcept>

#include "modules/functional/Encoding.hpp"
#include "sim/Commands.hpp"
#include "sim/StrictYaml.hpp"

namespace trsim {
namespace {

const char* kEncodeHelp =
    "usage: trsim encode [--encoding binary|hese|naf|booth4] [--bits N] VALUE...\n"
    "\n"
    "Prints the signed power-of-two terms of each integer VALUE, one line each:\n"
    "  VALUE: +2^e -2^e ...   (largest term first; '0:' with nothing after for zero)\n"
    "Values are sign-magnitude: the magnitude must fit in N bits (default 8).\n"
    "  --encoding E   binary, hese (default), naf or booth4\n"
    "  --bits N       magnitude bit width, 1..62 (default 8)\n";

bool parseInt(const std::string& s, long long& v) {
    try {
        std::size_t used = 0;
        v = std::stoll(s, &used, 0);
        return used == s.size();
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

int encodeCommand(const Args& args, std::ostream& out, std::ostream& err) {
    Encoding enc = Encoding::Hese;
    long long bits = 8;
    std::vector<long long> values;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out << kEncodeHelp;
            return 0;
        }
        if (a == "--encoding" || a == "--bits") {
            if (i + 1 >= args.size()) {
                err << "trsim encode: " << a << " needs a value\n" << kEncodeHelp;
                return 2;
            }
            const std::string& v = args[++i];
            if (a == "--encoding") {
                auto e = parseEncoding(v);
                if (!e) {
                    err << "trsim encode: unknown encoding '" << v << "' (allowed: " << joinWords(encodingNames())
                        << ")\n";
                    return 2;
                }
                enc = *e;
            } else if (!parseInt(v, bits) || bits < 1 || bits > 62) {
                err << "trsim encode: --bits '" << v << "' must be an integer 1..62\n";
                return 2;
            }
            continue;
        }
        long long v = 0;
        if (!parseInt(a, v)) {
            err << "trsim encode: '" << a << "' is not an integer (see trsim encode --help)\n";
            return 2;
        }
        values.push_back(v);
    }
    if (values.empty()) {
        err << "trsim encode: no values given\n" << kEncodeHelp;
        return 2;
    }
    for (long long v : values) {
        try {
            const std::string terms = formatTerms(encode(enc, v, static_cast<int>(bits)));
            out << v << ":" << (terms.empty() ? "" : " ") << terms << "\n";
        } catch (const std::out_of_range& e) {
            err << "trsim encode: " << e.what() << "\n";
            return 2;
        }
    }
    return 0;
}

}  // namespace trsim
