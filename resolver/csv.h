// File: resolver/csv.h
// RFC 4180 CSV rows: splitting a row into fields (quoted fields may hold commas,
// doubled quotes and newlines) and quoting fields on output. The input reader,
// `eval` and the --previous loader all read CSV through these two functions.
#ifndef IDSTITCH_RESOLVER_CSV_H_
#define IDSTITCH_RESOLVER_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace idstitch {

// True if `text` ends outside a quoted field, i.e. it holds whole rows. A
// reader joins physical lines until this holds (a quoted field spanning lines).
bool CsvRowIsComplete(std::string_view text);

// Splits one row (without its line terminator) into `*fields`. Fields are
// unquoted; surrounding spaces of unquoted fields are kept (callers trim).
// InvalidArgument naming the column for a stray quote inside an unquoted
// field, text after a closing quote, or an unterminated quote.
absl::Status SplitCsvRow(std::string_view row, std::vector<std::string>* fields);

// Appends `field` to `*out`, quoted if it holds a comma, quote, CR or LF.
void AppendCsvField(std::string_view field, std::string* out);

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_CSV_H_
