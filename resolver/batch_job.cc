#include "resolver/batch_job.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "graph/identity_assignment.h"
#include "graph/identity_graph.h"
#include "matchers/matcher.h"
#include "resolver/atomic_file.h"
#include "resolver/background_sync.h"
#include "resolver/ingest.h"
#include "resolver/output_writers.h"
#include "resolver/previous_run.h"
#include "resolver/probabilistic_stage.h"
#include "resolver/progress.h"
#include "resolver/run_report.h"
#include "resolver/status_macros.h"
#include "resolver/thread_arena.h"
#include "tbb/task_group.h"

namespace idstitch {
namespace {

// Input problems echoed on stderr before the rest go only to rejects.jsonl.
constexpr int kIssuesEchoed = 10;

// CPU time (user + system) the whole process has used so far.
double ProcessCpuSeconds() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Measures consecutive stages: wall and CPU time.
class StageTimer {
 public:
  void End(std::string stage) {
    absl::Time now = absl::Now();
    double cpu = ProcessCpuSeconds();
    stages_.push_back({std::move(stage), absl::ToDoubleSeconds(now - last_), cpu - last_cpu_});
    last_ = now;
    last_cpu_ = cpu;
  }
  std::vector<StageTime> stages() const { return stages_; }

 private:
  absl::Time last_ = absl::Now();
  double last_cpu_ = ProcessCpuSeconds();
  std::vector<StageTime> stages_;
};

absl::Status EnsureDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    return absl::UnavailableError(absl::StrCat(
        dir, ": cannot create output directory", error ? ": " + error.message() : ""));
  }
  return absl::OkStatus();
}

}  // namespace

struct BatchJob::Impl {
  ResolverOptions options;
  std::unique_ptr<IdentifierNormalizer> normalizer;
  std::vector<std::unique_ptr<Matcher>> matchers;  // deterministic, per record
  // Every matcher's name by matcher id: the deterministic ones, then the
  // attribute and co-location matchers.
  std::vector<std::string> matcher_names;
};

