// File: matchers/attribute_synthetic.h
// Seeded synthetic profiles for the attribute matcher's tests and benchmark:
// people with one to three records each, whose copies carry typos, swapped
// names, day/month swaps and missing values. Not a realistic population (the
// public data sets are for accuracy), but enough to exercise every level.
#ifndef IDSTITCH_MATCHERS_ATTRIBUTE_SYNTHETIC_H_
#define IDSTITCH_MATCHERS_ATTRIBUTE_SYNTHETIC_H_

#include <cstdint>
#include <vector>

#include "matchers/attribute_comparison.h"

namespace idstitch {

struct SyntheticProfiles {
  std::vector<AttributeProfile> profiles;  // ids 0..n-1
  std::vector<uint32_t> person;            // the true person of each profile
};

// About `num_people` * 2 profiles, the same for the same arguments.
SyntheticProfiles MakeSyntheticProfiles(size_t num_people, uint64_t seed);

}  // namespace idstitch

#endif  // IDSTITCH_MATCHERS_ATTRIBUTE_SYNTHETIC_H_
