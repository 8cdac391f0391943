#include "matchers/attribute_synthetic.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>

namespace idstitch {
namespace {

constexpr std::string_view kFirstNames[] = {
    "oliver", "amelia", "jack", "olivia", "harry", "isla", "jacob", "ava", "charlie", "emily",
    "thomas", "sophia", "george", "grace", "oscar", "lily", "james", "chloe", "william", "ella",
    "noah", "mia", "alfie", "isabella", "joshua", "lucy", "muhammad", "evie", "henry", "freya",
    "leo", "poppy", "archie", "jessica", "ethan", "daisy", "joseph", "alice", "freddie", "ruby"};
constexpr std::string_view kLastNames[] = {
    "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "robinson",
    "wright", "thompson", "evans", "walker", "white", "roberts", "green", "hall", "wood",
    "jackson", "clarke", "patel", "khan", "lewis", "james", "phillips", "mason", "mitchell",
    "rose", "davis", "rodriguez", "cox", "alexander", "morgan", "moore", "martin", "price",
    "bennett", "gray", "hughes", "kelly", "murphy", "cooper", "ward", "harris", "baker"};
constexpr std::string_view kStreets[] = {
    "high street", "station road", "church lane", "park avenue", "victoria road", "green lane",
    "manor road", "kings road", "queens road", "new street", "mill lane", "school lane"};
constexpr std::string_view kCities[] = {
    "london", "birmingham", "leeds", "glasgow", "sheffield", "bradford", "liverpool",
    "edinburgh", "manchester", "bristol", "cardiff", "leicester", "coventry", "hull"};
// Postcodes: at least this many, and one per this many people, so blocks on
// postcode stay the size of a street as the population grows.
constexpr size_t kMinPostcodes = 2000;
constexpr size_t kPeoplePerPostcode = 10;
constexpr double kTypoRate = 0.12;
constexpr double kMissingRate = 0.08;
constexpr double kSwapRate = 0.03;

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

template <size_t N>
std::string Pick(Rng& rng, const std::string_view (&values)[N]) {
  return std::string(values[rng.Below(N)]);
}

// One random edit: substitution, deletion, insertion or adjacent swap.
void Typo(Rng& rng, std::string* value) {
  if (value->size() < 2) return;
  const size_t at = rng.Below(value->size() - 1);
  const char letter = static_cast<char>('a' + rng.Below(26));
  switch (rng.Below(4)) {
    case 0: (*value)[at] = letter; break;
    case 1: value->erase(at, 1); break;
    case 2: value->insert(value->begin() + at, letter); break;
    default: std::swap((*value)[at], (*value)[at + 1]); break;
  }
}

void Corrupt(Rng& rng, std::string* value) {
  if (rng.Chance(kMissingRate)) {
    value->clear();
  } else if (rng.Chance(kTypoRate)) {
    Typo(rng, value);
  }
}

}  // namespace

SyntheticProfiles MakeSyntheticProfiles(size_t num_people, uint64_t seed) {
  Rng rng(seed);
  const size_t num_postcodes = std::max(kMinPostcodes, num_people / kPeoplePerPostcode);
  SyntheticProfiles out;
  for (size_t person = 0; person < num_people; ++person) {
    AttributeProfile truth;
    truth.first_name = Pick(rng, kFirstNames);
    truth.last_name = Pick(rng, kLastNames);
    char dob[11];
    std::snprintf(dob, sizeof(dob), "%04d-%02d-%02d", 1940 + static_cast<int>(rng.Below(65)),
                  1 + static_cast<int>(rng.Below(12)), 1 + static_cast<int>(rng.Below(28)));
    truth.dob = dob;
    truth.postcode = std::to_string(2000 + rng.Below(num_postcodes));
    truth.address = std::to_string(1 + rng.Below(200)) + " " + Pick(rng, kStreets);
    truth.city = Pick(rng, kCities);
    truth.email = truth.first_name + "." + truth.last_name + std::to_string(rng.Below(100)) +
                  "@example.com";
    const size_t copies = 1 + rng.Below(3);
    for (size_t copy = 0; copy < copies; ++copy) {
      AttributeProfile p = truth;
      p.id = static_cast<uint32_t>(out.profiles.size());
      if (copy > 0) {
        for (std::string* field : {&p.first_name, &p.last_name, &p.dob, &p.postcode, &p.address,
                                   &p.city, &p.email}) {
          Corrupt(rng, field);
        }
        if (rng.Chance(kSwapRate)) std::swap(p.first_name, p.last_name);
      }
      out.profiles.push_back(std::move(p));
      out.person.push_back(static_cast<uint32_t>(person));
    }
  }
  return out;
}

}  // namespace idstitch
