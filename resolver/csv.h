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

// The offset of the '\n' that ends the row starting at text[begin], or npos
// if the row does not end within `text` (no newline yet, or a quoted field
// still open). A quote opens a quoted field only at the start of a field; a
// stray quote inside an unquoted field is an ordinary character here (and a
// malformed_csv error for SplitCsvRow), so it never swallows later rows.
size_t FindCsvRowEnd(std::string_view text, size_t begin);

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
