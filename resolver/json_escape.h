// File: resolver/json_escape.h
// Appends a string as a JSON string literal (quotes included). Used by the
// streaming writers (identities.jsonl, changes.jsonl, rejects.jsonl), where
// building a JSON DOM per line would cost more than the rest of the output.
// Input must be valid UTF-8 (every input line is validated when read).
#ifndef IDSTITCH_RESOLVER_JSON_ESCAPE_H_
#define IDSTITCH_RESOLVER_JSON_ESCAPE_H_

#include <string>
#include <string_view>

namespace idstitch {

inline void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Identifiers almost never need escaping: one branch-free (vectorizable)
  // pass decides, and the common case is a single append.
  bool plain = true;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    plain &= (c >= 0x20) & (c != '"') & (c != '\\');
  }
  if (plain) {
    out->push_back('"');
    out->append(text);
    out->push_back('"');
    return;
  }
  out->push_back('"');
  // Copy runs of characters that need no escape in one append: identifiers
  // rarely hold any that do.
  size_t run_begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run_begin, i - run_begin);
    run_begin = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[(c >> 4) & 0xf]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(text.data() + run_begin, text.size() - run_begin);
  out->push_back('"');
}

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_JSON_ESCAPE_H_
