// File: resolver/json_escape.h
// Appends a string as a JSON string literal (quotes included). Used by the
// streaming writers (identities.jsonl, changes.jsonl, rejects.jsonl), where
// building a JSON DOM per line would cost more than the rest of the output.
// Input must be valid UTF-8 (every input line is validated when read).
#ifndef IDSTITCH_RESOLVER_JSON_ESCAPE_H_
#define IDSTITCH_RESOLVER_JSON_ESCAPE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace idstitch {

// True if `text` holds a byte JSON must escape: a control character, '"' or
// '\\'. The writers ask this of every identifier and name they print and the
// answer is almost always no, so it is answered eight bytes at a time (SWAR:
// the build has no SIMD flags, and GCC does not vectorize the byte loop's
// unsigned compare; this halved the escaper's instructions).
inline bool NeedsJsonEscape(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  // High bits set iff some byte of the word is below n (n <= 128; n = 1 after
  // an XOR finds an equal byte): borrows only run upward from such a byte,
  // so "some" is exact.
  auto any_below = [&](uint64_t word, uint64_t n) { return (word - kOnes * n) & ~word & kHighs; };
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (any_below(word, 0x20) | any_below(word ^ (kOnes * '"'), 1) |
        any_below(word ^ (kOnes * '\\'), 1)) {
      return true;
    }
  }
  for (; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

inline void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // The common case: a single append.
  if (!NeedsJsonEscape(text)) {
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
