// The idstitch command line: resolve, gen, eval, explain, serve, export. See
// README.md, "Exit codes".
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fixtures/generator.h"
#include "resolver/atomic_file.h"
#include "resolver/batch_job.h"
#include "resolver/config.h"
#include "resolver/evaluation.h"
#include "resolver/explain.h"
#include "resolver/serve_command.h"

namespace idstitch {
namespace {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,          // bad flags or config
  kExitInput = 3,          // an input cannot be read or its format is unknown
  kExitTooManyErrors = 4,  // --max-errors reached; nothing written
  kExitOutput = 5,         // the output directory cannot be written
};

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return kExitUsage;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kDataLoss: return kExitInput;
    case absl::StatusCode::kResourceExhausted: return kExitTooManyErrors;
    case absl::StatusCode::kUnavailable: return kExitOutput;
    default: return kExitInternal;
  }
}

int Fail(const absl::Status& status) {
  fprintf(stderr, "idstitch: error: %s\n", std::string(status.message()).c_str());
  return ExitCodeFor(status);
}

struct ResolveFlags {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string config;
  std::vector<std::string> fields;
  std::string format = "auto";
  int threads = -1;
  int64_t max_errors = -1;
  std::string previous;
  bool links = false;
  bool quiet = false;
  bool attribute_matcher = false;
  bool no_colocation = false;
  bool link_only = false;
  std::string attribute_model;
  double attribute_threshold = -1;
  double colocation_threshold = -1;
};

// Options from --config (a missing file is a usage error, not an input error).
absl::StatusOr<ResolverOptions> OptionsFromConfig(const std::string& config) {
  ResolverOptions options;
  if (!config.empty()) {
    absl::Status status = LoadConfigFile(config, &options);
    if (!status.ok()) return absl::InvalidArgumentError(status.message());
  }
  return options;
}

int RunResolve(const ResolveFlags& flags) {
  absl::StatusOr<ResolverOptions> loaded = OptionsFromConfig(flags.config);
  if (!loaded.ok()) return Fail(loaded.status());
  ResolverOptions options = *std::move(loaded);
  for (const std::string& field : flags.fields) {
    absl::Status status = AddFieldMapping(field, &options);
    if (!status.ok()) return Fail(status);
  }
  if (flags.format == "jsonl") options.format = InputFormat::kJsonl;
  if (flags.format == "csv") options.format = InputFormat::kCsv;
  if (flags.threads >= 0) options.max_threads = flags.threads;
  if (flags.max_errors >= 0) options.max_errors = flags.max_errors;
  options.previous_dir = flags.previous;
  options.write_links = flags.links;
  options.show_progress = !flags.quiet;
  ProbabilisticOptions& probabilistic = options.probabilistic;
  if (flags.attribute_matcher) probabilistic.attribute_matching = true;
  if (flags.no_colocation) probabilistic.colocation = false;
  probabilistic.attribute.link_only = flags.link_only;
  if (flags.attribute_threshold >= 0) {
    probabilistic.attribute.match_probability_threshold = flags.attribute_threshold;
  }
  if (flags.colocation_threshold >= 0) {
    probabilistic.colocation_options.threshold = flags.colocation_threshold;
  }
  if (!flags.attribute_model.empty()) {
    std::ifstream in(flags.attribute_model);
    if (!in) {
      return Fail(absl::InvalidArgumentError(flags.attribute_model + ": cannot read model"));
    }
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<AttributeModel> model = AttributeModel::FromJson(text.str());
    if (!model.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(flags.attribute_model, ": ", model.status().message())));
    }
    probabilistic.attribute_model = *std::move(model);
  }

  absl::StatusOr<std::unique_ptr<BatchJob>> job = BatchJob::Create(std::move(options));
  if (!job.ok()) return Fail(job.status());
  absl::StatusOr<BatchSummary> summary = (*job)->Run(flags.inputs, flags.out_dir);
  if (!summary.ok()) return Fail(summary.status());
  if (!flags.quiet) fputs(summary->text.c_str(), stderr);
  return kExitOk;
}

int RunGen(const GeneratorOptions& options, const std::string& out_dir, bool quiet) {
  absl::StatusOr<GeneratorSummary> summary = GenerateFixture(options, out_dir);
  if (!summary.ok()) return Fail(summary.status());
  if (!quiet) {
    fprintf(stderr, "generated %lld events of %lld people in %s (events.jsonl, truth.csv)\n",
            static_cast<long long>(summary->events), static_cast<long long>(summary->people),
            out_dir.c_str());
  }
  return kExitOk;
}

