#include "matchers/string_similarity.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace idstitch {
namespace {

constexpr double kWinklerPrefixScale = 0.1;
constexpr size_t kWinklerMaxPrefix = 4;
// Names, postcodes and dates are short: the match flags of Jaro fit on the
// stack for them, longer strings (addresses, emails) fall back to the heap.
constexpr size_t kStackFlags = 64;
// Edit-distance matrices up to this many cells (strings of ~30 bytes) too.
constexpr size_t kStackMatrix = 1024;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

double JaroSimilarity(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a.size() > b.size()) std::swap(a, b);
  const size_t window = std::max<size_t>(b.size() / 2, 1) - 1;
  std::array<uint8_t, 2 * kStackFlags> stack_flags{};
  std::vector<uint8_t> heap_flags;
  uint8_t* a_flags = stack_flags.data();
  if (a.size() + b.size() > stack_flags.size()) {
    heap_flags.assign(a.size() + b.size(), 0);
    a_flags = heap_flags.data();
  }
  uint8_t* b_flags = a_flags + a.size();

  size_t matches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const size_t lo = i > window ? i - window : 0;
    const size_t hi = std::min(i + window + 1, b.size());
    for (size_t j = lo; j < hi; ++j) {
      if (b_flags[j] || a[i] != b[j]) continue;
      a_flags[i] = b_flags[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  size_t half_transpositions = 0;
  for (size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_flags[i]) continue;
    while (!b_flags[j]) ++j;
    if (a[i] != b[j]) ++half_transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double t = static_cast<double>(half_transpositions / 2);
  return (m / a.size() + m / b.size() + (m - t) / m) / 3.0;
}

double JaroWinklerSimilarity(std::string_view a, std::string_view b) {
  const double jaro = JaroSimilarity(a, b);
  size_t prefix = 0;
  const size_t max_prefix = std::min({a.size(), b.size(), kWinklerMaxPrefix});
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * kWinklerPrefixScale * (1.0 - jaro);
}

double JaroWinklerUpperBound(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  // Jaro's matches are at most the multiset intersection; bucketing bytes
  // by their low 5 bits only merges characters, which keeps the bound valid.
  std::array<int, 32> counts{};
  for (char c : a) ++counts[static_cast<uint8_t>(c) & 31];
  size_t common = 0;
  for (char c : b) {
    int& count = counts[static_cast<uint8_t>(c) & 31];
    if (count > 0) {
      --count;
      ++common;
    }
  }
  if (common == 0) return 0.0;
  const double m = static_cast<double>(common);
  const double jaro = (m / a.size() + m / b.size() + 1.0) / 3.0;
  size_t prefix = 0;
  const size_t max_prefix = std::min({a.size(), b.size(), kWinklerMaxPrefix});
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * kWinklerPrefixScale * (1.0 - jaro);
}

int DamerauLevenshteinDistance(std::string_view a, std::string_view b) {
  // Lowrance-Wagner with a last-row-of-each-byte table; (n+2) x (m+2) matrix
  // whose first row/column hold the "infinity" sentinel.
  const size_t n = a.size(), m = b.size();
  const int inf = static_cast<int>(n + m);
  const size_t cols = m + 2;
  std::array<int, kStackMatrix> stack_matrix;
  std::vector<int> heap_matrix;
  int* d = stack_matrix.data();
  if ((n + 2) * cols > stack_matrix.size()) {
    heap_matrix.resize((n + 2) * cols);
    d = heap_matrix.data();
  }
  auto at = [&](size_t i, size_t j) -> int& { return d[i * cols + j]; };
  std::array<size_t, 256> last_row{};
  at(0, 0) = inf;
  for (size_t i = 0; i <= n; ++i) {
    at(i + 1, 0) = inf;
    at(i + 1, 1) = static_cast<int>(i);
  }
  for (size_t j = 0; j <= m; ++j) {
    at(0, j + 1) = inf;
    at(1, j + 1) = static_cast<int>(j);
  }
  for (size_t i = 1; i <= n; ++i) {
    size_t last_match_col = 0;
    for (size_t j = 1; j <= m; ++j) {
      const size_t k = last_row[static_cast<uint8_t>(b[j - 1])];
      const size_t l = last_match_col;
      int cost = 1;
      if (a[i - 1] == b[j - 1]) {
        cost = 0;
        last_match_col = j;
      }
      at(i + 1, j + 1) = std::min({at(i, j) + cost, at(i + 1, j) + 1, at(i, j + 1) + 1,
                                   at(k, l) + static_cast<int>(i - k - 1) + 1 +
                                       static_cast<int>(j - l - 1)});
    }
    last_row[static_cast<uint8_t>(a[i - 1])] = i;
  }
  return at(n + 1, m + 1);
}

int BoundedDamerauLevenshtein(std::string_view a, std::string_view b, int limit) {
  const int length_gap = static_cast<int>(a.size() > b.size() ? a.size() - b.size()
                                                              : b.size() - a.size());
  if (length_gap > limit) return limit + 1;
  // Strip the common prefix and suffix: they never change the distance.
  while (!a.empty() && !b.empty() && a.front() == b.front()) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (!a.empty() && !b.empty() && a.back() == b.back()) {
    a.remove_suffix(1);
    b.remove_suffix(1);
  }
  if (a.empty() || b.empty()) return std::min<int>(limit + 1, static_cast<int>(a.size() + b.size()));
  if (limit <= 1) {
    // After stripping, one edit is left only as one substitution, insertion,
    // deletion or adjacent transposition spanning what remains.
    const size_t n = a.size(), m = b.size();
    if (n == m && n == 1) return 1;
    if (n == m && n == 2 && a[0] == b[1] && a[1] == b[0]) return 1;
    if (n + m == 1) return 1;
    return limit + 1;
  }
  return std::min(limit + 1, DamerauLevenshteinDistance(a, b));
}

std::string Soundex(std::string_view text) {
  // Codes for a..z; '0' marks vowels and y (they separate equal codes), '-'
  // marks h and w (they do not).
  static constexpr char kCodes[] = "01230120022455012623010202";
  std::string code;
  char previous = 0;
  for (char raw : text) {
    const char c = AsciiLower(raw);
    if (c < 'a' || c > 'z') continue;
    const char digit = kCodes[c - 'a'];
    const char mapped = (c == 'h' || c == 'w') ? '-' : digit;
    if (code.empty()) {
      code.push_back(static_cast<char>(c - 'a' + 'A'));
      previous = mapped;
      continue;
    }
    if (mapped == '-') continue;
    if (mapped != '0' && mapped != previous) code.push_back(mapped);
    previous = mapped;
    if (code.size() == 4) break;
  }
  if (code.empty()) return code;
  code.resize(4, '0');
  return code;
}

}  // namespace idstitch
