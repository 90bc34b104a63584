// Hostile inputs (issue 8): rule packs built to exhaust the loader, and
// student files that are truncated, binary, huge or self-contradictory. Each
// must give a clear diagnostic or rejection in bounded time, never a crash,
// and a data file must reconcile `read == accepted + rejected`, through the
// library (StudentReader + Engine) and through `kcbx classify`. Nothing here
// asserts on time: a test that returns is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kcbx/kcbx.h"
#include "reliability_support.h"

namespace {

namespace fs = std::filesystem;
using namespace kcbx::testing_support;

// ---- rule packs --------------------------------------------------------------

bool has_code(const std::vector<kcbx::Diagnostic>& diags, const std::string& code) {
  return std::any_of(diags.begin(), diags.end(),
                     [&](const kcbx::Diagnostic& d) { return d.code == code; });
}

std::string codes(const std::vector<kcbx::Diagnostic>& diags) {
  std::string s;
  for (const auto& d : diags) s += d.format() + "\n";
  return s.size() > 2000 ? s.substr(0, 2000) + "..." : s;
}

// A small valid pack; `extra` is appended (more sections or derived values).
std::string small_pack(const std::string& name, const std::string& extra = "") {
  return "meta: {name: " + name + ", version: \"1\"}\n"
         "fields:\n"
         "  student_id: {type: string, required: true, unique: true}\n"
         "  n: {type: int}\n" +
         extra;
}

TEST(HostilePack, BillionLaughsIsRefusedBeforeExpansion) {
  // Nine levels of nine aliases each: 9^9 (387 million) nodes if expanded.
  std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string p = "*l" + std::to_string(i - 1);
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + p + ", " + p + ", " + p +
            ", " + p + ", " + p + ", " + p + ", " + p + ", " + p + ", " + p + "]\n";
  }
  yaml += "meta: {name: laughs}\n";
  const auto diags = kcbx::check_rules(yaml, "laughs.yaml");
  EXPECT_TRUE(has_code(diags, "too-large")) << codes(diags);
  EXPECT_THROW((void)kcbx::parse_rules(yaml, "laughs.yaml"), kcbx::Error);
}

TEST(HostilePack, AliasesInsideAKnownSectionAreRefusedToo) {
  std::string yaml = small_pack("laughs") + "clauses:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (int i = 0; i < 8; ++i) {
    const std::string name = "b" + std::to_string(i);
    yaml += "  " + name + ": &" + name + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *" : "*") + prev;
    yaml += "]\n";
    prev = name;
  }
  const auto diags = kcbx::check_rules(yaml, "laughs.yaml");
  EXPECT_TRUE(has_code(diags, "too-large")) << codes(diags);
}

TEST(HostilePack, TenThousandDeepFlowSequence) {
  const std::string yaml =
      "meta: {name: deep}\nfields: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  const auto diags = kcbx::check_rules(yaml, "deep.yaml");
  ASSERT_TRUE(kcbx::has_errors(diags));
  EXPECT_TRUE(has_code(diags, "yaml-syntax") || has_code(diags, "too-deep")) << codes(diags);
}

TEST(HostilePack, TenThousandDeepFlowMap) {
  std::string yaml = "meta: {name: deep}\nfields: ";
  for (int i = 0; i < 10000; ++i) yaml += "{a: ";
  yaml += "1" + std::string(10000, '}') + "\n";
  const auto diags = kcbx::check_rules(yaml, "deep.yaml");
  ASSERT_TRUE(kcbx::has_errors(diags));
  EXPECT_TRUE(has_code(diags, "yaml-syntax") || has_code(diags, "too-deep")) << codes(diags);
}

TEST(HostilePack, NestingJustPastTheLimitIsTooDeep) {
  // 70 levels: yaml-cpp accepts it, the loader's bound (64) does not.
  const std::string yaml =
      "meta: {name: deep}\nfields: " + std::string(70, '[') + std::string(70, ']') + "\n";
  const auto diags = kcbx::check_rules(yaml, "deep.yaml");
  EXPECT_TRUE(has_code(diags, "too-deep")) << codes(diags);
}

TEST(HostilePack, TenThousandDeepBlockNesting) {
  // Block style: the indentation alone makes it ~50 MB, past the size limit
  // long before yaml-cpp sees it.
  std::string yaml = "meta: {name: deep}\nfields:\n";
  for (int i = 0; i < 10000; ++i) yaml += std::string(static_cast<size_t>(i + 1), ' ') + "a:\n";
  const auto diags = kcbx::check_rules(yaml, "deep.yaml");
  EXPECT_TRUE(has_code(diags, "pack-too-large")) << codes(diags);
}

TEST(HostilePack, TwentyMegabytePackIsRefusedBySize) {
  std::string yaml = small_pack("big") + "clauses:\n";
  for (int i = 0; yaml.size() < (20u << 20); ++i)
    yaml += "  C" + std::to_string(i) + ": {zh: \"" + std::string(200, 'x') + "\"}\n";
  const auto diags = kcbx::check_rules(yaml, "big.yaml");
  EXPECT_TRUE(has_code(diags, "pack-too-large")) << codes(diags);

  // The same through a file and through `kcbx validate`.
  const fs::path dir = temp_dir("kcbx_hostile");
  write_file(dir / "big.yaml", yaml);
  try {
    (void)kcbx::load_rules((dir / "big.yaml").string());
    ADD_FAILURE() << "a 20 MB pack loaded";
  } catch (const kcbx::Error& e) {
    EXPECT_TRUE(has_code(e.diagnostics(), "pack-too-large")) << e.what();
  }
  const CliRun r = run_kcbx(dir, "validate " + shell_quote((dir / "big.yaml").string()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("pack-too-large"), std::string::npos) << r.err.substr(0, 2000);
  EXPECT_LT(r.err.size(), 10000u) << "the diagnostic should not echo the pack";
}

TEST(HostilePack, UnboundedSourcesAreReadOnlyUpToTheLimit) {
  // /dev/zero never ends: reading a pack (or a base pack) from it must stop
  // at the size limit instead of filling the memory.
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  try {
    (void)kcbx::load_rules("/dev/zero");
    ADD_FAILURE() << "/dev/zero loaded as a pack";
  } catch (const kcbx::Error& e) {
    EXPECT_TRUE(has_code(e.diagnostics(), "pack-too-large")) << e.what();
  }
  const auto diags =
      kcbx::check_rules("meta: {name: z, extends: /dev/zero}\n", "zero.yaml");
  EXPECT_TRUE(has_code(diags, "pack-too-large")) << codes(diags);
  const fs::path dir = temp_dir("kcbx_hostile");
  // Regression: printing the diagnostic's source line read /dev/zero with
  // getline until memory ran out.
  const CliRun r = run_kcbx(dir, "validate /dev/zero");
  EXPECT_EQ(r.code, 1) << r.err.substr(0, 2000);
  EXPECT_EQ(r.err.find("Sanitizer"), std::string::npos) << r.err.substr(0, 2000);
  EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("pack-too-large"), std::string::npos) << r.err.substr(0, 2000);
}