int RunEval(const std::string& truth, const std::string& assignments, const std::string& out) {
  absl::StatusOr<EvaluationResult> result = EvaluateFiles(truth, assignments);
  if (!result.ok()) return Fail(result.status());
  fputs(EvaluationToText(*result).c_str(), stdout);
  if (!out.empty()) {
    absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(out);
    if (!file.ok()) return Fail(file.status());
    (*file)->Append(EvaluationToJson(*result));
    absl::Status status = (*file)->Commit();
    if (!status.ok()) return Fail(status);
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{"idstitch: identity resolution and cross-device stitching"};
  app.require_subcommand(1);

  ResolveFlags resolve;
  CLI::App* resolve_cmd = app.add_subcommand("resolve", "Resolve identifier logs into identities");
  resolve_cmd->add_option("inputs", resolve.inputs, "Input files (.jsonl/.csv, optionally .gz; - for stdin)")
      ->required();
  resolve_cmd->add_option("--out", resolve.out_dir, "Output directory")->required();
  resolve_cmd->add_option("--config", resolve.config, "JSON config file");
  resolve_cmd->add_option("--field", resolve.fields, "Column mapping SOURCE=TARGET (repeatable)");
  resolve_cmd->add_option("--format", resolve.format, "Input format")
      ->check(CLI::IsMember({"auto", "jsonl", "csv"}));
  resolve_cmd->add_option("--threads", resolve.threads, "Worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  resolve_cmd->add_option("--max-errors", resolve.max_errors,
                          "Fail once this many records were rejected (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  resolve_cmd->add_option("--previous", resolve.previous, "Previous output directory whose IDs to keep");
  resolve_cmd->add_flag("--links", resolve.links, "Also write links.csv");
  resolve_cmd->add_flag("--quiet", resolve.quiet, "No progress or summary on stderr");
  resolve_cmd->add_flag("--attribute-matcher", resolve.attribute_matcher,
                        "Run the attribute (Fellegi-Sunter) matcher on person attributes");
  resolve_cmd->add_flag("--no-colocation", resolve.no_colocation,
                        "Do not run the device co-location matcher (ip, user_agent, ts)");
  resolve_cmd->add_flag("--link-only", resolve.link_only,
                        "Attribute matcher: link records across input files only");
  resolve_cmd->add_option("--attribute-model", resolve.attribute_model,
                          "Use this trained attribute model (attribute_model.json) instead of training");
  resolve_cmd->add_option("--attribute-threshold", resolve.attribute_threshold,
                          "Attribute matcher: minimum match probability (default 0.99)")
      ->check(CLI::Range(0.0, 1.0));
  resolve_cmd->add_option("--colocation-threshold", resolve.colocation_threshold,
                          "Co-location matcher: minimum probability (default 0.9)")
      ->check(CLI::Range(0.0, 1.0));

  GeneratorOptions gen;
  std::string gen_out;
  bool gen_quiet = false;
  CLI::App* gen_cmd = app.add_subcommand("gen", "Generate identifier logs with ground truth");
  gen_cmd->add_option("--people", gen.people, "Number of people")->check(CLI::PositiveNumber);
  gen_cmd->add_option("--seed", gen.seed, "Random seed");
  gen_cmd->add_option("--events-per-person", gen.events_per_person, "Mean events per person")
      ->check(CLI::PositiveNumber);
  gen_cmd->add_option("--out", gen_out, "Output directory")->required();
  gen_cmd->add_flag("--quiet", gen_quiet, "No summary on stderr");

  std::string truth, assignments, eval_out;
  CLI::App* eval_cmd = app.add_subcommand("eval", "Score assignments against ground truth");
  eval_cmd->add_option("--truth", truth, "CSV record_id,person_id")->required();
  eval_cmd->add_option("--assignments", assignments, "CSV record_id,identity_id")->required();
  eval_cmd->add_option("--out", eval_out, "Also write the scores as JSON here");

  std::string explain_out, explain_a, explain_b;
  CLI::App* explain_cmd =
      app.add_subcommand("explain", "Why two identifiers are (or are not) one identity");
  explain_cmd->add_option("--out", explain_out, "Output directory of a resolve run with --links")
      ->required();
  explain_cmd->add_option("a", explain_a, "type:value (normalized, as in identity_map.csv)")
      ->required();
  explain_cmd->add_option("b", explain_b, "type:value")->required();

  ServeFlags serve;
  std::string serve_config;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the incremental identity service (HTTP/JSON)");
  serve_cmd->add_option("--data", serve.data_dir, "Store directory (RocksDB; created if missing)")
      ->required();
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT (default 127.0.0.1:8080; port 0: any)");
  serve_cmd->add_option("--from", serve.from, "Seed an empty store from a resolve output directory");
  serve_cmd->add_option("--config", serve_config, "JSON config file (as for resolve)");
  serve_cmd->add_option("--token-file", serve.token_file,
                        "Require this bearer token on every endpoint but /healthz");
  serve_cmd->add_option("--max-body-bytes", serve.max_body_bytes, "Largest request body (413 beyond)")
      ->check(CLI::PositiveNumber);
  serve_cmd->add_option("--port-file", serve.port_file, "Write the bound port to this file");

  std::string export_data, export_out, export_config;
  CLI::App* export_cmd = app.add_subcommand("export", "Write a store's identity map as a batch run does");
  export_cmd->add_option("--data", export_data, "Store directory")->required();
  export_cmd->add_option("--out", export_out, "Output directory")->required();
  export_cmd->add_option("--config", export_config, "JSON config file (as for serve)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (resolve_cmd->parsed()) return RunResolve(resolve);
  if (gen_cmd->parsed()) return RunGen(gen, gen_out, gen_quiet);
  if (eval_cmd->parsed()) return RunEval(truth, assignments, eval_out);
  if (serve_cmd->parsed() || export_cmd->parsed()) {
    absl::StatusOr<ResolverOptions> options =
        OptionsFromConfig(serve_cmd->parsed() ? serve_config : export_config);
    if (!options.ok()) return Fail(options.status());
    absl::Status status = serve_cmd->parsed()
                              ? RunServe(*std::move(options), serve)
                              : RunExport(*std::move(options), export_data, export_out);
    return status.ok() ? kExitOk : Fail(status);
  }
  if (explain_cmd->parsed()) {
    absl::StatusOr<std::string> text = ExplainIdentifiers(explain_out, explain_a, explain_b);
    if (!text.ok()) return Fail(text.status());
    fputs(text->c_str(), stdout);
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace
}  // namespace idstitch

int main(int argc, char** argv) {
  // Library code reports errors as Status; this is the last line of defence
  // against a dependency throwing, so the user gets a message and exit 1.
  try {
    return idstitch::Main(argc, argv);
  } catch (const std::exception& error) {
    fprintf(stderr, "idstitch: internal error: %s\n", error.what());
    return idstitch::kExitInternal;
  }
}
