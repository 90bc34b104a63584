// kcbx diff PACK_A PACK_B [--students FILE --as-of DATE]: what differs
// between two packs (parameters with their effective dates, rows by id and
// position, roles, lines, stages and deadlines) and, with a students file,
// how many children change status and which (row A -> row B) pairs cause it.
#include <iostream>
#include <memory>

#include "cli/author_commands.h"
#include "kcbx/rule_tests.h"

namespace kcbx::cli {

namespace {

struct DiffArgs {
  std::string a, b, students, as_of;
  std::string encoding = "utf-8";
  bool no_mask = false;
};

int run_diff(const DiffArgs& args) {
  if (!args.students.empty() && args.as_of.empty()) throw UsageError("--students needs --as-of DATE");
  if (args.students.empty() && !args.as_of.empty()) throw UsageError("--as-of needs --students FILE");
  const RulePack a = load_pack(args.a);
  const RulePack b = load_pack(args.b);
  const PackDiff d = diff_packs(a, b);
  if (args.students.empty()) {
    std::cout << format_diff(d);
    return kExitOk;
  }
  const StudentsDiff s = diff_students(a, b, args.students, parse_date(args.as_of, "--as-of"), args.encoding,
                                       !args.no_mask);
  std::cout << format_diff(d, &s);
  return kExitOk;
}

}  // namespace

Runner add_diff(CLI::App& app) {
  auto a = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand("diff", "Compare two rule packs, and the statuses they give a students file");
  cmd->add_option("pack_a", a->a, "First pack (a path, or an embedded name such as guizhou)")->required();
  cmd->add_option("pack_b", a->b, "Second pack")->required();
  cmd->add_option("--students", a->students, "Students CSV to classify with both packs");
  cmd->add_option("--as-of", a->as_of, "Evaluation date YYYY-MM-DD (with --students)");
  cmd->add_option("--encoding", a->encoding, "Students file encoding (utf-8, gb18030, gbk)")->check(encoding_check());
  cmd->add_flag("--no-mask", a->no_mask, "Show ID numbers in the example student ids in full");
  return [a]() { return run_diff(*a); };
}

}  // namespace kcbx::cli
