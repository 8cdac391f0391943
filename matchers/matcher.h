// File: matchers/matcher.h
// The interface every matcher implements. A matcher reads records and emits
// links between identifiers; the resolver runs each matcher over chunks of
// records in parallel (TBB) and aggregates the links, so Match() must be
// const and thread-safe and must depend only on its input.
#ifndef IDSTITCH_MATCHERS_MATCHER_H_
#define IDSTITCH_MATCHERS_MATCHER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "resolver/identifier_types.h"
#include "resolver/types.h"

namespace idstitch {

// A link between two identifiers of one record, by their positions in
// Record::identifiers. The resolver turns it into a Link between nodes.
struct RecordLink {
  uint32_t record_index = 0;  // into the span given to Match()
  uint8_t from_slot = 0;
  uint8_t to_slot = 0;
};

class Matcher {
 public:
  virtual ~Matcher() = default;
  // Stable name, reported in links.csv and the run report.
  virtual std::string_view name() const = 0;
  virtual LinkKind kind() const = 0;
  // Score of each link this matcher emits (deterministic matchers: fixed).
  virtual float score() const = 0;
  // Appends links for `records` to `*out`. Thread-safe.
  virtual void Match(absl::Span<const Record> records,
                     std::vector<RecordLink>* out) const = 0;
};

// The deterministic matchers, in a fixed order (their index is the link's
// matcher id): authenticated_event, loyalty_card, social_login, same_record.
std::vector<std::unique_ptr<Matcher>> MakeDeterministicMatchers(
    const IdentifierTypeRegistry& types);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_MATCHER_H_
