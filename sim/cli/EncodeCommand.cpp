#include <iostream>
#include <stdexcept>

#include "modules/functional/TermReveal.hpp"
#include "sim/cli/Commands.hpp"
#include "sim/config/StrictYaml.hpp"

namespace trsim {
namespace {

const char* kEncodeHelp =
    "usage: trsim encode [--encoding binary|hese|naf|booth4] [--bits N]\n"
    "                    [--group-size G --budget K] VALUE... | -\n"
    "\n"
    "Prints the signed power-of-two terms of each integer VALUE, one line each:\n"
    "  VALUE: +2^e -2^e ...   (largest term first; '0:' with nothing after for zero)\n"
    "Values are sign-magnitude: the magnitude must fit in N bits (default 8).\n"
    "With --budget, Term Revealing keeps only the K largest terms of every group of\n"
    "G consecutive values (ties to the earlier value) and prints the kept terms.\n"
    "  --encoding E     binary, hese (default), naf or booth4\n"
    "  --bits N         magnitude bit width, 1..62 (default 8)\n"
    "  --group-size G   values per TR group (default 1)\n"
    "  --budget K       terms kept per group (default: all)\n"
    "  -                read the values from standard input (whitespace separated)\n";

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
    OperandCoding coding{8, Encoding::Hese, 1, std::nullopt};
    std::vector<long long> values;
    bool fromStdin = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            out << kEncodeHelp;
            return 0;
        }
        if (a == "-") {
            fromStdin = true;
            continue;
        }
        if (a == "--encoding" || a == "--bits" || a == "--group-size" || a == "--budget") {
            if (i + 1 >= args.size()) {
                err << "trsim encode: " << a << " needs a value\n" << kEncodeHelp;
                return 2;
            }
            const std::string& v = args[++i];
            long long n = 0;
            if (a == "--encoding") {
                auto e = parseEncoding(v);
                if (!e) {
                    err << "trsim encode: unknown encoding '" << v << "' (allowed: " << joinWords(encodingNames())
                        << ")\n";
                    return 2;
                }
                coding.encoding = *e;
            } else if (a == "--bits") {
                if (!parseInt(v, n) || n < 1 || n > 62) {
                    err << "trsim encode: --bits '" << v << "' must be an integer 1..62\n";
                    return 2;
                }
                coding.bits = static_cast<int>(n);
            } else if (a == "--group-size") {
                if (!parseInt(v, n) || n < 1 || n > 1 << 20) {
                    err << "trsim encode: --group-size '" << v << "' must be an integer >= 1\n";
                    return 2;
                }
                coding.groupSize = static_cast<int>(n);
            } else {
                if (!parseInt(v, n) || n < 0 || n > 1 << 20) {
                    err << "trsim encode: --budget '" << v << "' must be an integer >= 0\n";
                    return 2;
                }
                coding.budget = static_cast<int>(n);
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
    if (fromStdin) {
        std::string word;
        while (std::cin >> word) {
            long long v = 0;
            if (!parseInt(word, v)) {
                err << "trsim encode: '" << word << "' on standard input is not an integer\n";
                return 2;
            }
            values.push_back(v);
        }
    }
    if (values.empty()) {
        err << "trsim encode: no values given\n" << kEncodeHelp;
        return 2;
    }
    try {
        std::vector<Terms> group;
        for (std::size_t start = 0; start < values.size(); start += static_cast<std::size_t>(coding.groupSize)) {
            const std::size_t end = std::min(values.size(), start + static_cast<std::size_t>(coding.groupSize));
            group.clear();
            for (std::size_t i = start; i < end; ++i) group.push_back(encode(coding.encoding, values[i], coding.bits));
            const std::vector<Terms> kept = selectTopTerms(group, coding.budget);
            for (std::size_t i = start; i < end; ++i) {
                const std::string terms = formatTerms(kept[i - start]);
                out << values[i] << ":" << (terms.empty() ? "" : " ") << terms << "\n";
            }
        }
    } catch (const std::out_of_range& e) {
        err << "trsim encode: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

}  // namespace trsim
