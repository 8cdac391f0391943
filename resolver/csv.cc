#include "resolver/csv.h"

#include "absl/strings/str_cat.h"

namespace idstitch {

namespace {

// Scans the row starting at text[begin]: returns the offset of its ending
// '\n' or npos; *open_quote says whether the scan ended inside quotes.
size_t ScanCsvRow(std::string_view text, size_t begin, bool* open_quote) {
  bool at_field_start = true;
  bool in_quotes = false;
  for (size_t i = begin; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      // A doubled quote is an escaped quote; a single one closes the field.
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          ++i;
        } else {
          in_quotes = false;
        }
      }
      continue;
    }
    if (c == '\n') {
      *open_quote = false;
      return i;
    }
    if (c == '"' && at_field_start) {
      in_quotes = true;
      at_field_start = false;
      continue;
    }
    at_field_start = c == ',';
  }
  *open_quote = in_quotes;
  return std::string_view::npos;
}

}  // namespace

size_t FindCsvRowEnd(std::string_view text, size_t begin) {
  bool open_quote;
  return ScanCsvRow(text, begin, &open_quote);
}

bool CsvRowIsComplete(std::string_view text) {
  // Complete if every row ends, or the last row lacks only its newline (it
  // did not stop inside a quoted field).
  size_t begin = 0;
  bool open_quote = false;
  while (begin < text.size()) {
    size_t end = ScanCsvRow(text, begin, &open_quote);
    if (end == std::string_view::npos) return !open_quote;
    begin = end + 1;
  }
  return true;
}

absl::Status SplitCsvRow(std::string_view row, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  size_t i = 0;
  const size_t n = row.size();
  while (true) {
    field.clear();
    const size_t column = fields->size() + 1;
    if (i < n && row[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (row[i] == '"') {
          if (i + 1 < n && row[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field.push_back(row[i++]);
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            absl::StrCat("column ", column, ": unterminated quoted field"));
      }
      if (i < n && row[i] != ',') {
        return absl::InvalidArgumentError(
            absl::StrCat("column ", column, ": text after closing quote"));
      }
    } else {
      while (i < n && row[i] != ',') {
        if (row[i] == '"') {
          return absl::InvalidArgumentError(
              absl::StrCat("column ", column, ": quote inside unquoted field"));
        }
        field.push_back(row[i++]);
      }
    }
    fields->push_back(field);
    if (i >= n) break;
    ++i;  // the comma
  }
  return absl::OkStatus();
}

void AppendCsvField(std::string_view field, std::string* out) {
  // A byte loop, not find_first_of: libstdc++ runs memchr over the four
  // special characters once per byte of the field.
  bool needs_quotes = false;
  for (char c : field) {
    needs_quotes |= (c == ',') | (c == '"') | (c == '\r') | (c == '\n');
  }
  if (!needs_quotes) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace idstitch
