// Deterministic synthetic-province data for `kcbx generate`: a students
// file, the case events of absent children and the officials roster, in a
// province's real counties (Guizhou's unless told) with generated townships,
// villages, schools and classes, for demos, tests and benchmarks. The
// records have the Guizhou pack's fields. No real person is described.
//
//   kcbx::detail::GenerateOptions options;
//   options.students = 100000;
//   options.as_of = *kcbx::Date::parse("2019-11-15");
//   std::ofstream students("students.csv"), events("events.csv");
//   kcbx::detail::generate(options, {&students, &events, nullptr});
#ifndef KCBX_GENERATE_GENERATE_H_
#define KCBX_GENERATE_GENERATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kcbx/date.h"
#include "kcbx/rule_pack.h"

namespace kcbx::detail {

// The roster and case events a pack's workflow asks for (kcbx generate
// --rules, kcbx demo --rules): its roles, each at a kind of post the
// generated records have, and its stages in order. Without one, the
// generator writes Guizhou's roles and events.
struct GeneratePlan {
  enum class Post { kCounty, kTownship, kVillage, kSchool, kClass };
  struct Role {
    std::string name;
    Post post = Post::kCounty;
  };
  struct Step {
    std::string event;    // the event type written
    int role = -1;        // index into roles; -1: a role no post holds (no person)
    int count = 1;        // events that complete the stage
    int due_days = 0;     // the stage's deadline in days; 0: none
    bool from_case_opened = false;  // the deadline counts from the case's start, not the stage's
  };
  std::vector<Role> roles;  // one person per role and jurisdiction
  std::vector<Step> steps;  // a case's stages in order
  std::string closing;      // the event that ends a case (the child is back)
};

struct GenerateOptions {
  // Number of student rows. 0 writes the header lines only.
  int64_t students = 10000;
  // The same options give byte-identical output; another seed other data.
  uint64_t seed = 1;
  // The evaluation date the data is realistic for: ages, absences and
  // events are placed relative to it (e.g. 2019-11-15).
  Date as_of;
  // The 2-digit GB/T 2260 prefix of the province whose counties the data
  // is drawn from ("52" Guizhou, "53" Yunnan, ...); empty: Guizhou, unless
  // `prefectures` say where.
  std::string province;
  // 4-digit prefecture prefixes to draw counties from ("5201", "5227", ...),
  // within `province` when it is given; empty means every prefecture of
  // the province.
  std::vector<std::string> prefectures;
  // The roster's roles and the events' stages; none: Guizhou's.
  std::optional<GeneratePlan> plan;
  // The pack whose cases the events follow: a child gets events only when
  // this pack opens a case for its record on as_of, and they start on the
  // day the case opens (the pack's thresholds, ages and statuses, not a
  // copy of Guizhou's here). Null: the embedded default pack.
  std::shared_ptr<const RulePack> rules;
};

// Where each file goes; a null stream is not written (the data behind it is
// still generated, so the other files and the stats do not change), except
// that without an events stream no events are made (stats.events is 0; the
// other files are the same).
struct GenerateSinks {
  std::ostream* students = nullptr;
  std::ostream* events = nullptr;
  std::ostream* officials = nullptr;
};

// Rows written (or that would have been written to a null sink; no events
// without an events sink, see GenerateSinks), and the
// jurisdictions that the student rows use.
struct GenerateStats {
  int64_t students = 0;
  int64_t events = 0;
  int64_t officials = 0;
  int64_t counties = 0;
  int64_t townships = 0;
  int64_t villages = 0;
  int64_t schools = 0;
  int64_t classes = 0;
};

// Generates the three CSV files (UTF-8, header line, no BOM):
//   students   student_id,name,id_number,birth_date,gender,division_code,
//              school_id,grade,class_id,registry,last_attended,
//              absence_excused,poor,disabled,orphan,left_behind,
//              special_hardship,serious_illness,no_hukou,boarding,guardian,
//              address,dropout_reason,aid
//   events     student_id,date,type,person,note
//   officials  role,person,jurisdiction,phone
// The number of counties grows with `students` (about 68,000 per county, so
// 6 million cover all 88), each county has ~17 townships of ~11 villages and
// ~7 schools. Rows are produced township by township and streamed, so memory
// does not grow with `students`. The roster names exactly one person per role
// and jurisdiction that the student rows use, and events name those persons.
// Throws std::invalid_argument for students < 0 or > 10^12 or an unknown
// province or prefecture, std::runtime_error when a sink fails to write. Thread-safe
// (no shared state).
GenerateStats generate(const GenerateOptions& options,
                       const GenerateSinks& sinks);

// The header of the students file generate() writes, in order: the Guizhou
// pack's field names (see generate()). Its first column, the record key, is
// also the first column of the events file. What `kcbx demo` checks a pack
// against before it generates anything.
std::span<const std::string_view> student_columns();

// Draws the data from the division a pack is for, given its
// meta.jurisdiction: "530000" Yunnan, "530100" Kunming (prefectures given
// already are kept). False when the code does not start with two digits;
// check_generate_options then tells an unknown province.
bool place_in(std::string_view jurisdiction, GenerateOptions& options);

// Sets `options` to generate for `pack`: the province or prefecture its
// meta.jurisdiction names, the roster of its roles, the events of its
// workflow's stages, and its cases (GenerateOptions::rules). Throws
// std::invalid_argument when the pack names no jurisdiction, or cannot read
// the generated records (a record key or required field the Guizhou-format
// files have no column for).
void generate_for_pack(const RulePack& pack, GenerateOptions& options);

// The std::invalid_argument generate() would throw for these options, before
// any file is opened (the command line turns it into a usage error).
void check_generate_options(const GenerateOptions& options);

// A county-level division of GB/T 2260 (2019-04), embedded from
// data/gb2260-codes.tsv by tools/gen_counties.py.
struct County {
  int32_t code;  // 6 digits, e.g. 520102
  std::string_view name;  // e.g. "南明区"
};
// The county-level divisions of a province ("52": Guizhou's 88), in code
// order; empty for an unknown prefix.
std::span<const County> province_counties(std::string_view province);

}  // namespace kcbx::detail

#endif  // KCBX_GENERATE_GENERATE_H_
