#include "generate/generate.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/id_number.h"
#include "kcbx/batch.h"
#include "kcbx/engine.h"

namespace kcbx::detail {
namespace {

constexpr County kCounties[] = {
#include "counties.inc"
};

// About 6 million children of compulsory-school age in Guizhou's 88
// counties: one county per 68,000 requested students (the same density for
// every province).
constexpr int64_t kStudentsPerCounty = 68'000;
// Keeps n * weight (weights < 2^12) within int64.
constexpr int64_t kMaxStudents = 1'000'000'000'000;
constexpr int64_t kMaxClassSize = 45;                // classes = ceil(n / 45)

// ---------------------------------------------------------------------------
// Randomness. std:: distributions are implementation-defined and differ
// between standard libraries, so every draw below is integer arithmetic on
// a locally implemented xoshiro256** stream: same options, same bytes, on
// any platform.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t s = a;
  s = splitmix64(s) ^ b;
  return splitmix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) by Lemire's multiply-shift (bias < n / 2^32).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * n) >> 32);
  }
  int between(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
  }
  // True with probability ppm / 1,000,000.
  bool chance(uint32_t ppm) { return below(1'000'000) < ppm; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Splits n into parts proportional to `weights` (each < 2^12); the
// remainder goes one each to the parts from `start` on.
void allocate(int64_t n, std::span<const uint32_t> weights,
              std::span<int64_t> out, uint32_t start) {
  int64_t total = 0;
  for (uint32_t w : weights) total += w;
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    out[i] = n * static_cast<int64_t>(weights[i]) / total;
    given += out[i];
  }
  const size_t parts = weights.size();
  for (int64_t k = 0; k < n - given; ++k) {
    ++out[(start + static_cast<size_t>(k)) % parts];
  }
}

// ---------------------------------------------------------------------------
// Names and places. Every entry is one CJK character (3 bytes of UTF-8).

struct Weighted {
  std::string_view text;
  uint32_t weight;
};

// Common surnames, weighted roughly as in Guizhou (杨, 王, 李, 张, 吴, 罗, 龙
// lead; 龙, 潘, 石, 韦, 蒙 are frequent among the Miao, Dong and Buyi).
constexpr Weighted kSurnames[] = {
    {"杨", 60}, {"王", 55}, {"李", 55}, {"张", 45}, {"刘", 35}, {"陈", 35},
    {"吴", 35}, {"罗", 30}, {"龙", 22}, {"周", 18}, {"黄", 18}, {"赵", 15},
    {"胡", 14}, {"徐", 12}, {"朱", 12}, {"何", 12}, {"田", 12}, {"潘", 12},
    {"石", 11}, {"韦", 10}, {"陆", 9},  {"蒙", 8},  {"郭", 10}, {"马", 10},
    {"孙", 9},  {"高", 9},  {"林", 8},  {"郑", 8},  {"梁", 8},  {"谢", 8},
    {"宋", 7},  {"唐", 8},  {"许", 7},  {"韩", 6},  {"冯", 7},  {"邓", 8},
    {"曹", 6},  {"彭", 7},  {"曾", 7},  {"肖", 6},  {"董", 6},  {"袁", 7},
    {"蔡", 5},  {"蒋", 6},  {"余", 7},  {"杜", 5},  {"叶", 5},  {"程", 5},
    {"魏", 5},  {"苏", 5},  {"吕", 4},  {"丁", 4},  {"任", 5},  {"卢", 5},
    {"姚", 5},  {"沈", 4},  {"钟", 4},  {"姜", 4},  {"崔", 3},  {"谭", 5},
    {"范", 4},  {"汪", 4},  {"廖", 5},  {"金", 4},  {"贾", 3},  {"夏", 4},
    {"付", 4},  {"方", 4},  {"邹", 4},  {"熊", 5},  {"白", 3},  {"孟", 3},
    {"秦", 3},  {"邱", 3},  {"侯", 3},  {"江", 3},  {"尹", 3},  {"薛", 3},
    {"段", 3},  {"雷", 4},  {"黎", 4},  {"史", 3},  {"陶", 4},  {"贺", 3},
    {"毛", 3},  {"龚", 3},  {"邵", 3},  {"覃", 3},  {"向", 4},  {"安", 4},
    {"文", 3},  {"令狐", 1}, {"欧阳", 1},
};

constexpr std::string_view kMaleChars[] = {
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "斌", "鹏",
    "飞", "浩", "宇", "轩", "博", "文", "俊", "豪", "志", "鑫", "毅", "峰",
    "刚", "辉", "亮", "健", "龙", "林", "成", "华", "建", "国", "平", "东",
    "兴", "波", "晨", "睿", "泽", "航", "天", "瑞", "宏", "永", "正", "德",
    "远", "江", "海", "阳", "凯", "松", "荣", "贵", "福", "旭", "恒", "铭"};
constexpr std::string_view kFemaleChars[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪",
    "慧", "莹", "琳", "欣", "悦", "怡", "佳", "梦", "诗", "雨", "涵", "萱",
    "晴", "彤", "颖", "洁", "璐", "倩", "露", "红", "梅", "兰", "英", "凤",
    "秀", "春", "月", "琴", "蓉", "妍", "瑶", "艺", "菲", "琪", "桂", "珍"};
constexpr std::string_view kSharedChars[] = {
    "子", "梓", "一", "嘉", "思", "家", "小", "欣", "可", "安", "金", "玉",
    "云", "之", "若", "明", "晓", "文", "永", "春"};

// Place names: a first and a second character (40 x 32 = 1280 names).
constexpr std::string_view kPlaceFirst[] = {
    "大", "小", "新", "红", "青", "白", "高", "长", "石", "水", "龙", "凤",
    "黄", "马", "平", "安", "兴", "德", "太", "云", "中", "上", "下", "东",
    "西", "南", "北", "金", "银", "花", "桃", "杉", "竹", "松", "茶", "鸡",
    "牛", "羊", "乐", "木"};
constexpr std::string_view kPlaceSecond[] = {
    "坝", "寨", "岩", "山", "河", "田", "坪", "场", "关", "桥", "沟", "湾",
    "塘", "冲", "坡", "堡", "屯", "营", "溪", "井", "洞", "林", "江", "口",
    "头", "脚", "湖", "园", "庄", "坎", "垭", "哨"};
constexpr uint32_t kPlaceNames =
    std::size(kPlaceFirst) * std::size(kPlaceSecond);
// Stepping through place names by a number coprime with 1280 gives distinct
// names to the townships of a county and to the villages of a township.
constexpr uint32_t kPlaceStep = 37;

