// File: matchers/pivot_matcher.h
// Base of the deterministic matchers: each picks one identifier of a record as
// its pivot (an account, a loyalty card, a social handle) and links the pivot
// to every other identifier of that record. A star rather than a clique: the
// same connectivity with k-1 links instead of k(k-1)/2, and each link names
// the evidence (the pivot) that justified it.
// Thread safety: subclasses are immutable; Match() is thread-safe.
#ifndef IDSTITCH_MATCHERS_PIVOT_MATCHER_H_
#define IDSTITCH_MATCHERS_PIVOT_MATCHER_H_

#include <optional>

#include "matchers/matcher.h"

namespace idstitch {

class PivotMatcher : public Matcher {
 public:
  LinkKind kind() const override { return LinkKind::kDeterministic; }
  void Match(absl::Span<const Record> records,
             std::vector<RecordLink>* out) const override;

 protected:
  // The slot of the record's pivot identifier, or nullopt if this matcher does
  // not apply to the record.
  virtual std::optional<uint8_t> Pivot(const Record& record) const = 0;
};

// The first slot holding an identifier of `type`, if any.
std::optional<uint8_t> FindSlot(const Record& record, std::optional<TypeId> type);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_PIVOT_MATCHER_H_
