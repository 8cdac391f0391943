// File: resolver/run_report.h
// The run report: what a batch run read, rejected, linked, refused and built,
// and how long each stage took. Written as report.json and summarized for a
// person on stderr. Everything but "timing_seconds", "timing_cpu_seconds" and
// "memory" is a pure function of the input, so reports of two runs can be
// compared.
#ifndef IDSTITCH_RESOLVER_RUN_REPORT_H_
#define IDSTITCH_RESOLVER_RUN_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "graph/identity_assignment.h"
#include "graph/identity_graph.h"
#include "matchers/matcher.h"
#include "resolver/ingest.h"
#include "resolver/output_writers.h"
#include "resolver/previous_run.h"
#include "resolver/probabilistic_stage.h"

namespace idstitch {

// One stage's wall time and the CPU time (user + system, all threads) the
// process spent in it: their ratio is how many cores the stage kept busy.
struct StageTime {
  std::string stage;
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

struct RunReportInputs {
  const std::vector<std::string>* inputs;
  const IdentifierTypeRegistry* types;
  const IngestResult* ingest;  // dictionary, counters, links (sorted)
  const IdentityGraphResult* graph;
  const IdentityAssignment* assignment;
  const IdentityActivity* activity;
  const std::vector<std::string>* matcher_names;
  const ProbabilisticResult* probabilistic;
  const PreviousRunStats* previous;  // null without --previous
  std::vector<StageTime> stage_times;
  uint64_t issues_total = 0;
};

// report.json, pretty-printed with keys in a fixed order.
std::string BuildReportJson(const RunReportInputs& in);

// A dozen lines for a person: records, identifiers, links, identities, time.
std::string BuildTextSummary(const RunReportInputs& in);

// Peak resident set size of this process in bytes (0 if unknown).
uint64_t PeakRssBytes();

}  // namespace idstitch

#endif  // IDSTITCH_RESOLVER_RUN_REPORT_H_
