#include "resolver/csv.h"

#include "absl/strings/str_cat.h"

namespace idstitch {

bool CsvRowIsComplete(std::string_view text) {
  // Every quote toggles the state, doubled quotes included: "" toggles twice.
  bool in_quotes = false;
  for (char c : text) {
    if (c == '"') in_quotes = !in_quotes;
  }
  return !in_quotes;
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
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
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