TEST(HostilePack, HundredKilobyteExpression) {
  std::string expr = "n";
  while (expr.size() < 100 * 1024) expr += " + 1";
  const std::string yaml = small_pack("bigexpr", "derive:\n  x: \"" + expr + "\"\n");
  const auto diags = kcbx::check_rules(yaml, "bigexpr.yaml");
  EXPECT_TRUE(has_code(diags, "expression-too-large")) << codes(diags);
}

TEST(HostilePack, DeeplyNestedExpressions) {
  const std::string parens = std::string(5000, '(') + "n" + std::string(5000, ')');
  std::string nots;
  for (int i = 0; i < 3000; ++i) nots += "not ";
  std::string minus(8000, '-');
  std::string ifs;
  for (int i = 0; i < 700; ++i) ifs += "if true then ";
  ifs += "n";
  for (int i = 0; i < 700; ++i) ifs += " else n";
  const std::string calls = [] {
    std::string s;
    for (int i = 0; i < 2000; ++i) s += "max(";
    s += "n";
    for (int i = 0; i < 2000; ++i) s += ", 1)";
    return s;
  }();
  for (const std::string& e : {parens, nots + "true", minus + "n", ifs, calls}) {
    ASSERT_LE(e.size(), 16u * 1024) << "keep it under the size limit, to reach the depth limit";
    const std::string yaml = small_pack("deepexpr", "derive:\n  x: \"" + e + "\"\n");
    const auto diags = kcbx::check_rules(yaml, "deepexpr.yaml");
    EXPECT_TRUE(has_code(diags, "expression-too-deep")) << e.substr(0, 40) << "\n" << codes(diags);
  }
}

TEST(HostilePack, TenThousandAndOneRows) {
  std::string yaml = small_pack("rows", "tables:\n  t:\n    values: [a, b]\n    rows:\n");
  for (int i = 0; i < 10001; ++i)
    yaml += "      - {id: r" + std::to_string(i) + ", when: n = " + std::to_string(i) + ", then: a}\n";
  const auto diags = kcbx::check_rules(yaml, "rows.yaml");
  EXPECT_TRUE(has_code(diags, "too-many-rows")) << codes(diags);
}

TEST(HostilePack, ExtensionChainOfTwentyIsTooDeep) {
  const fs::path dir = temp_dir("kcbx_hostile");
  for (int i = 0; i < 20; ++i) {
    const std::string base = i == 19 ? "guizhou" : "p" + std::to_string(i + 1) + ".yaml";
    write_file(dir / ("p" + std::to_string(i) + ".yaml"),
               "meta: {name: p" + std::to_string(i) + ", extends: " + base + "}\n");
  }
  try {
    (void)kcbx::load_rules((dir / "p0.yaml").string());
    ADD_FAILURE() << "a chain of 20 packs loaded";
  } catch (const kcbx::Error& e) {
    EXPECT_TRUE(has_code(e.diagnostics(), "extends-too-deep")) << e.what();
  }
  // A chain within the limit loads.
  EXPECT_NO_THROW((void)kcbx::load_rules((dir / "p10.yaml").string()));
}

