// Shared pieces of the kcbx subcommands: loading the pack named by --rules,
// parsing dates, printing diagnostics, and the exit-code contract
// (0 completed, 1 unusable pack or input, 2 usage).
#ifndef KCBX_CLI_COMMON_H_
#define KCBX_CLI_COMMON_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "kcbx/batch.h"
#include "kcbx/date.h"
#include "kcbx/diagnostic.h"
#include "kcbx/rule_pack.h"

namespace kcbx::detail {
struct GenerateOptions;
}

namespace kcbx::cli {

constexpr int kExitOk = 0;
constexpr int kExitUnusable = 1;
constexpr int kExitUsage = 2;

// A usage mistake found after parsing (a bad date); exits with 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "" or an embedded name ("guizhou") loads the built-in pack; anything else
// is a path. Throws kcbx::Error.
RulePack load_pack(const std::string& rules);
Date parse_date(const std::string& text, const std::string& option);

// Generated data for `generate` and `demo`: drawn from the jurisdiction of
// the pack `rules` names (when given), then checked; a pack without one, a
// pack whose record key or required fields the generated (Guizhou-format)
// files have no column for, an unknown province or prefecture is a
// UsageError, before any file is made.
void generate_for(const std::string& rules, detail::GenerateOptions& options);

// A CLI11 check for --encoding: utf-8, gb18030, gbk or another encoding
// iconv knows that keeps ASCII bytes ASCII (CSV splits on raw bytes). An
// unknown name is a usage error (exit 2), found before any file is read.
CLI::Validator encoding_check();
// `option` when given, else `fallback` (a per-file --events-encoding
// falling back to --encoding).
inline const std::string& or_default(const std::string& option, const std::string& fallback) {
  return option.empty() ? fallback : option;
}

// A file a command reads or writes, with the option that names it.
struct FileOption {
  const char* option;  // "--students"
  std::string path;    // "" when not given
};
// Refuses, as a UsageError before any output is made, an output that is one
// of the command's inputs (`--out students.csv` would replace the file the
// command reads) or the same file as another output (the later rename
// would leave only one of them). Outputs written through (a FIFO, a
// device, "-") replace nothing and are not compared.
// The pack's files are inputs too: the one --rules names and each its
// `extends:` reads (an output onto a base pack would replace it).
void refuse_overlapping_files(const RulePack& pack, std::vector<FileOption> inputs,
                              const std::vector<FileOption>& outputs);
// The files a pack was read from ("--rules" each): none for a built-in one.
std::vector<FileOption> pack_files(const RulePack& pack);

// Prints diagnostics GCC-style with the source line and a caret when the
// file can be read.
void print_diagnostics(const std::vector<Diagnostic>& diags);

// A rejected row and the input it is from ("students", "events", ...).
struct FileReject {
  const char* file;
  const Reject* reject;
};
// For a command run without --rejects FILE: the first 20 rejected rows with
// their reasons on stderr (a bad row is never dropped without a word), then
// how many more. The reasons' ID numbers are masked (keys are, when read).
void list_rejects(const std::string& key_column, const std::vector<FileReject>& rejects);

// For the commands that stream chunks (run, classify): keep at most 64 MiB
// of freed buffers for reuse (kcbx/memory.h) unless KCBX_BUFFER_CACHE_MB
// is set. Each chunk reuses the last one's buffers; more kept only adds to
// the peak (160 million streamed through `kcbx run`: 1,560 MiB keeping
// nothing, 1,777 MiB keeping up to the library's default of 256 MiB).
void keep_memory_for_streaming();

// Registers each subcommand; returns the function that runs it.
using Runner = std::function<int()>;
Runner add_validate(CLI::App& app);
Runner add_classify(CLI::App& app);
Runner add_graph(CLI::App& app);      // graph.cc
Runner add_cases(CLI::App& app);      // cases.cc
Runner add_transfer(CLI::App& app);   // transfer.cc
Runner add_generate(CLI::App& app);   // generate.cc

}  // namespace kcbx::cli

#endif  // KCBX_CLI_COMMON_H_
