#include "matchers/pivot_matcher.h"

namespace idstitch {

std::optional<uint8_t> FindSlot(const Record& record, std::optional<TypeId> type) {
  if (!type.has_value()) return std::nullopt;
  for (size_t slot = 0; slot < record.identifiers.size(); ++slot) {
    if (record.identifiers[slot].type == *type) return static_cast<uint8_t>(slot);
  }
  return std::nullopt;
}

void PivotMatcher::Match(absl::Span<const Record> records,
                         std::vector<RecordLink>* out) const {
  for (size_t record_index = 0; record_index < records.size(); ++record_index) {
    const Record& record = records[record_index];
    if (record.identifiers.size() < 2) continue;
    std::optional<uint8_t> pivot = Pivot(record);
    if (!pivot.has_value()) continue;
    for (size_t slot = 0; slot < record.identifiers.size(); ++slot) {
      if (slot == *pivot) continue;
      out->push_back({static_cast<uint32_t>(record_index), *pivot,
                      static_cast<uint8_t>(slot)});
    }
  }
}

}  // namespace idstitch