TEST(HostilePack, ExtensionCycles) {
  const fs::path dir = temp_dir("kcbx_hostile");
  write_file(dir / "self.yaml", "meta: {name: self, extends: self.yaml}\n");
  write_file(dir / "a.yaml", "meta: {name: a, extends: b.yaml}\n");
  write_file(dir / "b.yaml", "meta: {name: b, extends: c.yaml}\n");
  write_file(dir / "c.yaml", "meta: {name: c, extends: a.yaml}\n");
  for (const char* f : {"self.yaml", "a.yaml", "b.yaml"}) {
    try {
      (void)kcbx::load_rules((dir / f).string());
      ADD_FAILURE() << f << " loaded";
    } catch (const kcbx::Error& e) {
      EXPECT_TRUE(has_code(e.diagnostics(), "extends-cycle")) << e.what();
    }
  }
  const CliRun r = run_kcbx(dir, "validate " + shell_quote((dir / "a.yaml").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("extends-cycle"), std::string::npos) << r.err;
}

TEST(HostilePack, GarbageIsADiagnostic) {
  std::mt19937 rng(8);
  for (int round = 0; round < 20; ++round) {
    std::string junk(4096, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    const auto diags = kcbx::check_rules(junk, "junk.yaml");
    EXPECT_TRUE(kcbx::has_errors(diags));
  }
  for (const char* text : {"", "---", "~", "[]", "{}", "\"meta\"", "meta:", "meta: []",
                           "meta: {name: x}\nfields: 5", "\xEF\xBB\xBFmeta: {name: x}",
                           "meta: {name: x}\n\0\0\0"}) {
    const auto diags = kcbx::check_rules(text, "odd.yaml");
    for (const auto& d : diags) EXPECT_FALSE(d.message.empty());
  }
}

// ---- student files -------------------------------------------------------------

const char kHeader[] = "student_id,name,id_number,birth_date,registry,last_attended,address\n";
const kcbx::Date kAsOf = *kcbx::Date::parse("2019-11-15");

const kcbx::RulePack& pack() {
  static const kcbx::RulePack p = kcbx::default_rules();
  return p;
}

std::string row(const std::string& id, const std::string& birth = "2010-03-01",
                const std::string& name = "张三") {
  return id + "," + name + ",," + birth + ",enrolled,2019-09-01,花果园1组\n";
}

struct LibRead {
  kcbx::ReadCounts counts;
  std::vector<kcbx::Reject> rejects;       // the reader's
  std::vector<std::string> check_rejects;  // the engine's (pack checks)
  int64_t batched = 0;
};

// Reads `text` with StudentReader in small batches, classifies each batch,
// and checks the reconciliation on the way.
LibRead read_lib(const std::string& text, const std::string& encoding = "utf-8") {
  std::istringstream in(text);
  kcbx::ReadOptions o;
  o.file = "hostile.csv";
  o.encoding = encoding;
  o.batch_rows = 3;
  kcbx::StudentReader reader(pack(), in, o);
  static const kcbx::Engine engine(pack(), kcbx::EngineOptions{.threads = 2});
  LibRead r;
  kcbx::Batch batch;
  while (reader.next(batch)) {
    r.batched += static_cast<int64_t>(batch.size());
    const kcbx::BatchResult result = engine.classify(batch, kAsOf);
    for (size_t i = 0; i < result.size(); ++i)
      if (result.rejected(i)) r.check_rejects.emplace_back(result.reject_reason(i));
    for (auto& rj : reader.take_rejects()) r.rejects.push_back(std::move(rj));
  }
  for (auto& rj : reader.take_rejects()) r.rejects.push_back(std::move(rj));
  r.counts = reader.counts();
  EXPECT_EQ(r.counts.read, r.counts.accepted + r.counts.rejected);
  EXPECT_EQ(r.counts.accepted, r.batched);
  EXPECT_EQ(r.counts.rejected, static_cast<int64_t>(r.rejects.size()));
  for (const auto& rj : r.rejects) {
    EXPECT_GT(rj.row, 1);
    EXPECT_FALSE(rj.reason.empty());
    EXPECT_LT(rj.reason.size(), 400u) << "a reason never carries a whole field";
  }
  return r;
}

// The file-level error StudentReader throws, or "" when it reads.
std::string lib_file_error(const std::string& text, const std::string& encoding = "utf-8") {
  try {
    (void)read_lib(text, encoding);
  } catch (const kcbx::Error& e) {
    EXPECT_FALSE(e.diagnostics().empty());
    return e.diagnostics().empty() ? "?" : e.diagnostics().front().code;
  }
  return "";
}

std::string joined_reasons(const LibRead& r) {
  std::string s;
  for (const auto& rj : r.rejects) s += std::to_string(rj.row) + ": " + rj.reason + "\n";
  for (const auto& c : r.check_rejects) s += "check: " + c + "\n";
  return s;
}

struct CliResult {
  CliRun run;
  Summary summary;
  size_t output_rows = 0;  // data lines of --out
  size_t reject_rows = 0;  // data lines of --rejects
};

// Runs `kcbx classify` on `text` saved as a file, and checks the summary:
// read == accepted + rejected, the output and rejects files agreeing.
CliResult classify_cli(const std::string& text, const std::string& extra = "") {
  const fs::path dir = temp_dir("kcbx_hostile");
  write_file(dir / "students.csv", text);
  CliResult r;
  r.run = run_kcbx(dir, "classify --students " + shell_quote((dir / "students.csv").string()) +
                        " --as-of 2019-11-15 --out " + shell_quote((dir / "out.csv").string()) +
                        " --rejects " + shell_quote((dir / "rejects.csv").string()) + " " + extra);
  if (r.run.code != 0) {
    EXPECT_FALSE(fs::exists(dir / "out.csv")) << "no output after a file-level error";
    return r;
  }
  const auto s = classify_summary(r.run.err);
  EXPECT_TRUE(s.has_value()) << r.run.err;
  if (!s) return r;
  r.summary = *s;
  EXPECT_EQ(s->read, s->accepted + s->rejected) << r.run.err;
  r.output_rows = count_lines(read_file(dir / "out.csv")) - 1;
  r.reject_rows = count_lines(read_file(dir / "rejects.csv")) - 1;
  EXPECT_EQ(static_cast<int64_t>(r.output_rows), s->accepted);
  EXPECT_EQ(static_cast<int64_t>(r.reject_rows), s->rejected) << read_file(dir / "rejects.csv");
  return r;
}

// Both paths: the expected counts, and the reject reasons containing `why`.
void expect_rows(const std::string& text, int64_t read, int64_t accepted, const std::string& why,
                 const std::string& encoding = "utf-8") {
  const LibRead lib = read_lib(text, encoding);
  const int64_t lib_accepted = lib.counts.accepted - static_cast<int64_t>(lib.check_rejects.size());
  EXPECT_EQ(lib.counts.read, read) << joined_reasons(lib);
  EXPECT_EQ(lib_accepted, accepted) << joined_reasons(lib);
  if (!why.empty()) EXPECT_NE(joined_reasons(lib).find(why), std::string::npos) << joined_reasons(lib);
  const CliResult cli = classify_cli(text, "--encoding " + encoding);
  ASSERT_EQ(cli.run.code, 0) << cli.run.err.substr(0, 2000);
  EXPECT_EQ(cli.summary.read, read) << cli.run.err;
  EXPECT_EQ(cli.summary.accepted, accepted) << cli.run.err;
}

// Both paths refuse the whole file with `code`.
void expect_file_error(const std::string& text, const std::string& code,
                       const std::string& encoding = "utf-8") {
  EXPECT_EQ(lib_file_error(text, encoding), code);
  const CliResult cli = classify_cli(text, "--encoding " + encoding);
  EXPECT_EQ(cli.run.code, 1) << cli.run.err.substr(0, 2000);
  EXPECT_NE(cli.run.err.find("error:"), std::string::npos) << cli.run.err.substr(0, 2000);
  EXPECT_NE(cli.run.err.find("[" + code + "]"), std::string::npos) << cli.run.err.substr(0, 2000);
  EXPECT_LT(cli.run.err.size(), 4000u) << "a file-level error is a short message";
}

TEST(HostileData, TruncatedFile) {
  const std::string good = std::string(kHeader) + row("G1") + row("G2");
  // Cut in the middle of the last record: it has too few cells.
  expect_rows(good + "G3,张三,,2010-0", 3, 2, "cells; the header has 7");
  // Cut inside a quoted field.
  expect_rows(good + "G3,\"张", 3, 2, "never closed");
  // Cut inside a multi-byte character.
  expect_rows(good + std::string("G3,\xE5\xBC", 5), 3, 2, "");
}

// A stray quote before a name, and a later address quoted because it holds
// a comma (as Excel saves it): the records between are read, not taken
// into the name (SPEC's read = accepted + rejected, with none lost).
TEST(HostileData, StrayQuoteBeforeALaterQuotedCell) {
  const std::string text = std::string(kHeader) + row("G1") + "G2,\"张三,,2010-03-01,enrolled,2019-09-01,花果园\n" +
                           row("G3") + row("G4") + "G5,李四,,2010-03-01,enrolled,2019-09-01,\"花果园,1组\"\n" +
                           row("G6");
  expect_rows(text, 6, 5, "runs on into a line that holds a whole record");
  // Closed by a second stray quote typed after a later name.
  const std::string paired = std::string(kHeader) + row("G1") + "G2,\"张三,,2010-03-01,enrolled,2019-09-01,花果园\n" +
                             row("G3") + row("G4") + "G5,李四\",,2010-03-01,enrolled,2019-09-01,花果园\n" + row("G6");
  expect_rows(paired, 6, 5, "runs on into a line that holds a whole record");
}

TEST(HostileData, BinaryGarbage) {
  std::mt19937 rng(8);
  std::string junk(64 * 1024, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  // Garbage instead of a header: the file cannot be used at all.
  EXPECT_NE(lib_file_error(junk), "");
  const CliResult whole = classify_cli(junk);
  EXPECT_EQ(whole.run.code, 1) << whole.run.err.substr(0, 2000);
  EXPECT_LT(whole.run.err.size(), 4000u);
  // Garbage after a good header: every line a reject, none lost. (No
  // quotes, which could swallow the last good record.)
  std::replace(junk.begin(), junk.end(), '"', 'x');
  const std::string text = std::string(kHeader) + row("G1") + junk + "\n" + row("G2");
  const LibRead lib = read_lib(text);
  EXPECT_GE(lib.counts.accepted, 2);
  EXPECT_GT(lib.counts.rejected, 100);
  const CliResult cli = classify_cli(text);
  ASSERT_EQ(cli.run.code, 0) << cli.run.err.substr(0, 2000);
  EXPECT_EQ(cli.summary.read, lib.counts.read);
  EXPECT_EQ(cli.summary.rejected,
            lib.counts.rejected + static_cast<int64_t>(lib.check_rejects.size()));
}

TEST(HostileData, InvalidUtf8) {
  const std::string text = std::string(kHeader) + row("G1") + row("G2", "2010-03-01", "\xFF\xFE") +
                           row("G3", "2010-03-01", "\xC0\x80") + row("G4", "2010-03-01", "\xED\xA0\x80") +
                           row("G5");
  expect_rows(text, 5, 2, "invalid UTF-8 in field 2");
  // The reject still names the record by its (readable) student_id.
  const LibRead lib = read_lib(text);
  ASSERT_EQ(lib.rejects.size(), 3u);
  EXPECT_EQ(lib.rejects[0].student_id, "G2");
  EXPECT_EQ(lib.rejects[1].student_id, "G3");
  EXPECT_EQ(lib.rejects[2].student_id, "G4");
}

TEST(HostileData, RejectsAreWrittenInFileOrder) {
  // Row 3 fails a pack check (born after the evaluation date: found by the
  // engine), row 4 a cell (found by the reader); the file lists 3 then 4.
  const fs::path dir = temp_dir("kcbx_hostile_order");
  write_file(dir / "students.csv", std::string(kHeader) + row("G1") + row("G2", "2030-01-01") +
                                       row("G3", "2010-13-01") + row("G4"));
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "students.csv").string()) +
                                     " --as-of 2019-11-15 --out " + shell_quote((dir / "out.csv").string()) +
                                     " --rejects " + shell_quote((dir / "rejects.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string rejects = read_file(dir / "rejects.csv");
  const size_t g2 = rejects.find("\n3,G2,"), g3 = rejects.find("\n4,G3,");
  ASSERT_NE(g2, std::string::npos) << rejects;
  ASSERT_NE(g3, std::string::npos) << rejects;
  EXPECT_LT(g2, g3) << rejects;
}

// The two-thread reader (a thread splits records, the caller validates)
// gives exactly what one thread gives: every batch, reject and count, over
// blocks of records and bytes that end anywhere, quoted line breaks, blank
// lines, broken records and a field larger than a block.
TEST(HostileData, TwoThreadReadingIsTheSameAsOne) {
  std::string text = kHeader;
  for (int i = 0; i < 7000; ++i) {
    const std::string id = "G" + std::to_string(i);
    if (i % 997 == 0) text += id + ",\"张\n三\",,2010-03-01,enrolled,2019-09-01,\"a,b\"\"c\"\n";
    else if (i % 1009 == 0) text += "\n\n";
    else if (i % 1013 == 0) text += id + ",\xFF,,2010-03-01,enrolled,2019-09-01,x\n";
    else if (i % 1019 == 0) text += row(id, "2010-13-01");
    else if (i % 3001 == 0) text += row(id, "2010-03-01", std::string(3u << 20, 'x'));
    else if (i % 2003 == 0) text += row("G1");  // duplicate
    else text += row(id);
  }
  auto read = [&](int threads, size_t batch_rows) {
    std::istringstream in(text);
    kcbx::ReadOptions o;
    o.threads = threads;
    o.batch_rows = batch_rows;
    kcbx::StudentReader reader(pack(), in, o);
    std::vector<std::string> got;
    kcbx::Batch batch;
    while (reader.next(batch)) {
      got.push_back("batch " + std::to_string(batch.size()));
      for (size_t i = 0; i < batch.size(); ++i)
        got.push_back(std::to_string(batch.row_number(i)) + " " + batch.cell(i, "student_id") + " " +
                      batch.cell(i, "name").substr(0, 20) + " " + batch.cell(i, "address"));
      for (const auto& r : reader.take_rejects())
        got.push_back("reject " + std::to_string(r.row) + " " + r.student_id + " " + r.reason);
    }
    for (const auto& r : reader.take_rejects())
      got.push_back("reject " + std::to_string(r.row) + " " + r.student_id + " " + r.reason);
    const kcbx::ReadCounts& c = reader.counts();
    got.push_back(std::to_string(c.read) + " = " + std::to_string(c.accepted) + " + " + std::to_string(c.rejected));
    return got;
  };
  for (size_t batch_rows : {size_t{1}, size_t{333}, size_t{65536}}) {
    const auto one = read(1, batch_rows);
    const auto two = read(2, batch_rows);
    ASSERT_EQ(one.size(), two.size()) << "batch_rows " << batch_rows;
    for (size_t k = 0; k < one.size(); ++k) ASSERT_EQ(one[k], two[k]) << "line " << k;
    EXPECT_GT(one.size(), 6900u);
  }
}

TEST(HostileData, RejectKeysAreMaskedBeforeTheyAreCut) {
  // A student number of 50 letters and an ID number: cut at 64 bytes, the
  // ID's first 14 digits would survive unmasked. And a 22-character Chinese
  // number is cut at a character boundary, not dropped.
  const std::string id = "522629200705162962";
  const std::string long_key = std::string(50, 'A') + id;
  std::string chinese;
  for (int i = 0; i < 22; ++i) chinese += "学";
  const std::string text = std::string(kHeader) + row(long_key) + row(long_key) + row(chinese) + row(chinese);
  const LibRead lib = read_lib(text);
  ASSERT_EQ(lib.rejects.size(), 2u) << joined_reasons(lib);
  EXPECT_EQ(lib.rejects[0].student_id.find("52262920070516"), std::string::npos) << lib.rejects[0].student_id;
  EXPECT_EQ(lib.rejects[0].student_id.substr(0, 50), std::string(50, 'A'));
  EXPECT_EQ(lib.rejects[1].student_id, chinese.substr(0, 63));  // 21 characters
}

TEST(HostileData, UnknownEncodingIsAUsageError) {
  const CliResult cli = classify_cli(std::string(kHeader) + row("G1"), "--encoding no-such-encoding");
  EXPECT_EQ(cli.run.code, 2) << cli.run.err;
  EXPECT_NE(cli.run.err.find("no-such-encoding"), std::string::npos) << cli.run.err;
}

TEST(HostileCli, GenerateForAPacksProvince) {
  // A Kunming pack (530100): kcbx generate --rules draws Kunming's counties;
  // an unknown province is a usage error.
  const fs::path dir = temp_dir("kcbx_generate_rules");
  write_file(dir / "km.yaml", "meta: {name: km, extends: guizhou, jurisdiction: \"530100\"}\n");
  const CliRun r = run_kcbx(dir, "generate --students 500 --stdout --rules " + shell_quote((dir / "km.yaml").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_NE(line.find(",5301"), std::string::npos) << line;
  }
  EXPECT_EQ(rows, 500);
  const CliRun bad = run_kcbx(dir, "generate --province 99 --stdout");
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("unknown province '99'"), std::string::npos) << bad.err;
  // --stdout and --out together: one would be ignored; a usage error.
  const CliRun both = run_kcbx(dir, "generate --students 5 --stdout --out " + shell_quote((dir / "gx").string()));
  EXPECT_EQ(both.code, 2) << both.err;
  EXPECT_FALSE(fs::exists(dir / "gx"));
}

TEST(HostileCli, DemoAndGenerateRefuseAPackThatCannotReadTheGeneratedRecords) {
  // A standalone pack keyed by 'sno': the generator writes Guizhou-format
  // records, which it cannot read. Refused before anything is generated,
  // naming the fields; demo failed at the events file before.
  const fs::path dir = temp_dir("kcbx_demo_standalone");
  write_file(dir / "sno.yaml",
             "meta: {name: sno_pack, jurisdiction: \"520000\"}\n"
             "fields:\n"
             "  sno: {alias: 学号, type: string, required: true, unique: true}\n"
             "  grade_level: {type: int, required: true}\n"
             "  registry: {type: string, required: true}\n"
             "  note: {type: string}\n");
  const std::string pack = shell_quote((dir / "sno.yaml").string());
  for (const std::string command :
       {"demo --students 50 --keep " + shell_quote((dir / "demo").string()) + " --rules " + pack,
        "generate --students 50 --stdout --rules " + pack}) {
    const CliRun r = run_kcbx(dir, command);
    EXPECT_EQ(r.code, 2) << command << "\n" << r.err;
    EXPECT_NE(r.err.find("Guizhou-format"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("its record key 'sno' (学号) or its required field 'grade_level';"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("'registry'"), std::string::npos) << r.err;  // the generator writes it
    EXPECT_EQ(r.err.find("'note'"), std::string::npos) << r.err;      // not required
    EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
  }
  EXPECT_FALSE(fs::exists(dir / "demo"));
}

TEST(HostileCli, GraphShowsTheFirstTwentyWarningsAndCountsTheRest) {
  const fs::path dir = temp_dir("kcbx_graph_warnings");
  std::string roster = "role,person,jurisdiction,phone\n";
  for (int i = 0; i < 205; ++i) roster += "no_such_role,P" + std::to_string(i) + ",520102,\n";
  write_file(dir / "officials.csv", roster);
  const CliRun r = run_kcbx(dir, "graph --officials " + shell_quote((dir / "officials.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  size_t warnings = 0;
  for (size_t at = r.err.find("warning:"); at != std::string::npos; at = r.err.find("warning:", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 20u) << r.err;
  EXPECT_NE(r.err.find("... and 185 more warnings (the first 20 of 205 are shown; --all-warnings shows them all)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("officials read 205 = accepted 0 + rejected 205"), std::string::npos) << r.err;
  EXPECT_LE(count_lines(r.err), 25u) << r.err;
  const CliRun all = run_kcbx(dir, "graph --all-warnings --officials " + shell_quote((dir / "officials.csv").string()));
  ASSERT_EQ(all.code, 0) << all.err;
  warnings = 0;
  for (size_t at = all.err.find("warning:"); at != std::string::npos; at = all.err.find("warning:", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 205u);
  EXPECT_EQ(all.err.find("more warnings"), std::string::npos);
}

// kcbx graph --students applies the pack's record checks as classify
// does: the same rows rejected, with the same reasons, and neither counted
// for coverage (read = accepted + rejected, as everywhere).
TEST(HostileCli, GraphRejectsTheRecordsThePacksChecksRefuse) {
  const fs::path dir = temp_dir("kcbx_graph_checks");
  write_file(dir / "officials.csv", "role,person,jurisdiction,phone\ncounty_head,甲,520102,1\n");
  write_file(dir / "students.csv",
             "student_id,id_number,birth_date,division_code,school_id,class_id,registry,last_attended\n"
             "G1,520102201003150014,2010-03-16,520102001001,S001,4-1,enrolled,\n"   // not the ID's birth date
             "G2,,2030-01-01,520102001001,S001,4-1,enrolled,\n"                    // born after as_of
             "G3,,2010-03-15,520102001001,S001,4-1,enrolled,2001-01-01\n"          // at school before birth
             "G4,,2010-03-15,520102001001,S001,4-1,enrolled,\n");                  // accepted
  const std::string files = " --officials " + shell_quote((dir / "officials.csv").string()) + " --students " +
                            shell_quote((dir / "students.csv").string());
  const CliRun r = run_kcbx(dir, "graph --as-of 2019-10-15" + files);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("students read 4 = accepted 1 + rejected 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("students.csv:2: warning: birth_date: birth_date does not match the birth date in id_number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("students.csv:3: warning: birth_date: the birth date is after the evaluation date"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("520102201003150014"), std::string::npos) << r.err;
  const CliRun classify = run_kcbx(dir, "classify --as-of 2019-10-15 --out - --students " +
                                            shell_quote((dir / "students.csv").string()));
  EXPECT_NE(classify.err.find("read 4 = accepted 1 + rejected 3"), std::string::npos) << classify.err;
  EXPECT_EQ(run_kcbx(dir, "graph --as-of 2019-13-01" + files).code, 2);
  const CliRun alone = run_kcbx(dir, "graph --as-of 2019-10-15 --officials " + shell_quote((dir / "officials.csv").string()));
  EXPECT_EQ(alone.code, 2);
  EXPECT_NE(alone.err.find("--as-of needs --students"), std::string::npos) << alone.err;
}

TEST(HostileCli, AnUnknownCommandIsNamedWithTheNearestOne) {
  const fs::path dir = temp_dir("kcbx_unknown_command");
  const CliRun r = run_kcbx(dir, "clasify --as-of 2019-09-15");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown command 'clasify'; did you mean 'classify'?"), std::string::npos) << r.err;
  const CliRun none = run_kcbx(dir, "");
  EXPECT_EQ(none.code, 2) << none.err;
}

// Messages quote the inputs, and an input can hold terminal control
// sequences: on stderr they are shown escaped, never obeyed (an ESC would
// recolour or retitle the terminal, a CR overwrite the line). Line breaks
// and tabs of the messages themselves stay.
TEST(HostileCli, ControlCharactersInInputsAreEscapedOnStderr) {
  const fs::path dir = temp_dir("kcbx_terminal");
  write_file(dir / "students.csv",
             "student_id,registry,birth_date\n"
             "G1,enro\x1b[31mlled,2010-03-01\n"
             "G2,\"left\rover\",2010-03-01\n"
             "G3,\xc2\x9b" "2J,2010-03-01\n"
             "G4,\x7f\x07,2010-03-01\n");
  const CliRun r = run_kcbx(dir, "classify --students " + shell_quote((dir / "students.csv").string()) +
                                     " --as-of 2019-11-15 --out " + shell_quote((dir / "out.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("'enro\\x1b[31mlled'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'left\\rover'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'\\u009b2J'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'\\x7f\\x07'"), std::string::npos) << r.err;
  for (const char c : r.err)
    EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 ? c != 0x7f : c == '\n' || c == '\t')
        << "control byte " << static_cast<int>(c) << " on stderr";
  EXPECT_EQ(r.err.find("\xc2\x9b"), std::string::npos);
  // A pack's keys are quoted in its errors likewise.
  write_file(dir / "pack.yaml", "meta:\n  name: x\n  nam\x1b[2Je: y\n");
  const CliRun v = run_kcbx(dir, "validate " + shell_quote((dir / "pack.yaml").string()));
  EXPECT_EQ(v.code, 1) << v.err;
  EXPECT_NE(v.err.find("nam\\x1b[2Je"), std::string::npos) << v.err;
  EXPECT_EQ(v.err.find('\x1b'), std::string::npos) << v.err;
}

TEST(HostileData, AGb18030FileReadAsUtf8GetsAHint) {
  // 学籍号 in GB18030: the header cannot be UTF-8.
  const std::string header = "\xD1\xA7\xBC\xAE\xBA\xC5,registry,birth_date\n";
  const CliResult cli = classify_cli(header + "G1,enrolled,2010-03-01\n", "");
  EXPECT_EQ(cli.run.code, 1) << cli.run.err;
  EXPECT_NE(cli.run.err.find("--encoding gb18030"), std::string::npos) << cli.run.err;
}

TEST(HostileData, InvalidGb18030) {
  // ASCII is the same in GB18030; the names are invalid GB18030 sequences.
  auto gb_row = [](const std::string& id, const std::string& name) {
    return id + "," + name + ",,2010-03-01,enrolled,2019-09-01,x\n";
  };
  const std::string text = std::string(kHeader) + gb_row("G1", "\xD5\xC5") +  // 张
                           gb_row("G2", "\x81\x20") + gb_row("G3", "\xFF") +
                           gb_row("G4", "\x81\x30\x81");
  expect_rows(text, 4, 1, "invalid gb18030 byte sequence in field 2", "gb18030");
}

TEST(HostileData, TenMegabyteField) {
  const std::string text = std::string(kHeader) + row("G1") +
                           row("G2", "2010-03-01", std::string(10u << 20, 'x')) + row("G3");
  expect_rows(text, 3, 2, "is longer than");
}

TEST(HostileData, AMillionColumns) {
  std::string wide;
  wide.reserve(8u << 20);
  for (int i = 0; i < 1000000; ++i) wide += (i ? ",c" : "c") + std::to_string(i);
  // In the header: the file cannot be used.
  expect_file_error(wide + "\n" + row("G1"), "bad-header");
  // In a record: that record is rejected.
  std::string cells;
  cells.reserve(2u << 20);
  for (int i = 0; i < 1000000; ++i) cells += i ? ",x" : "G2";
  expect_rows(std::string(kHeader) + row("G1") + cells + "\n" + row("G3"), 3, 2, "fields");
}

TEST(HostileData, NeverClosedQuote) {
  // A stray quote before a name: its line is read with the quote as text
  // and rejected; every record before and after it is kept (the quote
  // once swallowed the rest of the file into one record). The next line,
  // a whole record, shows it.
  std::string text = std::string(kHeader) + row("G1") + "G2,\"张三,,2010-03-01,enrolled,,x\n";
  for (int i = 3; i < 50; ++i) text += row("G" + std::to_string(i));
  expect_rows(text, 49, 48,
              "a quote opened in field 2 runs on into a line that holds a whole record; the line is read with the "
              "quote as text");
  // On the last line, no line follows: never closed.
  expect_rows(std::string(kHeader) + row("G1") + "G2,\"张三,,2010-03-01,enrolled,,x\n", 2, 1,
              "a quote opened in field 2 is never closed; the line is read with the quote as text");
}

TEST(HostileData, NulBytes) {
  const std::string text = std::string(kHeader) + row("G1") +
                           row("G2", "2010-03-01", std::string("a\0b", 3)) +
                           std::string("G3,\"x\0\",,2010-03-01,enrolled,,y\n", 32) + row("G4") +
                           std::string(100, '\0') + "\n" + row("G5");
  expect_rows(text, 6, 3, "NUL byte in record");
}

TEST(HostileData, DuplicateStudentIds) {
  const std::string text = std::string(kHeader) + row("G1") + row("G2") + row("G1") + row(" G2 ") +
                           row("G3");
  expect_rows(text, 5, 3, "duplicate student_id (first on row 2)");
}

TEST(HostileData, DuplicateHeaders) {
  expect_file_error("student_id,registry,student_id\nG1,enrolled,G1\n", "duplicate-column");
  expect_file_error("student_id,学籍号,registry,birth_date\nG1,G1,enrolled,2010-01-01\n",
                    "duplicate-column");
}

TEST(HostileData, HeaderOnlyAndEmpty) {
  expect_rows(kHeader, 0, 0, "");
  expect_rows(std::string(kHeader) + "\n\r\n\n", 0, 0, "");
  expect_file_error("", "empty-file");
  expect_file_error("\n\n\r\n", "empty-file");
}

TEST(HostileData, MissingRequiredColumn) {
  expect_file_error("name,birth_date\n张三,2010-01-01\n", "missing-column");
}

TEST(HostileData, ExtremeDates) {
  const std::string text = std::string(kHeader) + row("G1") + row("G2", "0000-00-00") +
                           row("G3", "9999-12-31") + row("G4", "0001-01-01") +
                           "G5,x,,2010-03-01,enrolled,9999-12-31,y\n" +
                           "G6,x,,2010-03-01,enrolled,0001-01-01,y\n" + row("G7", "2019-02-29") +
                           row("G8", "99999-01-01");
  // G2, G7 and G8 are not dates (row-level rejects by the reader); G3 is
  // born after the evaluation date, G4 is over 120 and G6 last attended
  // before it was born (the pack's checks).
  const LibRead lib = read_lib(text);
  EXPECT_EQ(lib.counts.read, 8);
  EXPECT_EQ(lib.counts.rejected, 3) << joined_reasons(lib);
  EXPECT_EQ(lib.check_rejects.size(), 3u) << joined_reasons(lib);
  const CliResult cli = classify_cli(text);
  ASSERT_EQ(cli.run.code, 0) << cli.run.err;
  EXPECT_EQ(cli.summary.read, 8);
  EXPECT_EQ(cli.summary.accepted, 2);
  EXPECT_EQ(cli.summary.rejected, 6);
}

TEST(HostileData, AgesOverOneHundredTwenty) {
  const std::string text = std::string(kHeader) + row("G1") + row("G2", "1890-01-01") +
                           row("G3", "1898-11-15") + row("G4", "1899-11-16") + row("G5", "1899-11-15");
  // G2 (129) and G3 (121) are refused; G4 (119) and G5 (exactly 120) are not.
  expect_rows(text, 5, 3, "the age is over 120 years");
}

TEST(HostileData, BornAfterTheEvaluationDate) {
  // G3, born on the evaluation date, has no last day at school (row()'s
  // 2019-09-01 would be before its birth, a reject of its own).
  const std::string text = std::string(kHeader) + row("G1") + row("G2", "2019-11-16") +
                           "G3,张三,,2019-11-15,enrolled,,花果园1组\n" + row("G4", "2030-01-01");
  expect_rows(text, 4, 2, "the birth date is after the evaluation date");
}

TEST(HostileData, RaggedAndBlankRecords) {
  const std::string text = std::string(kHeader) + row("G1") + "G2\n" + ",,,,,,\n" + " \n" +
                           "G3,a,,2010-03-01,enrolled,,b,extra\n" + "\r\n" + row("G4");
  expect_rows(text, 6, 2, "cells; the header has 7");
}

TEST(HostileData, GarbageThroughStdin) {
  // The same reconciliation when the file is a pipe.
  const fs::path dir = temp_dir("kcbx_hostile");
  std::string text = std::string(kHeader) + row("G1") + row("G1") + "G2,\xFF\n" + row("G3");
  write_file(dir / "in.csv", text);
  const CliRun r = run_shell(dir, "cat " + shell_quote((dir / "in.csv").string()) +
                                      " | \"$KCBX\" classify --students - --as-of 2019-11-15 --out " +
                                      shell_quote((dir / "out.csv").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto s = classify_summary(r.err);
  ASSERT_TRUE(s.has_value()) << r.err;
  EXPECT_EQ(s->read, 4);
  EXPECT_EQ(s->accepted, 2);
  EXPECT_EQ(s->rejected, 2);
}

TEST(HostileData, UniqueNonTextFieldsDoNotCollide) {
  // Regression: the unique-value set stored the value 0 as 1, so a unique
  // int (or date) field took 1 for a duplicate of 0.
  const kcbx::RulePack p = kcbx::parse_rules(
      "meta: {name: u, version: \"1\"}\n"
      "fields:\n"
      "  n: {type: int, required: true, unique: true}\n"
      "  d: {type: date, unique: true}\n"
      "tables:\n  t:\n    values: [a]\n    rows:\n      - {id: r, then: a}\n",
      "u.yaml");
  kcbx::BatchBuilder b(p);
  EXPECT_FALSE(kcbx::has_errors(b.set_columns({"n", "d"})));
  EXPECT_FALSE(b.add_row({"0", "1970-01-01"}, 2).has_value());
  EXPECT_FALSE(b.add_row({"1", "1970-01-02"}, 3).has_value());
  EXPECT_FALSE(b.add_row({"-1", "1969-12-31"}, 4).has_value());
  auto dup = b.add_row({"0", ""}, 5);
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->reason, "duplicate n (first on row 2)");
  dup = b.add_row({"7", "1970-01-01"}, 6);
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->reason, "duplicate d (first on row 2)");
  EXPECT_EQ(b.finish().size(), 3u);
}

}  // namespace

namespace {

TEST(HostileData, HugeNumbers) {
  // Regression (UBSan, signed overflow): a 19-digit whole number above
  // INT64_MAX was accumulated past the int64 range.
  const std::string head = "student_id,registry,birth_date,grade\n";
  const std::string text = head + "G1,enrolled,2010-03-01,9223372036854775807\n" +
                           "G2,enrolled,2010-03-01,9223372036854775808\n" +
                           "G3,enrolled,2010-03-01,9999999999999999999\n" +
                           "G4,enrolled,2010-03-01,-9999999999999999999\n" +
                           "G5,enrolled,2010-03-01,99999999999999999999999\n" +
                           "G6,enrolled,2010-03-01,-3\n" +
                           "G7,enrolled,2010-03-01,-9223372036854775808\n" +  // INT64_MIN is whole
                           "G8,enrolled,2010-03-01,+-3\n" + "G9,enrolled,2010-03-01,+12\n";
  expect_rows(text, 9, 4, "is too large for a whole number");
}

}  // namespace

namespace {

// ---- API use that sanitizers flagged --------------------------------------------

TEST(HostileApi, StringOutputsOutliveTheEvaluation) {
  // Regression (ASan heap-use-after-free): a string output holding a
  // constant ("none") viewed the evaluation frame's copy, freed when
  // classify() returned.
  const kcbx::RulePack p = kcbx::parse_rules(
      "meta: {name: s, version: \"1\"}\n"
      "fields:\n"
      "  student_id: {type: string, required: true, unique: true}\n"
      "  s: {type: string}\n"
      "parameters:\n  label: {type: string, value: '\"from-a-parameter\"'}\n"
      "derive:\n  v: coalesce(s, \"none\")\n  w: if is_null(s) then label else s\n"
      "tables:\n  t:\n    values: [a]\n    rows:\n      - {id: r, then: a}\n"
      "outputs: [v, w]\n",
      "s.yaml");
  kcbx::BatchBuilder b(p);
  ASSERT_FALSE(kcbx::has_errors(b.set_columns({"student_id", "s"})));
  for (int i = 0; i < 5000; ++i)
    ASSERT_FALSE(b.add_row({"S" + std::to_string(i), i % 3 ? "" : "given"}, i + 2).has_value());
  const kcbx::Batch batch = b.finish();
  for (int threads : {1, 3}) {
    const kcbx::BatchResult r =
        kcbx::Engine(p, kcbx::EngineOptions{.threads = threads, .batch_rows = 64}).classify(batch, kAsOf);
    // Reuse the freed memory before reading the outputs.
    std::vector<std::string> churn(2000, std::string(100, '#'));
    for (size_t i = 0; i < r.size(); ++i) {
      ASSERT_EQ(r.output(0, i), i % 3 ? "none" : "given") << i;
      ASSERT_EQ(r.output(1, i), i % 3 ? "from-a-parameter" : "given") << i;
    }
  }
}

TEST(HostileApi, TablesALeanClassifySkippedAreEmpty) {
  // Regression (UBSan): with all_tables false the other tables are not
  // computed; rule() and clause() indexed their empty vectors.
  const kcbx::Engine engine(pack());
  kcbx::BatchBuilder b(pack());
  ASSERT_FALSE(kcbx::has_errors(b.set_columns({"student_id", "registry", "birth_date"})));
  ASSERT_FALSE(b.add_row({"G1", "enrolled", "2010-03-01"}, 2).has_value());
  const kcbx::Batch batch = b.finish();
  kcbx::ClassifyOptions lean;
  lean.flags = lean.cases = lean.all_tables = false;
  const kcbx::BatchResult r = engine.classify(batch, kAsOf, lean);
  ASSERT_GT(r.table_count(), 1u);
  EXPECT_EQ(r.value(0, 0), "in_school");
  for (size_t t = 1; t < r.table_count(); ++t) {
    EXPECT_EQ(r.code(t, 0), -1);
    EXPECT_EQ(r.rule(t, 0), "");
    EXPECT_EQ(r.clause(t, 0), "");
  }
}

}  // namespace

namespace {

TEST(HostilePack, InvalidUtf8IsADiagnostic) {
  // Found by fuzz_pack: a version of "\xE9" reached Explanation::to_json,
  // whose JSON library threw type_error 316 (std::terminate in a caller that
  // only expects kcbx::Error).
  const std::string latin1 = "meta: {name: tiny, version: \"\xE9\"}\n";
  auto diags = kcbx::check_rules(latin1, "latin1.yaml");
  ASSERT_TRUE(has_code(diags, "not-utf8")) << codes(diags);
  EXPECT_EQ(diags.front().where.line, 1);
  // A pack saved as GBK by a Chinese editor (控辍保学): named on its line.
  diags = kcbx::check_rules("meta: {name: x}\nclauses:\n  D1: {zh: \"\xBF\xD8\xD7\xBA\xB1\xA3\xD1\xA7\"}\n", "gbk.yaml");
  ASSERT_TRUE(has_code(diags, "not-utf8")) << codes(diags);
  EXPECT_EQ(diags.front().where.line, 3);
  EXPECT_THROW((void)kcbx::parse_rules(latin1, "latin1.yaml"), kcbx::Error);
}

TEST(HostileApi, ExplanationJsonOfInvalidUtf8Values) {
  // Record cells from C++ or Python callers that are not UTF-8 are the
  // record's reject, as in a file; the JSON explanation never throws.
  const kcbx::RulePack p = kcbx::parse_rules(
      "meta: {name: j, version: \"1\"}\n"
      "fields:\n  student_id: {type: string, required: true}\n  s: {type: string}\n"
      "tables:\n  t:\n    values: [a, b]\n    rows:\n"
      "      - {id: r1, when: s = \"x\", then: a}\n      - {id: r2, then: b}\n",
      "j.yaml");
  const kcbx::Engine engine(p);
  kcbx::Record r;
  r.set("student_id", "G\xE9").set("s", "\xFF\xFE x");
  const kcbx::Explanation e = engine.explain(r, kAsOf);
  std::string json;
  EXPECT_NO_THROW(json = e.to_json());
  EXPECT_FALSE(e.accepted);
  ASSERT_EQ(e.rejects.size(), 1u);
  EXPECT_EQ(e.rejects[0].reason, "invalid UTF-8 in field 1");
  EXPECT_NE(json.find("invalid UTF-8 in field 1"), std::string::npos) << json;
}

}  // namespace

// ---- An integrator's misuse ------------------------------------------------

namespace {

// A stream whose buffer fails part-way (a disk, network or decompression
// error: the istream sets badbit) is not the end of the input: the reader
// throws instead of returning the first part as if it were all.
struct FailingBuf : std::streambuf {
  std::string data;
  size_t pos = 0, good;
  FailingBuf(std::string d, size_t g) : data(std::move(d)), good(g) {}
  int_type underflow() override {
    if (pos >= good) throw std::runtime_error("EIO");
    const size_t n = std::min<size_t>(4096, good - pos);
    char* p = data.data() + pos;
    pos += n;
    setg(p, p, p + n);
    return traits_type::to_int_type(*p);
  }
};

TEST(IntegratorMisuse, AStreamThatFailsIsNotTheEndOfTheInput) {
  std::string csv = "student_id,registry,birth_date,last_attended\n";
  for (int i = 0; i < 50000; ++i) csv += "G" + std::to_string(100000 + i) + ",enrolled,2010-05-01,2019-09-01\n";
  for (int threads : {1, 2}) {
    FailingBuf fb(csv, csv.size() / 2);
    std::istream in(&fb);
    kcbx::ReadOptions o;
    o.threads = threads;
    try {
      (void)kcbx::read_students(kcbx::default_rules(), in, o);
      ADD_FAILURE() << "a failed stream read as its end, threads " << threads;
    } catch (const kcbx::Error& e) {
      ASSERT_EQ(e.diagnostics().size(), 1u);
      EXPECT_EQ(e.diagnostics()[0].code, "read-error");
    }
  }
  // A whole stream still reads whole.
  std::istringstream whole(csv);
  EXPECT_EQ(kcbx::read_students(kcbx::default_rules(), whole).counts.read, 50000);
}

// batch_rows 0 is the default, as EngineOptions' 0 is, not a reader that
// reads nothing.
TEST(IntegratorMisuse, ZeroBatchRowsReadsEveryRecord) {
  std::string csv = "student_id,registry,birth_date,last_attended\n";
  for (int i = 0; i < 1000; ++i) csv += "G" + std::to_string(i) + ",enrolled,2010-05-01,2019-09-01\n";
  std::istringstream in(csv);
  kcbx::ReadOptions o;
  o.batch_rows = 0;
  kcbx::StudentReader reader(kcbx::default_rules(), in, o);
  kcbx::Batch batch;
  size_t rows = 0;
  while (reader.next(batch)) rows += batch.size();
  EXPECT_EQ(rows, 1000u);
  EXPECT_EQ(reader.counts().read, 1000);
}

// A pack or engine moved from is still the same pack or engine (a move
// copies), never an empty one that crashes on its next call.
TEST(IntegratorMisuse, MovedFromPacksAndEnginesStillWork) {
  kcbx::RulePack a = kcbx::default_rules();
  const kcbx::RulePack b = std::move(a);
  EXPECT_EQ(a.name(), b.name());  // NOLINT(bugprone-use-after-move): the point
  kcbx::Engine e(b);
  const kcbx::Engine f = std::move(e);
  kcbx::Record r;
  r.set("student_id", "G1").set("registry", "enrolled").set("birth_date", "2010-05-01");
  const kcbx::Date day = *kcbx::Date::parse("2019-11-15");
  EXPECT_EQ(e.explain(r, day).decisions.at(0).value,  // NOLINT(bugprone-use-after-move)
            f.explain(r, day).decisions.at(0).value);
}

// An ID number in what the caller gave (a path) is masked in the error.
TEST(IntegratorMisuse, AnIdNumberInAPathIsMaskedInTheError) {
  try {
    (void)kcbx::read_students(kcbx::default_rules(), "/nonexistent/520102201003151236.csv");
    ADD_FAILURE() << "no error";
  } catch (const kcbx::Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("520102201003151236"), std::string::npos) << what;
    EXPECT_NE(what.find("520102********1236"), std::string::npos) << what;
  }
}

}  // namespace