std::string place_name(uint32_t index) {
  index %= kPlaceNames;
  std::string out(kPlaceFirst[index / std::size(kPlaceSecond)]);
  out += kPlaceSecond[index % std::size(kPlaceSecond)];
  return out;
}

template <size_t N>
std::string_view pick(Rng& rng, const std::string_view (&list)[N]) {
  return list[rng.below(static_cast<uint32_t>(N))];
}

// A name of at most 2 + 2 characters, built in place.
struct Name {
  char bytes[24];
  uint8_t size = 0;
  void add(std::string_view s) {
    std::memcpy(bytes + size, s.data(), s.size());
    size = static_cast<uint8_t>(size + s.size());
  }
  std::string_view view() const { return {bytes, size}; }
};

class NameMaker {
 public:
  NameMaker() {
    for (uint16_t i = 0; i < std::size(kSurnames); ++i) {
      for (uint32_t k = 0; k < kSurnames[i].weight; ++k) table_.push_back(i);
    }
  }
  std::string_view surname(Rng& rng) const {
    return kSurnames[table_[rng.below(static_cast<uint32_t>(table_.size()))]]
        .text;
  }
  Name make(Rng& rng, bool male, std::string_view family) const {
    Name n;
    n.add(family);
    const bool two = rng.chance(720'000);
    if (two) {
      n.add(rng.chance(300'000) ? pick(rng, kSharedChars)
                                : male ? pick(rng, kMaleChars)
                                       : pick(rng, kFemaleChars));
    }
    n.add(male ? pick(rng, kMaleChars) : pick(rng, kFemaleChars));
    return n;
  }
  Name make(Rng& rng, bool male) const {
    return make(rng, male, surname(rng));
  }

 private:
  std::vector<uint16_t> table_;
};

// ---------------------------------------------------------------------------
// Output: rows are formatted into one reused buffer per file and written in
// 1 MiB blocks.

class Sink {
 public:
  static constexpr ptrdiff_t kCapacity = 1 << 20;
  static constexpr ptrdiff_t kRowMax = 8192;  // longest row is < 1 KiB

  explicit Sink(std::ostream* os) : os_(os) {
    if (os_ != nullptr) buf_ = std::make_unique<char[]>(kCapacity);
    p_ = buf_.get();
  }
  bool on() const { return os_ != nullptr; }
  // Call before each row: guarantees kRowMax bytes of room.
  void begin_row() {
    if (p_ - buf_.get() > kCapacity - kRowMax) flush();
  }
  void flush() {
    if (os_ == nullptr) return;
    os_->write(buf_.get(), p_ - buf_.get());
    p_ = buf_.get();
    if (!*os_) throw std::runtime_error("kcbx generate: cannot write output");
  }
  void put(char c) { *p_++ = c; }
  void put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // RFC 4180: quoted only when it contains a comma, quote or line break.
  // (A plain byte loop: string_view::find_first_of calls memchr per byte.)
  void put_field(std::string_view s) {
    bool plain = true;
    for (char c : s) {
      plain &= c != ',' && c != '"' && c != '\n' && c != '\r';
    }
    if (plain) return put(s);
    put('"');
    for (char c : s) {
      if (c == '"') put('"');
      put(c);
    }
    put('"');
  }
  void put_digits(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p_[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p_ += width;
  }
  void put_uint(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(tmp[--n]);
  }
  void put_date(Date d) { put_date(civil_from_days(d.days())); }
  void put_date(const YearMonthDay& c) {
    put_digits(static_cast<uint64_t>(c.year), 4);
    put('-');
    put_digits(static_cast<uint64_t>(c.month), 2);
    put('-');
    put_digits(static_cast<uint64_t>(c.day), 2);
  }
  void put_bool(bool b) { put(b ? '1' : '0'); }

  // For a scratch sink that holds one row at a time: forget what was put.
  void rewind() { p_ = buf_.get(); }
  std::string_view text() const { return {buf_.get(), static_cast<size_t>(p_ - buf_.get())}; }

 private:
  std::ostream* os_;
  std::unique_ptr<char[]> buf_;
  char* p_ = nullptr;
};

// ---------------------------------------------------------------------------
// The model.

enum class Registry : uint8_t {
  kNone, kEnrolled, kHomeTeaching, kSuspended, kDeferred, kLeft, kCompleted
};
constexpr std::string_view kRegistryNames[] = {
    "none", "enrolled", "home_teaching", "suspended",
    "deferred", "left", "completed"};

enum class TownKind : uint8_t { kStreet, kTown, kXiang };
constexpr std::string_view kTownSuffix[] = {"街道", "镇", "乡"};

// Guizhou's roster, in this order (the indices below); a pack's plan
// brings its own.
enum Role : uint8_t {
  kCountyHead, kBureauDirector, kTownshipHead, kVillageDirector, kPrincipal,
  kTeacher
};
using Post = GeneratePlan::Post;
const std::vector<GeneratePlan::Role>& guizhou_roles() {
  static const std::vector<GeneratePlan::Role> roles = {
      {"county_head", Post::kCounty},     {"bureau_director", Post::kCounty}, {"township_head", Post::kTownship},
      {"village_director", Post::kVillage}, {"principal", Post::kSchool},     {"teacher", Post::kClass}};
  return roles;
}

constexpr std::string_view kReasons[] = {"厌学", "外出务工", "家庭贫困",
                                         "疾病", "早婚", "其他"};

// Cohort sizes by grade (index 1..9): junior cohorts are a little smaller.
constexpr uint32_t kGradeWeights[9] = {1020, 1010, 1000, 1000, 990,
                                       980,  960,  950,  940};

bool is_weekend(Date d) {
  // 1970-01-01 was a Thursday; (days + 4) % 7: 0 = Sunday, 6 = Saturday.
  const int32_t w = ((d.days() + 4) % 7 + 7) % 7;
  return w == 0 || w == 6;
}

// The last school day on or before d (weekends only; holidays are ignored).
Date school_day_on_or_before(Date d) {
  while (is_weekend(d)) d = Date::from_days(d.days() - 1);
  return d;
}

// The cells of one row Sink wrote (quoted only when a cell holds a comma,
// quote or line break; a quote inside doubled), without its line break.
void split_row(std::string_view row, std::vector<std::string>& cells) {
  cells.clear();
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (quoted) {
      if (c != '"') cell += c;
      else if (i + 1 < row.size() && row[i + 1] == '"') cell += row[++i];
      else quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',' || c == '\n') {
      cells.push_back(std::move(cell));
      cell.clear();
      if (c == '\n') return;
    } else {
      cell += c;
    }
  }
  cells.push_back(std::move(cell));
}

// Whether, and from which day, a pack opens a case for generated records:
// the events follow the pack's own statuses, thresholds and ages (a pack
// whose suspicion starts after 10 days has cases from day 11; a child
// past compulsory-education age has none), never a copy of them here.
// Rows are classified a township at a time, one batch each.
class CaseOpener {
 public:
  CaseOpener(RulePack rules, Date as_of)
      : rules_(std::move(rules)), engine_(rules_, EngineOptions{.threads = 1}), as_of_(as_of) {
    (void)builder();  // a pack that cannot read the records is told so up front
  }

  // For each row: the day its case opens (on or before as_of), or none.
  std::vector<std::optional<Date>> open(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::optional<Date>> out(rows.size());
    std::vector<size_t> added;  // row of each record of the batch
    std::vector<std::string_view> cells;
    // A builder a batch: one for the whole run would remember every key
    // for its duplicate check, which generated keys never need.
    BatchBuilder b = builder();
    for (size_t k = 0; k < rows.size(); ++k) {
      cells.assign(rows[k].begin(), rows[k].end());
      if (!b.add_row(cells, static_cast<int64_t>(k) + 2)) added.push_back(k);
    }
    const Batch batch = b.finish();
    if (batch.size() == 0) return out;
    ClassifyOptions what;
    what.flags = what.all_tables = what.outputs = false;
    const BatchResult result = engine_.classify(batch, as_of_, what);
    for (size_t j = 0; j < added.size(); ++j) {
      if (result.rejected(j) || !result.case_open(j)) continue;
      const std::optional<Date> on = result.case_opened_on(j);
      out[added[j]] = on && *on < as_of_ ? *on : as_of_;
    }
    return out;
  }

 private:
  BatchBuilder builder() const {
    BatchBuilder b(rules_);
    const std::vector<std::string> header(student_columns().begin(), student_columns().end());
    for (const Diagnostic& d : b.set_columns(header, "generated students"))
      if (d.severity == Severity::kError)
        throw std::invalid_argument("the pack '" + rules_.name() + "' cannot read the generated records: " +
                                    d.message);
    return b;
  }

  RulePack rules_;
  Engine engine_;
  Date as_of_;
};

struct TownshipPlan {
  int64_t code;  // 9 digits
  TownKind kind;
  uint32_t name;
  uint32_t weight;
};

struct Student {
  bool male;
  int grade;
  Registry registry;
  Date birth;
  bool has_last = false;
  Date last_attended;
  bool excused = false;
  bool poor, disabled, orphan, left_behind, special_hardship, serious_illness,
      no_hukou, boarding;
  int reason = -1;  // index into kReasons
};

class Generator {
 public:
  Generator(const GenerateOptions& options, const GenerateSinks& sinks)
      : opt_(options),
        students_(sinks.students),
        events_(sinks.events),
        officials_(sinks.officials),
        scratch_(&scratch_stream_),
        roles_(options.plan ? options.plan->roles : guizhou_roles()) {
    // Without an events file no events are made: they draw on generators
    // of their own, so the other files are the same either way.
    if (events_.on()) opener_.emplace(options.rules ? *options.rules : default_rules(), options.as_of);
    today_ = options.as_of.ymd();
    const YearMonthDay& today = today_;
    // The school year starts on 1 September.
    const int school_year = today.month >= 9 ? today.year : today.year - 1;
    // Cohort k (= grade, shifted for early or late entry) is born between
    // 1 September of school_year - 6 - k and 31 August a year later.
    for (int k = 0; k < kCohorts; ++k) {
      cohort_start_[k] = Date::from_ymd(school_year - 6 - k, 9, 1);
      cohort_days_[k] = Date::from_ymd(school_year - 5 - k, 9, 1).days() -
                        cohort_start_[k].days();
    }
    id_base_ = cohort_start_[kCohorts - 1].days();
    const size_t span = static_cast<size_t>(
        cohort_start_[0].days() + cohort_days_[0] - id_base_);
    for (auto& c : id_counters_) c.resize(span);
  }

  GenerateStats run() {
    if (students_.on()) {
      std::string header;
      for (const std::string_view c : student_columns()) (header += header.empty() ? "" : ",") += c;
      students_.put(header + "\n");
    }
    if (events_.on()) events_.put(std::string(student_columns().front()) + ",date,type,person,note\n");
    if (officials_.on()) officials_.put("role,person,jurisdiction,phone\n");

    const std::vector<County> counties = choose_counties();
    Rng rng(mix(opt_.seed, 0xC0C0));
    std::vector<uint32_t> weights(counties.size());
    for (uint32_t& w : weights) w = static_cast<uint32_t>(rng.between(60, 140));
    std::vector<int64_t> counts(counties.size());
    if (!counties.empty()) {
      allocate(opt_.students, weights, counts,
               rng.below(static_cast<uint32_t>(counties.size())));
    }
    for (size_t i = 0; i < counties.size(); ++i) {
      if (counts[i] > 0) county(counties[i], counts[i]);
    }
    students_.flush();
    events_.flush();
    officials_.flush();
    return stats_;
  }

 private:
  static constexpr int kCohorts = 13;  // grade 1 born late .. grade 9 + 3

  std::vector<County> choose_counties() const {
    std::vector<County> candidates;
    for (const County& c : kCounties) {
      const std::string code = std::to_string(c.code);
      const bool chosen =
          opt_.prefectures.empty()
              ? code.starts_with(opt_.province.empty() ? "52" : opt_.province)
              : std::find(opt_.prefectures.begin(), opt_.prefectures.end(),
                          code.substr(0, 4)) != opt_.prefectures.end();
      if (chosen) candidates.push_back(c);
    }
    if (opt_.students == 0) return {};
    const int64_t wanted = std::clamp<int64_t>(
        (opt_.students + kStudentsPerCounty / 2) / kStudentsPerCounty, 1,
        static_cast<int64_t>(candidates.size()));
    // A seeded partial Fisher-Yates shuffle picks which counties; output
    // follows code order.
    Rng rng(mix(opt_.seed, 0xC0));
    for (int64_t i = 0; i < wanted; ++i) {
      const auto left = static_cast<uint32_t>(
          candidates.size() - static_cast<size_t>(i));
      std::swap(candidates[static_cast<size_t>(i)],
                candidates[static_cast<size_t>(i) + rng.below(left)]);
    }
    candidates.resize(static_cast<size_t>(wanted));
    std::sort(candidates.begin(), candidates.end(),
              [](const County& a, const County& b) {
                return a.code < b.code;
              });
    return candidates;
  }

  void county(const County& c, int64_t n) {
    county_ = &c;
    county_serial_ = 0;
    for (auto& counters : id_counters_) {
      std::fill(counters.begin(), counters.end(), uint16_t{0});
    }
    ++stats_.counties;
    posts(Post::kCounty, static_cast<uint64_t>(c.code));

    Rng rng(mix(opt_.seed, static_cast<uint64_t>(c.code)));
    const int nt = rng.between(12, 22);
    // Districts (区) are mostly urban streets; counties and county-level
    // cities have a seat of one to three streets, then towns, then xiang.
    const bool district = c.name.ends_with("区");
    const bool city = c.name.ends_with("市");
    const int streets = district ? std::max(1, nt * 4 / 10)
                        : city   ? 3
                                 : rng.between(1, 2);
    const int towns = district ? nt - streets : (nt - streets) * 7 / 10;
    const uint32_t name_base = rng.below(kPlaceNames);
    std::vector<TownshipPlan> plans(static_cast<size_t>(nt));
    std::vector<uint32_t> weights(plans.size());
    int next_code[3] = {1, 100, 200};
    for (int t = 0; t < nt; ++t) {
      TownshipPlan& p = plans[static_cast<size_t>(t)];
      p.kind = t < streets           ? TownKind::kStreet
               : t < streets + towns ? TownKind::kTown
                                     : TownKind::kXiang;
      p.code = int64_t{c.code} * 1000 + next_code[static_cast<int>(p.kind)]++;
      p.name = name_base + static_cast<uint32_t>(t) * kPlaceStep;
      p.weight = static_cast<uint32_t>(rng.between(40, 160));
      weights[static_cast<size_t>(t)] = p.weight;
    }
    std::vector<int64_t> counts(plans.size());
    allocate(n, weights, counts, rng.below(static_cast<uint32_t>(nt)));
    for (size_t t = 0; t < plans.size(); ++t) {
      if (counts[t] > 0) township(plans[t], counts[t]);
    }
  }

  void township(const TownshipPlan& plan, int64_t n) {
    Rng rng(mix(mix(opt_.seed, static_cast<uint64_t>(plan.code)), 0x7A));
    ++stats_.townships;
    posts(Post::kTownship, static_cast<uint64_t>(plan.code));
    rural_ = plan.kind != TownKind::kStreet;
    township_code_ = plan.code;

    // Villages: codes 201.. (village committees), weighted by population.
    const int nv = rng.between(7, 15);
    village_cum_.assign(static_cast<size_t>(nv), 0);
    village_address_.assign(static_cast<size_t>(nv), std::string());
    const uint32_t village_base = rng.below(kPlaceNames);
    const std::string town_address =
        std::string(county_->name) + place_name(plan.name) +
        std::string(kTownSuffix[static_cast<int>(plan.kind)]);
    uint32_t total = 0;
    for (int v = 0; v < nv; ++v) {
      total += static_cast<uint32_t>(rng.between(30, 170));
      village_cum_[static_cast<size_t>(v)] = total;
      village_address_[static_cast<size_t>(v)] =
          town_address +
          place_name(village_base + static_cast<uint32_t>(v) * kPlaceStep) +
          "村";
    }
    std::vector<char> village_used(static_cast<size_t>(nv), 0);

    // Schools: 01 the junior middle school (grades 7-9), 02 the central
    // primary school, 03.. village primary schools (grades 1-6).
    const int ns = rng.between(5, 9);
    std::vector<uint32_t> primary_weights(static_cast<size_t>(ns - 1));
    primary_weights[0] = 300;
    for (size_t s = 1; s < primary_weights.size(); ++s) {
      primary_weights[s] = static_cast<uint32_t>(rng.between(60, 140));
    }
    int64_t by_grade[9];
    allocate(n, kGradeWeights, by_grade, rng.below(9));
    // count[s][g] for school s, grade g (1..9).
    std::vector<std::array<int64_t, 10>> count(static_cast<size_t>(ns));
    for (auto& row : count) row.fill(0);
    std::vector<int64_t> split(primary_weights.size());
    for (int g = 1; g <= 6; ++g) {
      allocate(by_grade[g - 1], primary_weights, split,
               rng.below(static_cast<uint32_t>(split.size())));
      for (size_t s = 0; s < split.size(); ++s) count[s + 1][g] = split[s];
    }
    for (int g = 7; g <= 9; ++g) count[0][g] = by_grade[g - 1];

    std::vector<char> school_used(static_cast<size_t>(ns), 0);
    std::vector<std::array<std::vector<char>, 10>> class_used(
        static_cast<size_t>(ns));
    for (int s = 0; s < ns; ++s) {
      const int64_t school_id = plan.code * 100 + s + 1;
      for (int g = 1; g <= 9; ++g) {
        const int64_t m = count[static_cast<size_t>(s)][g];
        if (m == 0) continue;
        const int64_t classes = (m + kMaxClassSize - 1) / kMaxClassSize;
        std::vector<char>& used = class_used[static_cast<size_t>(s)][g];
        used.assign(static_cast<size_t>(classes), 0);
        for (int64_t i = 0; i < m; ++i) {
          const int64_t cls = 1 + i * classes / m;
          const Placement at = student(rng, school_id, g, cls);
          village_used[static_cast<size_t>(at.village)] = 1;
          if (at.in_school) {
            school_used[static_cast<size_t>(s)] = 1;
            used[static_cast<size_t>(cls - 1)] = 1;
          }
        }
      }
    }

    write_case_events();  // before township_code_, which names the township's posts, moves on

    for (int v = 0; v < nv; ++v) {
      if (!village_used[static_cast<size_t>(v)]) continue;
      ++stats_.villages;
      posts(Post::kVillage, static_cast<uint64_t>(plan.code * 1000 + 201 + v));
    }
    for (int s = 0; s < ns; ++s) {
      if (!school_used[static_cast<size_t>(s)]) continue;
      const int64_t school_id = plan.code * 100 + s + 1;
      ++stats_.schools;
      posts(Post::kSchool, static_cast<uint64_t>(school_id));
      for (int g = 1; g <= 9; ++g) {
        const std::vector<char>& used = class_used[static_cast<size_t>(s)][g];
        for (size_t k = 0; k < used.size(); ++k) {
          if (!used[k]) continue;
          ++stats_.classes;
          posts(Post::kClass, static_cast<uint64_t>(school_id), g, static_cast<int64_t>(k) + 1);
        }
      }
    }
  }

  struct Placement {
    int village;
    bool in_school;
  };

  // One student row (and its events) for class `grade-cls` of `school_id`.
  Placement student(Rng& rng, int64_t school_id, int grade, int64_t cls) {
    Student s;
    s.grade = grade;
    s.male = rng.chance(516'000);  // sex ratio ~107 in these cohorts
    s.disabled = rng.chance(10'000);
    s.poor = rng.chance(80'000);
    s.orphan = rng.chance(3'000);
    s.left_behind = rng.chance(100'000);
    s.special_hardship = rng.chance(s.orphan ? 300'000 : 9'000);
    s.serious_illness = rng.chance(5'000);
    s.no_hukou = rng.chance(2'000);
    s.boarding =
        rng.chance(grade <= 3 ? 50'000 : grade <= 6 ? 150'000 : 400'000);

    // Registry state. Rates are per mille of all children: enrolled ~976,
    // completed ~10, left ~5, none ~3, home teaching ~2.5 (disabled only),
    // suspended + deferred ~3.
    const uint32_t r = rng.below(1'000'000);
    if (s.disabled) {
      s.registry = r < 250'000   ? Registry::kHomeTeaching
                   : r < 290'000 ? Registry::kNone
                   : r < 300'000 ? Registry::kLeft
                   : r < 310'000 ? Registry::kSuspended
                                 : Registry::kEnrolled;
    } else {
      uint32_t edge = 2'600;
      const uint32_t left = grade <= 6 ? 3'000 : 9'000;
      const uint32_t suspended = s.serious_illness ? 150'000 : 1'500;
      const uint32_t deferred = grade == 1 ? 13'500 : 0;
      const uint32_t completed = grade == 9 ? 90'000 : 0;
      if (r < edge) {
        s.registry = Registry::kNone;
      } else if (r < (edge += left)) {
        s.registry = Registry::kLeft;
      } else if (r < (edge += suspended)) {
        s.registry = Registry::kSuspended;
      } else if (r < (edge += deferred)) {
        s.registry = Registry::kDeferred;
      } else if (r < (edge += completed)) {
        s.registry = Registry::kCompleted;
      } else {
        s.registry = Registry::kEnrolled;
      }
    }
    const bool in_school = s.registry != Registry::kNone;
    if (s.registry == Registry::kNone || s.registry == Registry::kDeferred ||
        s.registry == Registry::kHomeTeaching ||
        s.registry == Registry::kCompleted) {
      s.boarding = false;
    }

    // Birth date: the grade's cohort, some entered a year early or late,
    // a few junior pupils two years late; completers finished last July.
    int cohort = grade;
    const uint32_t e = rng.below(1'000'000);
    if (grade == 1 && e < 15'000) {
      cohort -= 1;
    } else if (e < 95'000) {
      cohort += 1;
    } else if (grade >= 7 && e < 105'000 &&
               s.registry != Registry::kCompleted) {
      cohort += 2;
    }
    if (s.registry == Registry::kCompleted) cohort += 1;
    const auto day_in_cohort = static_cast<int32_t>(
        rng.below(static_cast<uint32_t>(cohort_days_[cohort])));
    s.birth = Date::from_days(cohort_start_[cohort].days() + day_in_cohort);

    // Absences: most children have none recorded. Enrolled: ~1.5% short
    // (1-7 days), a few per mille 8-40 days, ~2 per mille longer; junior
    // pupils are absent more. Left: the day they stopped coming.
    const Date as_of = opt_.as_of;
    if (s.registry == Registry::kEnrolled) {
      const uint32_t a = rng.below(1'000'000);
      const uint32_t shorter = 15'000;
      const uint32_t mid = grade <= 6 ? 3'500 : 8'000;
      const uint32_t longer = grade <= 6 ? 1'750 : 4'000;
      int days = 0;
      uint32_t excused_ppm = 0;
      if (a < shorter) {
        days = rng.between(1, 7);
        excused_ppm = s.serious_illness ? 800'000 : 300'000;
      } else if (a < shorter + mid) {
        days = rng.between(8, 40);
        excused_ppm = s.serious_illness ? 700'000 : 150'000;
      } else if (a < shorter + mid + longer) {
        days = rng.between(41, 150);
        excused_ppm = s.serious_illness ? 600'000 : 80'000;
      }
      if (days > 0) {
        s.has_last = true;
        s.last_attended =
            school_day_on_or_before(Date::from_days(as_of.days() - days));
        s.excused = rng.chance(excused_ppm);
      }
    } else if (s.registry == Registry::kLeft && rng.chance(900'000)) {
      s.has_last = true;
      s.last_attended = school_day_on_or_before(
          Date::from_days(as_of.days() - rng.between(15, 400)));
    }

    const YearMonthDay birth = civil_from_days(s.birth.days());
    const int age = today_.year - birth.year -
                    (today_.month < birth.month ||
                     (today_.month == birth.month && today_.day < birth.day));
    const bool long_absent =
        s.has_last && !s.excused && as_of.days() - s.last_attended.days() > 7;
    if (s.registry == Registry::kLeft || long_absent) {
      // 厌学 45, 外出务工 20 (13+), 家庭贫困 6 (more if poor), 疾病 10 (mostly
      // if ill), 早婚 4 (14+), 其他 15.
      uint32_t w[6] = {450, age >= 13 ? 200u : 0u, s.poor ? 250u : 60u,
                       s.serious_illness ? 600u : 100u, age >= 14 ? 40u : 0u,
                       150};
      uint32_t sum = 0;
      for (uint32_t x : w) sum += x;
      uint32_t pick_at = rng.below(sum);
      int reason = 0;
      while (pick_at >= w[reason]) pick_at -= w[reason++];
      s.reason = reason;
    }

    // Aid: 两免 for nearly every registered pupil (also before dropping
    // out), boarding subsidy for poor boarders mostly, nutrition for rural
    // pupils mostly; a few eligible children go without.
    const bool had_school = s.registry == Registry::kEnrolled ||
                            s.registry == Registry::kHomeTeaching ||
                            s.registry == Registry::kSuspended ||
                            s.registry == Registry::kLeft ||
                            s.registry == Registry::kCompleted;
    const bool two_free = had_school && rng.chance(985'000);
    const bool boarding_subsidy =
        s.boarding &&
        rng.chance(s.poor                                 ? 920'000
                   : s.special_hardship || s.orphan ? 800'000
                                                          : 30'000);
    const bool nutrition =
        had_school && s.registry != Registry::kCompleted &&
        rng.chance(rural_ ? 960'000 : 20'000);

    const uint32_t vpick = rng.below(village_cum_.back());
    int village = 0;
    while (vpick >= village_cum_[static_cast<size_t>(village)]) ++village;
    const int group = rng.between(1, 12);

    const std::string_view family = names_.surname(rng);
    const Name name = names_.make(rng, s.male, family);
    const bool guardian_male = rng.chance(600'000);
    const Name guardian = rng.chance(880'000) && guardian_male
                              ? names_.make(rng, true, family)
                              : names_.make(rng, guardian_male);

    // ID number: no_hukou children have none; ~3% in all lack one, ~5%
    // lack a birth date, never both.
    bool has_id = !s.no_hukou && rng.chance(972'000);
    bool has_birth = !has_id || rng.chance(948'500);
    char id[18];
    if (has_id) id_number(s, birth, id);

    ++stats_.students;
    const int64_t serial = ++county_serial_;
    auto write_row = [&](Sink& o) {
      o.begin_row();
      put_student_id(o, serial);
      o.put(',');
      o.put_field(name.view());
      o.put(',');
      if (has_id) o.put(std::string_view(id, 18));
      o.put(',');
      if (has_birth) o.put_date(birth);
      o.put(',');
      o.put(s.male ? 'M' : 'F');
      o.put(',');
      o.put_digits(
          static_cast<uint64_t>(township_code_ * 1000 + 201 + village), 12);
      o.put(',');
      if (in_school) {
        o.put('S');
        o.put_digits(static_cast<uint64_t>(school_id), 11);
        o.put(',');
        o.put(static_cast<char>('0' + grade));
        o.put(',');
        o.put(static_cast<char>('0' + grade));
        o.put('-');
        o.put_uint(static_cast<uint64_t>(cls));
      } else {
        o.put(",,");  // never registered: no school, grade or class
      }
      o.put(',');
      o.put(kRegistryNames[static_cast<int>(s.registry)]);
      o.put(',');
      if (s.has_last) o.put_date(s.last_attended);
      o.put(',');
      o.put_bool(s.excused);
      for (bool b : {s.poor, s.disabled, s.orphan, s.left_behind,
                     s.special_hardship, s.serious_illness, s.no_hukou,
                     s.boarding}) {
        o.put(',');
        o.put_bool(b);
      }
      o.put(',');
      o.put_field(guardian.view());
      o.put(',');
      o.put_field(village_address_[static_cast<size_t>(village)]);
      o.put_uint(static_cast<uint64_t>(group));
      o.put("组,");
      if (s.reason >= 0) o.put(kReasons[s.reason]);
      o.put(',');
      bool first = true;
      for (auto [on, label] : {std::pair{two_free, "two_free"},
                               std::pair{boarding_subsidy, "boarding_subsidy"},
                               std::pair{nutrition, "nutrition"}}) {
        if (!on) continue;
        if (!first) o.put(';');
        o.put(std::string_view(label));
        first = false;
      }
      o.put('\n');
    };
    if (students_.on()) write_row(students_);
    // A pupil with a last day at school may have a case: whether the pack
    // opens one, and since when, is decided with the township's others.
    if (opener_ && in_school && s.has_last) {
      scratch_.rewind();
      write_row(scratch_);
      pending_rows_.emplace_back();
      split_row(scratch_.text(), pending_rows_.back());
      pending_.push_back({s, serial, school_id, cls, village});
      if (pending_.size() >= kPendingMax) write_case_events();
    }
    return {village, in_school};
  }

  // The events of the pupils waiting in pending_, in their order, each from
  // the day the pack opens its case. Each pupil's events draw on a
  // generator of their own (seeded by county and serial), so when they are
  // written changes nothing else.
  void write_case_events() {
    if (pending_.empty()) return;
    const std::vector<std::optional<Date>> opened = opener_->open(pending_rows_);
    for (size_t k = 0; k < pending_.size(); ++k) {
      if (!opened[k]) continue;
      const Pending& p = pending_[k];
      Rng rng(mix(mix(opt_.seed ^ 0xCA5E5ULL, static_cast<uint64_t>(county_->code)), static_cast<uint64_t>(p.serial)));
      if (opt_.plan) planned_case_events(rng, p.student, p.serial, p.school_id, p.cls, p.village, *opened[k]);
      else case_events(rng, p.student, p.serial, p.school_id, p.cls, *opened[k]);
    }
    pending_.clear();
    pending_rows_.clear();
  }

  // GB 11643: county code, birth date, 3-digit sequence (odd for boys),
  // check character. Sequences are unique per county, date and sex for up
  // to 500 children.
  void id_number(const Student& s, const YearMonthDay& b, char* id) {
    auto digits = [id](int from, int width, uint64_t v) {
      for (int i = from + width - 1; i >= from; --i, v /= 10) {
        id[i] = static_cast<char>('0' + v % 10);
      }
    };
    digits(0, 6, static_cast<uint64_t>(county_->code));
    digits(6, 8, static_cast<uint64_t>(b.year * 10000 + b.month * 100 + b.day));
    const size_t slot = static_cast<size_t>(s.birth.days() - id_base_);
    assert(slot < id_counters_[0].size());
    const uint32_t count = id_counters_[s.male][slot]++;
    const uint32_t offset =
        static_cast<uint32_t>((s.birth.days() * 131 + county_->code) % 500);
    digits(14, 3, 2 * ((offset + count * 7) % 500) + (s.male ? 1 : 0));
    id[17] = id_check_character(std::string_view(id, 17));
  }

  // Screening and persuasion events (S2, S3) of a case opened on `opened`
  // (Guizhou's stages, for the default pack): two home visits, the
  // school's report, township persuasion, sometimes a notice,
  // administrative or legal measures, sometimes a return. Events stop at
  // as_of.
  void case_events(Rng& rng, const Student& s, int64_t serial,
                   int64_t school_id, int64_t cls, Date opened) {
    const bool left = s.registry == Registry::kLeft;
    if (!rng.chance(850'000)) return;  // some cases never get started

    const uint64_t teacher_key = class_key(static_cast<uint64_t>(school_id),
                                           s.grade, cls);
    const uint64_t principal_key = static_cast<uint64_t>(school_id);
    const uint64_t township_key = static_cast<uint64_t>(township_code_);
    const uint64_t county_key = static_cast<uint64_t>(county_->code);
    int32_t t = opened.days() + rng.between(0, 5);
    // Returns false when the event would fall after as_of (and stops).
    auto emit = [&](std::string_view type, Role role, uint64_t key,
                    std::string_view note) {
      return event_row(serial, t, type, [&](Sink& o) { o.put_field(person(role, key).view()); }, note);
    };
    // Returned after a step with probability ppm (never for a pupil who
    // is off the registry); true when the case ended.
    auto maybe_return = [&](uint32_t ppm) {
      if (left || !rng.chance(ppm)) return false;
      t += rng.between(1, 5);
      emit("returned", kTeacher, teacher_key, "已返校复学");
      return true;
    };

    if (!emit("home_visit", kTeacher, teacher_key, "班主任与村干部第1次家访，未返校")) return;
    if (maybe_return(150'000)) return;
    t += rng.between(2, 7);
    if (!emit("home_visit", kTeacher, teacher_key, "班主任与村干部第2次家访，未返校")) return;
    if (maybe_return(100'000)) return;
    // S2.2 allows 3 days; about one report in five is late (4-5 days).
    t += rng.chance(800'000) ? rng.between(1, 3) : rng.between(4, 5);
    if (!emit("school_report", kPrincipal, principal_key,
              "学校报告县教育局和乡镇政府")) {
      return;
    }
    t += rng.between(2, 10);
    if (!emit("township_persuasion", kTownshipHead, township_key,
              "乡镇组织第1次劝返")) {
      return;
    }
    if (maybe_return(300'000)) return;
    t += rng.between(5, 15);
    if (!emit("township_persuasion", kTownshipHead, township_key,
              "乡镇组织第2次劝返")) {
      return;
    }
    if (maybe_return(250'000)) return;
    if (!rng.chance(600'000)) return;
    t += rng.between(1, 7);
    if (!emit("notice_issued", kTownshipHead, township_key,
              "向监护人发放《敦返复学通知书》")) {
      return;
    }
    if (maybe_return(300'000)) return;
    if (s.reason == 1 && rng.chance(500'000)) {  // 外出务工
      t += rng.between(5, 20);
      if (!emit("administrative_measure", kCountyHead, county_key,
                "约谈违规招用未成年人的用人单位")) {
        return;
      }
      if (maybe_return(300'000)) return;
    }
    if (rng.chance(150'000)) {
      t += rng.between(10, 30);
      if (!emit("legal_measure", kBureauDirector, county_key,
                "依法督促监护人送子女复学")) {
        return;
      }
      maybe_return(300'000);
    }
  }

  // The student number of student `serial` of the current county: "G",
  // the county code, 12 digits (the students file's key, the events').
  void put_student_id(Sink& o, int64_t serial) const {
    o.put('G');
    o.put_digits(static_cast<uint64_t>(county_->code), 6);
    o.put_digits(static_cast<uint64_t>(serial), 12);
  }

  // One events row for student `serial` of the current county on `day`,
  // `person(sink)` writing the person's cell; false (nothing written)
  // when the day is after as_of.
  template <typename Person>
  bool event_row(int64_t serial, int32_t day, std::string_view type, Person&& person, std::string_view note) {
    if (day > opt_.as_of.days()) return false;
    ++stats_.events;
    if (!events_.on()) return true;
    Sink& o = events_;
    o.begin_row();
    put_student_id(o, serial);
    o.put(',');
    o.put_date(Date::from_days(day));
    o.put(',');
    o.put_field(type);
    o.put(',');
    person(o);
    o.put(',');
    o.put_field(note);
    o.put('\n');
    return true;
  }

  // The events of a pack's plan for a case opened on `opened`: each
  // stage's events in order by its role's person, mostly within the
  // stage's deadline (about one stage in five late), and now and then the
  // closing event (the child is back) between stages. Events stop at
  // as_of; a plan step without a role names no person.
  void planned_case_events(Rng& rng, const Student& s, int64_t serial, int64_t school_id, int64_t cls,
                           int village, Date opened) {
    const bool left = s.registry == Registry::kLeft;
    if (!rng.chance(850'000)) return;  // some cases never get started
    const GeneratePlan& plan = *opt_.plan;
    auto key_of = [&](Post post) -> uint64_t {
      switch (post) {
        case Post::kCounty: return static_cast<uint64_t>(county_->code);
        case Post::kTownship: return static_cast<uint64_t>(township_code_);
        case Post::kVillage: return static_cast<uint64_t>(township_code_ * 1000 + 201 + village);
        case Post::kSchool: return static_cast<uint64_t>(school_id);
        case Post::kClass: break;
      }
      return class_key(static_cast<uint64_t>(school_id), s.grade, cls);
    };
    const int32_t case_start = opened.days();
    int32_t t = case_start + rng.between(0, 5);
    auto emit = [&](std::string_view type, int role) {
      return event_row(serial, t, type, [&](Sink& o) {
        if (role >= 0) o.put_field(person(role, key_of(roles_[static_cast<size_t>(role)].post)).view());
      }, "");
    };
    for (size_t k = 0; k < plan.steps.size(); ++k) {
      const GeneratePlan::Step& step = plan.steps[k];
      if (k > 0) {
        if (!left && !plan.closing.empty() && rng.chance(200'000)) {
          t += rng.between(1, 5);
          emit(plan.closing, plan.steps.front().role);
          return;
        }
        // The stage's deadline runs from the one before (or from the case's
        // start): met, or (one stage in five) missed by a day or two.
        const int32_t from = step.from_case_opened ? case_start : t;
        const int32_t due = from + step.due_days;
        if (step.due_days <= 0) t += rng.between(2, 10);
        else if (rng.chance(800'000) && due > t) t = t + rng.between(1, due - t);
        else t = std::max(t + 1, due + rng.between(1, 2));
      }
      for (int n = 0; n < step.count; ++n) {
        if (n > 0) t += rng.between(1, 3);
        if (!emit(step.event, step.role)) return;
      }
    }
  }

  static uint64_t class_key(uint64_t school_id, int grade, int64_t cls) {
    return mix(school_id, static_cast<uint64_t>(grade) * 100000 +
                              static_cast<uint64_t>(cls));
  }

  // The roster is a pure function of (seed, role, jurisdiction), so events
  // can name the same persons without keeping the roster in memory.
  // Role `role` (an index into roles_) at the post keyed `key`.
  Name person(int role, uint64_t key) const {
    Rng rng(mix(mix(opt_.seed ^ 0x0FF1C1A1ULL, static_cast<uint64_t>(role)), key));
    return names_.make(rng, rng.chance(roles_[static_cast<size_t>(role)].post == Post::kClass ? 450'000 : 750'000));
  }

  // One roster row for every role at a post of this kind.
  void posts(Post post, uint64_t key, int grade = 0, int64_t cls = 0) {
    for (size_t r = 0; r < roles_.size(); ++r)
      if (roles_[r].post == post) official(static_cast<int>(r), key, grade, cls);
  }

  void official(int role, uint64_t key, int grade = 0, int64_t cls = 0) {
    const Post post = roles_[static_cast<size_t>(role)].post;
    const uint64_t k = post == Post::kClass ? class_key(key, grade, cls) : key;
    ++stats_.officials;
    if (!officials_.on()) return;
    Sink& o = officials_;
    o.begin_row();
    o.put(std::string_view(roles_[static_cast<size_t>(role)].name));
    o.put(',');
    o.put_field(person(role, k).view());
    o.put(',');
    switch (post) {
      case Post::kCounty:
        o.put_digits(key, 6);
        break;
      case Post::kTownship:
        o.put_digits(key, 9);
        break;
      case Post::kVillage:
        o.put_digits(key, 12);
        break;
      case Post::kSchool:
        o.put('S');
        o.put_digits(key, 11);
        break;
      case Post::kClass:
        o.put('S');
        o.put_digits(key, 11);
        o.put('/');
        o.put(static_cast<char>('0' + grade));
        o.put('-');
        o.put_uint(static_cast<uint64_t>(cls));
        break;
    }
    o.put(',');
    Rng rng(mix(mix(opt_.seed ^ 0x9404EULL, role), k));
    constexpr char kSecond[] = {'3', '5', '7', '8', '9'};
    o.put('1');
    o.put(kSecond[rng.below(5)]);
    o.put_digits(rng.next() % 1'000'000'000, 9);
    o.put('\n');
  }

  // A pupil whose case, if the pack opens one, write_case_events() writes.
  struct Pending {
    Student student;
    int64_t serial, school_id, cls;
    int village;
  };
  static constexpr size_t kPendingMax = 4096;

  const GenerateOptions& opt_;
  YearMonthDay today_;
  Sink students_, events_, officials_;
  std::ostringstream scratch_stream_;  // never written: scratch_ is rewound before each row
  Sink scratch_;
  const std::vector<GeneratePlan::Role>& roles_;
  std::optional<CaseOpener> opener_;  // with an events sink only
  std::vector<Pending> pending_;
  std::vector<std::vector<std::string>> pending_rows_;
  GenerateStats stats_;
  NameMaker names_;
  Date cohort_start_[kCohorts];
  int32_t cohort_days_[kCohorts];
  int32_t id_base_ = 0;
  std::vector<uint16_t> id_counters_[2];  // [female, male] by birth day
  const County* county_ = nullptr;
  int64_t county_serial_ = 0;
  int64_t township_code_ = 0;
  bool rural_ = true;
  std::vector<uint32_t> village_cum_;
  std::vector<std::string> village_address_;
};

void check_options(const GenerateOptions& options) {
  if (options.students < 0 || options.students > kMaxStudents) {
    throw std::invalid_argument("students must be between 0 and 10^12, not " +
                                std::to_string(options.students));
  }
  // The prefixes of a province's prefectures, for the message.
  auto prefectures_of = [](const std::string& province) {
    std::string list;
    for (const County& c : province_counties(province)) {
      const std::string p = std::to_string(c.code / 100);
      if (!list.ends_with(p)) list += (list.empty() ? "" : " ") + p;
    }
    return list;
  };
  if (!options.province.empty() && province_counties(options.province).empty()) {
    throw std::invalid_argument("unknown province '" + options.province +
                                "': expected the 2-digit GB/T 2260 prefix "
                                "of a province with counties (11 .. 65)");
  }
  for (const std::string& p : options.prefectures) {
    const bool known = std::any_of(
        std::begin(kCounties), std::end(kCounties),
        [&](const County& c) { return std::to_string(c.code / 100) == p; });
    if (!known) {
      throw std::invalid_argument(
          "unknown prefecture '" + p + "': expected a 4-digit GB/T 2260 prefix" +
          (p.size() >= 2 && !province_counties(p.substr(0, 2)).empty()
               ? ", one of " + prefectures_of(p.substr(0, 2))
               : std::string()));
    }
    if (!options.province.empty() && !p.starts_with(options.province)) {
      throw std::invalid_argument("prefecture '" + p + "' is not in province '" + options.province +
                                  "': expected one of " + prefectures_of(options.province));
    }
  }
  const YearMonthDay d = options.as_of.ymd();
  if (d.year < 1920 || d.year > 9970) {
    throw std::invalid_argument("as_of " + options.as_of.format() +
                                " is out of range (1920..9970)");
  }
}

}  // namespace

std::span<const std::string_view> student_columns() {
  // In the order Generator writes a student's cells.
  static constexpr std::string_view kColumns[] = {
      "student_id", "name",         "id_number",  "birth_date",       "gender",          "division_code",
      "school_id",  "grade",        "class_id",   "registry",         "last_attended",   "absence_excused",
      "poor",       "disabled",     "orphan",     "left_behind",      "special_hardship", "serious_illness",
      "no_hukou",   "boarding",     "guardian",   "address",          "dropout_reason",  "aid"};
  return kColumns;
}

void check_generate_options(const GenerateOptions& options) { check_options(options); }

bool place_in(std::string_view jurisdiction, GenerateOptions& options) {
  if (jurisdiction.size() < 2 || !std::isdigit(static_cast<unsigned char>(jurisdiction[0])) ||
      !std::isdigit(static_cast<unsigned char>(jurisdiction[1])))
    return false;
  options.province = std::string(jurisdiction.substr(0, 2));
  if (options.prefectures.empty() && jurisdiction.size() >= 4 && jurisdiction.substr(2, 2) != "00")
    options.prefectures = {std::string(jurisdiction.substr(0, 4))};
  return true;
}

GenerateStats generate(const GenerateOptions& options,
                       const GenerateSinks& sinks) {
  check_options(options);
  return Generator(options, sinks).run();
}

std::span<const County> province_counties(std::string_view province) {
  // kCounties is in code order: a province's counties are one run.
  const std::span<const County> all(kCounties);
  if (province.size() != 2) return {};
  auto of = [&](const County& c) { return std::to_string(c.code).substr(0, 2); };
  auto first = std::find_if(all.begin(), all.end(), [&](const County& c) { return of(c) == province; });
  auto last = std::find_if(first, all.end(), [&](const County& c) { return of(c) != province; });
  return all.subspan(static_cast<size_t>(first - all.begin()), static_cast<size_t>(last - first));
}

}  // namespace kcbx::detail
