// Open-loop load generator for `idstitch serve` (POST /v1/events, GET /v1/resolve).
//
// What it measures: per request kind (lookup, write), the latency a client
// sees at a fixed offered rate. Request k is scheduled at start + k/rate
// whatever happened before it, and its latency runs from that scheduled time
// to the end of the response, so a stall delays every request behind it and
// is counted in full (no coordinated omission, as in wrk2). Each of
// --connections threads owns one keep-alive httplib::Client and takes the
// next unclaimed schedule slot when idle, i.e. a connection pool: one slow
// write does not hold up the lookups that other connections can send. "svc"
// columns time from the actual send, to tell client/queueing delay apart.
// A lookup answered 404 is a miss, not an error; errors are other non-2xx
// answers and failed connections.
//
// Synthetic population: --population people, each with an email, an E.164
// phone, 1-3 device ids and sometimes an account id, derived from the person
// index only, so separate runs (prefill, then each sweep step) agree. Lookups
// pick a prefilled person (--known, default --prefill) and one of their
// identifiers; events pick any person and carry a device id (rarely a new
// one), plus sometimes the email or account id; record ids are unique per run.
//
//   idstitch_load --port P [--rate 1000] [--seconds 10] [--connections 8]
//                 [--write-fraction 0.3] [--seed 1] [--prefill N] [--known N]
//                 [--population 100000] [--host 127.0.0.1] [--row]
// Overload: slots still unsent 2 s after the window are dropped and
// reported as "unsent" (their latency is unbounded), so a run ends in time.
// --prefill N first POSTs sign-ins of people 0..N-1 in batches of ~500 records
// (not timed; record ids are fixed, so a second prefill only adds duplicates).
// --seconds 0 only prefills. --row prints one space-separated line for
// scripts instead of the table: target achieved lookup_p50 lookup_p99
// lookup_p999 write_p50 write_p99 write_p999 errors misses unsent (latencies in us).
#include <httplib.h>
#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  double rate = 1000;
  double seconds = 10;
  int connections = 8;
  double write_fraction = 0.3;
  uint64_t seed = 1;
  uint64_t prefill = 0;
  uint64_t known = 0;  // 0: --prefill, or --population without a prefill
  uint64_t population = 100000;
  bool row = false;
};

