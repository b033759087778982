/* A small C ABI over trsim's functional model (modules/functional), so that the Python accuracy scorer
 * (traces/trsim_trace/functional.py, loaded with ctypes) applies the very code the simulator applies to its
 * operands, instead of a second implementation kept equal to it:
 *   - QT (conventional quantization, contract 1: modules/functional/Requantize.hpp): a tensor's shift and
 *     the re-quantized values;
 *   - TR (modules/functional/TermReveal.hpp revealValues): a matrix revealed row by row, groups of
 *     group_size consecutive values along each row keeping `budget` terms (the last group of a row may be
 *     shorter), and the per-value truncation table of group size 1.
 * Every function returns 0 on success and -1 on an invalid argument or a value that does not fit, leaving
 * a one-line message for trsim_fc_error(). No function keeps a pointer it was given.
 * Threads: any number may call at once (the term tables are built once, thread-safely; the message is
 * per thread). */
#ifndef TRSIM_FUNCTIONAL_C_H
#define TRSIM_FUNCTIONAL_C_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a signature or a rule changes; the Python side refuses another version. */
#define TRSIM_FC_ABI_VERSION 1
int trsim_fc_abi_version(void);

/* The message of this thread's last failed call ("" if none). */
const char* trsim_fc_error(void);

/* QT shift of a whole tensor of n values at `bits` (2..16) magnitude bits: max(0, bitlength(max|v|) - bits). */
int trsim_fc_qt_shift(const int64_t* values, int64_t n, int bits, int* shift_out);

/* out[i] = the QT value of values[i] at `bits` magnitude bits and shift `shift` (0..62); out may equal values. */
int trsim_fc_qt_apply(const int64_t* values, int64_t n, int bits, int shift, int64_t* out);

/* TR of a [rows, k] row-major matrix: every row cut into groups of group_size values, each keeping its
 * `budget` largest terms (budget < 0: every term) in `encoding` ("binary", "hese", "naf", "booth4") of
 * `bits`-bit magnitudes (1..16). out ([rows, k]) may equal values. */
int trsim_fc_reveal_rows(const int64_t* values, int64_t rows, int64_t k, const char* encoding, int bits,
                         int group_size, int budget, int64_t* out);

/* out[m] for m in 0..2^bits - 1: magnitude m after keeping its `budget` (>= 0) largest terms (TR of group
 * size 1; a negative value keeps the same terms with its sign). */
int trsim_fc_truncation_table(const char* encoding, int bits, int budget, int64_t* out);

#ifdef __cplusplus
}
#endif
#endif