BatchJob::BatchJob(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BatchJob::~BatchJob() = default;

absl::StatusOr<std::unique_ptr<BatchJob>> BatchJob::Create(ResolverOptions options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(impl->normalizer, IdentifierNormalizer::Create(options.normalizer));
  impl->matchers = MakeDeterministicMatchers(options.types);
  for (const auto& matcher : impl->matchers) impl->matcher_names.emplace_back(matcher->name());
  impl->matcher_names.emplace_back(kAttributeMatcherName);
  impl->matcher_names.emplace_back(kColocationMatcherName);
  impl->options = std::move(options);
  return std::unique_ptr<BatchJob>(new BatchJob(std::move(impl)));
}

absl::StatusOr<BatchSummary> BatchJob::Run(const std::vector<std::string>& inputs,
                                           const std::string& out_dir) {
  const ResolverOptions& options = impl_->options;
  if (inputs.empty()) return absl::InvalidArgumentError("no input files given");
  RETURN_IF_ERROR(EnsureDirectory(out_dir));
  auto path = [&](const char* name) { return absl::StrCat(out_dir, "/", name); };
  ASSIGN_OR_RETURN(std::unique_ptr<AtomicFile> rejects, AtomicFile::Create(path("rejects.jsonl")));

  // Check --previous before reading: a typo must not cost a whole ingest.
  if (!options.previous_dir.empty() &&
      !std::filesystem::exists(options.previous_dir + "/identity_map.csv")) {
    return absl::NotFoundError(absl::StrCat(
        options.previous_dir, "/identity_map.csv: no previous identity map (--previous)"));
  }
  StageTimer timer;
  Progress progress(options.show_progress);
  IssueSink issues(rejects.get(), kIssuesEchoed);
  ASSIGN_OR_RETURN(IngestResult ingest, Ingest(options, inputs, out_dir, *impl_->normalizer,
                                               impl_->matchers, issues, progress));
  if (issues.total() > static_cast<uint64_t>(kIssuesEchoed)) {
    fprintf(stderr, "... %llu more input problems in %s\n",
            static_cast<unsigned long long>(issues.total() - kIssuesEchoed),
            path("rejects.jsonl").c_str());
  }
  timer.End("read_parse_match");

  uint8_t attribute_matcher = static_cast<uint8_t>(impl_->matchers.size());
  ProbabilisticOptions probabilistic_options = options.probabilistic;
  probabilistic_options.attribute.max_threads = options.max_threads;
  probabilistic_options.colocation_options.max_threads = options.max_threads;
  ASSIGN_OR_RETURN(ProbabilisticResult probabilistic,
                   RunProbabilisticMatchers(probabilistic_options, ingest.probabilistic,
                                            attribute_matcher, attribute_matcher + 1));
  ingest.links.insert(ingest.links.end(), probabilistic.links.begin(), probabilistic.links.end());
  if (options.write_links) {
    ingest.link_seen.insert(ingest.link_seen.end(), probabilistic.link_seen.begin(),
                            probabilistic.link_seen.end());
  }
  probabilistic.links = {};
  probabilistic.link_seen = {};
  // Both live until the end of the run and stop growing here.
  ingest.links.shrink_to_fit();
  ingest.link_seen.shrink_to_fit();
  ThreadArena(options.max_threads).execute([&] { ingest.dictionary.ShrinkToFit(); });
  timer.End("probabilistic_match");

  IdentityGraphResult graph;
  ThreadArena(options.max_threads).execute([&] {
    graph = BuildIdentityGraph(ingest.dictionary, options.types, ingest.links, &ingest.link_seen);
  });
  timer.End("graph");

  std::optional<PreviousIdentities> previous;
  PreviousRunStats previous_stats;
  if (!options.previous_dir.empty()) {
    absl::StatusOr<PreviousIdentities> loaded;
    ThreadArena(options.max_threads).execute([&] {
      loaded = LoadPreviousRun(options.previous_dir, ingest.dictionary, options.types,
                               &previous_stats);
    });
    ASSIGN_OR_RETURN(previous, std::move(loaded));
    timer.End("load_previous");
  }
  IdentityAssignment assignment;
  ThreadArena(options.max_threads).execute([&] {
    assignment = AssignIdentities(ingest.dictionary, options.types, graph.components,
                                  previous.has_value() ? &*previous : nullptr);
  });
  timer.End("assign_ids");

  ASSIGN_OR_RETURN(auto identity_map, AtomicFile::Create(path("identity_map.csv")));
  ASSIGN_OR_RETURN(auto assignments, AtomicFile::Create(path("assignments.csv")));
  ASSIGN_OR_RETURN(auto identities, AtomicFile::Create(path("identities.jsonl")));
  ASSIGN_OR_RETURN(auto changes, AtomicFile::Create(path("changes.jsonl")));
  // Declared after the files: destroyed (joining its threads) before them.
  BackgroundSync syncs;
  std::unique_ptr<AtomicFile> links;
  if (options.write_links) {
    ASSIGN_OR_RETURN(links, AtomicFile::Create(path("links.csv")));
    WriteLinks(ingest.dictionary, options.types, ingest.links, ingest.link_seen, graph,
               impl_->matcher_names,
               &probabilistic.explanations, *links);
    syncs.Start(links.get());
  }
  std::unique_ptr<AtomicFile> model;
  if (probabilistic.model.has_value()) {
    ASSIGN_OR_RETURN(model, AtomicFile::Create(path("attribute_model.json")));
    model->Append(probabilistic.model->ToJson());
    syncs.Start(model.get());
  }
  // The record-level files (assignments, then identities, which needs the
  // activity read back from the spill) and the identifier-level ones touch
  // different data and files: written side by side.
  absl::StatusOr<IdentityActivity> activity_or;
  tbb::task_group writers;
  ThreadArena(options.max_threads).execute([&] {
    // Each file's sync starts as soon as it is whole, beside the next file's
    // formatting: at ten million events the syncs at the end took 0.3 s.
    writers.run([&] {
      activity_or = WriteAssignments(*ingest.spill, assignment, graph.quarantined,
                                     ingest.event_names.size(), *assignments);
      syncs.Start(assignments.get());
      if (activity_or.ok()) {
        WriteIdentities(ingest.dictionary, options.types, assignment, *activity_or,
                        ingest.event_names, *identities);
      }
      syncs.Start(identities.get());
    });
    writers.run([&] {
      WriteIdentityMap(ingest.dictionary, options.types, assignment, *identity_map);
      syncs.Start(identity_map.get());
      WriteChanges(assignment, *changes);
      syncs.Start(changes.get());
    });
    writers.wait();
  });
  ASSIGN_OR_RETURN(IdentityActivity activity, std::move(activity_or));
  timer.End("write");

  RunReportInputs report_inputs{&inputs,
                                &options.types,
                                &ingest,
                                &graph,
                                &assignment,
                                &activity,
                                &impl_->matcher_names,
                                &probabilistic,
                                previous.has_value() ? &previous_stats : nullptr,
                                timer.stages(),
                                issues.total()};
  BatchSummary summary;
  summary.report_json = BuildReportJson(report_inputs);
  summary.text = BuildTextSummary(report_inputs);
  summary.records_read = ingest.counters.records_read;
  summary.records_rejected = ingest.counters.records_rejected;
  summary.identities = assignment.identities.size();
  ASSIGN_OR_RETURN(auto report, AtomicFile::Create(path("report.json")));
  report->Append(summary.report_json);

  // Commit only once everything is written; the report goes last so that its
  // presence means the rest of the run's files are in place. Each file was
  // synced in the background as soon as it was written; renames wait for all.
  syncs.Start(rejects.get());
  syncs.Start(report.get());
  RETURN_IF_ERROR(syncs.Wait());
  for (AtomicFile* file : {identity_map.get(), assignments.get(), identities.get(),
                           changes.get(), links.get(), model.get(), rejects.get(), report.get()}) {
    if (file != nullptr) RETURN_IF_ERROR(file->Commit());
  }
  return summary;
}

}  // namespace idstitch