uint64_t Mix(uint64_t x) {  // splitmix64: cheap, well-spread, reproducible
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Rng {
  uint64_t state;
  uint64_t Next() { return state = Mix(state); }
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
};

struct Person {
  std::string email, phone, account;  // account may be empty
  std::vector<std::string> devices;
};

Person MakePerson(uint64_t i) {
  static const char* const kDomains[] = {"example.com", "mail.test", "corp.test", "shop.test"};
  const uint64_t h = Mix(i);
  Person p;
  p.email = "user" + std::to_string(i) + "." + std::to_string(h % 997) + "@" + kDomains[(h >> 10) % 4];
  p.phone = "+1415" + std::to_string(2000000 + i % 8000000);  // NANP: exchange must not start 0/1
  if ((h >> 20) % 10 < 4) p.account = "acct-" + std::to_string(i);
  const int devices = 1 + static_cast<int>((h >> 30) % 3);
  for (int d = 0; d < devices; ++d) {
    char buf[32];
    snprintf(buf, sizeof buf, "d%016" PRIx64, Mix(i * 4 + static_cast<uint64_t>(d) + 0x5eed));
    p.devices.push_back(buf);
  }
  return p;
}

void AppendField(std::string& out, const char* name, const std::string& value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  out += value;  // generated values need no JSON escaping
  out += '"';
}

// One record per person with every identifier, plus one per extra device
// (a record holds one device id) so all devices join the same identity.
void AppendSignIns(uint64_t i, std::string& out) {
  const Person p = MakePerson(i);
  for (size_t d = 0; d < p.devices.size(); ++d) {
    if (out.size() > 1) out += ',';
    out += "{\"record_id\":\"pre-" + std::to_string(i) + "-" + std::to_string(d) +
           "\",\"event\":\"sign_in\",\"ts\":1767225600";
    AppendField(out, "device_id", p.devices[d]);
    AppendField(out, "email", p.email);
    if (d == 0) AppendField(out, "phone", p.phone);
    if (d == 0 && !p.account.empty()) AppendField(out, "account_id", p.account);
    out += '}';
  }
}

std::string UrlValue(const std::string& v) {  // only '+' (phones) needs it here
  std::string out;
  for (char c : v) out += c == '+' ? std::string("%2B") : std::string(1, c);
  return out;
}

std::unique_ptr<httplib::Client> Connect(const Options& o) {
  auto cli = std::make_unique<httplib::Client>(o.host, o.port);
  cli->set_keep_alive(true);
  cli->set_tcp_nodelay(true);  // small request bodies must not wait for Nagle
  cli->set_connection_timeout(2, 0);
  cli->set_read_timeout(10, 0);
  return cli;
}

bool Prefill(const Options& o) {
  constexpr uint64_t kPeoplePerBatch = 250;  // ~2 devices each: ~500 records a POST
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&] {
      auto cli = Connect(o);
      for (uint64_t first; !failed && (first = next.fetch_add(kPeoplePerBatch)) < o.prefill;) {
        std::string body = "[";
        for (uint64_t i = first; i < std::min(first + kPeoplePerBatch, o.prefill); ++i) AppendSignIns(i, body);
        body += ']';
        auto res = cli->Post("/v1/events", body, "application/json");
        if (!res || res->status != 200) {
          fprintf(stderr, "prefill: %s\n", res ? (std::to_string(res->status) + " " + res->body).c_str()
                                               : httplib::to_string(res.error()).c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return !failed;
}

enum Kind { kLookup, kWrite, kKinds };
const char* const kKindNames[kKinds] = {"lookup", "write"};

struct Samples {
  std::vector<int64_t> total_ns[kKinds];    // from the scheduled time
  std::vector<int64_t> service_ns[kKinds];  // from the actual send
  uint64_t errors[kKinds] = {};
  uint64_t misses = 0;  // lookups answered 404
  Clock::time_point last_done{};
};

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]) / 1e3;
}

[[noreturn]] void Usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s --port P [--rate R] [--seconds S] [--connections C] [--write-fraction F]\n"
          "          [--seed N] [--prefill N] [--known N] [--population N] [--host H] [--row]\n",
          argv0);
  exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--row") {
      o.row = true;
      continue;
    }
    if (i + 1 >= argc) Usage(argv[0]);
    const char* v = argv[++i];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = atoi(v);
    else if (a == "--rate") o.rate = atof(v);
    else if (a == "--seconds") o.seconds = atof(v);
    else if (a == "--connections") o.connections = atoi(v);
    else if (a == "--write-fraction") o.write_fraction = atof(v);
    else if (a == "--seed") o.seed = strtoull(v, nullptr, 10);
    else if (a == "--prefill") o.prefill = strtoull(v, nullptr, 10);
    else if (a == "--known") o.known = strtoull(v, nullptr, 10);
    else if (a == "--population") o.population = strtoull(v, nullptr, 10);
    else Usage(argv[0]);
  }
  if (o.port <= 0 || o.rate <= 0 || o.seconds < 0 || o.connections <= 0 || o.population == 0 ||
      o.write_fraction < 0 || o.write_fraction > 1) {
    Usage(argv[0]);
  }
  if (o.known == 0) o.known = o.prefill > 0 ? o.prefill : o.population;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  // The default 50 us timer slack would make every sleep_until late by that
  // much, and lateness counts as latency here.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  if (o.prefill > 0) {
    const auto t0 = Clock::now();
    if (!Prefill(o)) return 1;
    fprintf(stderr, "prefill: %" PRIu64 " people in %.1f s\n", o.prefill,
            std::chrono::duration<double>(Clock::now() - t0).count());
  }
  if (o.seconds == 0) return 0;

  const uint64_t slots = static_cast<uint64_t>(o.rate * o.seconds);
  // Unique per run, so a sweep's steps never replay each other's records.
  const std::string run = std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() % 100000000000LL);
  std::atomic<uint64_t> next_slot{0};
  std::atomic<int> ready{0};
  std::vector<Samples> samples(o.connections);
  Clock::time_point start{};
  Clock::time_point deadline{};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Samples& s = samples[t];
      for (auto& v : s.total_ns) v.reserve(slots / o.connections * 2 + 16);
      for (auto& v : s.service_ns) v.reserve(slots / o.connections * 2 + 16);
      auto cli = Connect(o);
      cli->Get("/healthz");  // connect before the clock starts
      ++ready;
      while (!go) std::this_thread::yield();
      for (uint64_t k; (k = next_slot.fetch_add(1)) < slots;) {
        const auto scheduled = start + std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / o.rate));
        if (Clock::now() > deadline) break;
        std::this_thread::sleep_until(scheduled);
        Rng rng{o.seed * 0x100000001b3ULL ^ k};  // per slot: the mix does not depend on threads
        const Kind kind = rng.Unit() < o.write_fraction ? kWrite : kLookup;
        std::string path, body;
        if (kind == kLookup) {
          const Person p = MakePerson(rng.Below(o.known));
          const uint64_t r = rng.Below(100);
          if (r < 35) path = "/v1/resolve?type=email&value=" + p.email;
          else if (r < 70) path = "/v1/resolve?type=device_id&value=" + p.devices[rng.Below(p.devices.size())];
          else if (r < 85 || p.account.empty()) path = "/v1/resolve?type=phone&value=" + UrlValue(p.phone);
          else path = "/v1/resolve?type=account_id&value=" + p.account;
        } else {
          static const char* const kEvents[] = {"page_view", "page_view", "page_view", "purchase",
                                                "sign_in",   "app_open",  "add_to_cart"};
          const Person p = MakePerson(rng.Below(o.population));
          const bool new_device = rng.Below(100) < 5;
          body = "{\"record_id\":\"load-" + run + "-" + std::to_string(k) + "\",\"event\":\"" +
                 kEvents[rng.Below(7)] + "\",\"ts\":" +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count());
          AppendField(body, "device_id",
                      new_device ? "n" + run + "-" + std::to_string(k) : p.devices[rng.Below(p.devices.size())]);
          if (new_device || rng.Below(100) < 30) AppendField(body, "email", p.email);
          if (!p.account.empty() && rng.Below(100) < 15) AppendField(body, "account_id", p.account);
          body += '}';
        }
        const auto sent = Clock::now();
        auto res = kind == kLookup ? cli->Get(path) : cli->Post("/v1/events", body, "application/json");
        const auto done = Clock::now();
        s.total_ns[kind].push_back((done - scheduled).count());
        s.service_ns[kind].push_back((done - sent).count());
        s.last_done = std::max(s.last_done, done);
        if (!res) {
          ++s.errors[kind];
        } else if (kind == kLookup && res->status == 404) {
          ++s.misses;
        } else if (res->status != 200) {
          if (s.errors[kind]++ == 0) {
            fprintf(stderr, "%s: HTTP %d %s\n", kKindNames[kind], res->status, res->body.c_str());
          }
        }
      }
    });
  }
  while (ready < o.connections) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now() + std::chrono::milliseconds(20);
  deadline = start + std::chrono::nanoseconds(static_cast<int64_t>((o.seconds + 2) * 1e9));
  go = true;
  for (auto& t : threads) t.join();

  Samples all;
  for (Samples& s : samples) {
    for (int k = 0; k < kKinds; ++k) {
      all.total_ns[k].insert(all.total_ns[k].end(), s.total_ns[k].begin(), s.total_ns[k].end());
      all.service_ns[k].insert(all.service_ns[k].end(), s.service_ns[k].begin(), s.service_ns[k].end());
      all.errors[k] += s.errors[k];
    }
    all.misses += s.misses;
    all.last_done = std::max(all.last_done, s.last_done);
  }
  // Achieved rate over the scheduled window or until the last answer, if later.
  const double elapsed = std::max(o.seconds, std::chrono::duration<double>(all.last_done - start).count());
  for (int k = 0; k < kKinds; ++k) {
    std::sort(all.total_ns[k].begin(), all.total_ns[k].end());
    std::sort(all.service_ns[k].begin(), all.service_ns[k].end());
  }
  const auto& L = all.total_ns[kLookup];
  const auto& W = all.total_ns[kWrite];
  const uint64_t unsent = slots - L.size() - W.size();
  if (o.row) {
    printf("%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", o.rate,
           static_cast<double>(L.size() + W.size()) / elapsed, Percentile(L, 0.5), Percentile(L, 0.99),
           Percentile(L, 0.999), Percentile(W, 0.5), Percentile(W, 0.99), Percentile(W, 0.999),
           all.errors[kLookup] + all.errors[kWrite], all.misses, unsent);
    return 0;
  }
  printf("target %.0f req/s for %.0f s over %d connections, write fraction %.2f; %" PRIu64
         " scheduled requests unsent (overload)\n\n",
         o.rate, o.seconds, o.connections, o.write_fraction, unsent);
  printf("| kind | requests | errors | misses (404) | achieved req/s | p50 us | p99 us | p999 us | max us "
         "| svc p50 us | svc p99 us |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int k = 0; k < kKinds; ++k) {
    const auto& v = all.total_ns[k];
    printf("| %s | %zu | %" PRIu64 " | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", kKindNames[k],
           v.size(), all.errors[k], k == kLookup ? std::to_string(all.misses).c_str() : "-",
           static_cast<double>(v.size()) / elapsed, Percentile(v, 0.5), Percentile(v, 0.99),
           Percentile(v, 0.999), v.empty() ? 0.0 : static_cast<double>(v.back()) / 1e3,
           Percentile(all.service_ns[k], 0.5), Percentile(all.service_ns[k], 0.99));
  }
  return 0;
}
