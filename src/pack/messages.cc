// The Chinese translations of diagnostics. Each entry is (code, pattern of
// the English message, Chinese template); $N in a template is the pattern's
// N-th group as written (a name the user wrote), %N the same group with the
// kind words of the format translated ("field" -> 字段). A trailing "did
// you mean 'x'?" is handled once for all messages.
#include "pack/messages.h"

#include <regex>

namespace kcbx::detail {

namespace {

struct Entry {
  const char* code;
  const char* pattern;  // ECMAScript, matched against the whole message
  const char* zh;
};

// Ordered: within a code, the first pattern that matches wins, so specific
// patterns come before general ones.
const Entry kEntries[] = {
    // YAML structure (yaml_walk.h, load.cc)
    {"yaml-syntax", "(.*); quote expressions that contain ',' '\\[' or ': ' inside \\{\\.\\.\\.\\}",
     "YAML 语法错误（$1）；{...} 中含有 ','、'[' 或 ': ' 的表达式请加引号"},
    {"yaml-syntax", "illegal map value: a 'key: value' cannot start here.*",
     "YAML 语法错误（illegal map value）：此处不能开始“键: 值”；请检查本行和上一行的缩进（同一层的键要对齐），含有 ': ' 的文字请加引号"},
    {"yaml-syntax", "(end of map not found|end of sequence not found): a line here is indented differently.*",
     "YAML 语法错误（$1）：此处有一行的缩进与同一块的其他行不同；同一块的键（或 '- ' 项）要对齐"},
    {"yaml-syntax", "illegal block entry: a '- ' item cannot start here.*",
     "YAML 语法错误（illegal block entry）：此处不能开始 '- ' 项；请与同一列表的其他项对齐"},
    {"yaml-syntax", "(.*)", "YAML 语法错误（$1）"},
    {"tab-indentation", "tab character in indentation; YAML indents with spaces",
     "缩进中有制表符（Tab）；YAML 只能用空格缩进"},
    {"yaml-error", "(.*)", "YAML 错误（$1）"},
    {"full-width-punctuation", "full-width colon '：' after '(.*)'; write ':' \\(ASCII\\) and a space",
     "'$1' 后是全角冒号 '：'；请改为半角冒号 ':' 并在其后加一个空格"},
    {"full-width-punctuation", "full-width comma '，' inside .*", "[...] 或 {...} 中有全角逗号 '，'；请改为半角逗号 ','"},
    {"empty-pack", ".*", "规则包为空"},
    {"not-utf8", "the rule pack is not valid UTF-8 \\(line (\\d+)\\); save it as UTF-8",
     "规则包不是有效的 UTF-8（第 $1 行），请以 UTF-8 编码保存"},
    {"pack-too-large", "the rule pack is (\\d+) bytes; the limit is (\\d+)", "规则包有 $1 字节，上限为 $2 字节"},
    {"too-deep", "the rule pack nests deeper than (\\d+) levels", "规则包嵌套超过 $1 层"},
    {"too-large", "the rule pack expands to more than (\\d+) YAML nodes.*",
     "规则包展开后超过 $1 个 YAML 节点（是否锚点和别名在成倍复制？）"},
    {"duplicate-key", "duplicate key '(.*)' \\(first at line (\\d+)\\)", "重复的键 '$1'（第 $2 行已出现）"},
    {"duplicate-key", "clause '(.*)' is defined twice", "条款 '$1' 定义了两次"},
    {"unknown-key", "unknown key '(.*?)' in (.*); quote expressions that contain .*",
     "未知的键 '$1'（位于 %2）；{...} 中含有 ','、'[' 或 ': ' 的表达式请加引号"},
    {"unknown-key", "unknown key '(.*?)' in rule pack; it belongs under meta \\((.*)\\)", "规则包中没有键 '$1'：它应写在 meta 之下（$2）"},
    {"unknown-key", "unknown key 'override' in row; .*", "决策表行没有键 'override'：行只能整行替换，请写 'replace: true' 并写出整行"},
    {"unknown-key", "unknown key '(.*?)' in (.*)", "未知的键 '$1'（位于 %2）"},
    {"missing-key", "the rule pack needs 'meta: \\{name: \\.\\.\\.\\}'", "规则包需要 'meta: {name: ...}'"},
    {"missing-key", "field '(.*)' needs 'type'.*", "字段 '$1' 需要 'type'"},
    {"missing-key", "parameter '(.*)' needs 'type'", "参数 '$1' 需要 'type'"},
    {"missing-key", "an aid_gaps list needs .*",
     "aid_gaps 清单需要 'eligible'（collect 决策表）和 'receiving'（集合字段）"},
    {"missing-key", "test '(.*)' needs 'as_of'.*", "测试 '$1' 需要 'as_of'（写在测试中或文件开头）"},
    {"missing-key", "test '(.*)' has expectations but no 'records:'", "测试 '$1' 有期望，但没有 'records:'"},
    {"missing-key", "this expectation needs '(.*?)' or 'record' to say which of the (\\d+) records it is about",
     "此期望需要 '$1' 或 'record' 指明是 $2 条记录中的哪一条"},
    {"missing-key", "(.*) needs '(.*?)' \\((.*)\\)", "缺少必需的键 '$2'（位于 $1）"},
    {"role-not-in-line", "role '(.*)' is on line '(.*)', whose chain \\[(.*)\\] does not list it: its lapses escalate along line '(.*)' instead.*",
     "角色 '$1' 属于责任线 '$2'，但该线的 chain [$3] 没有列出它：它逾期的职责改沿责任线 '$4' 上报；请把它加入 '$2' 的 chain 中它所在的位置（扩展包中：lines: {$2: {override: true, chain: [...]}}）"},
    {"role-not-in-line", "role '(.*)' is on line '(.*)', whose chain \\[(.*)\\] does not list it.*",
     "角色 '$1' 属于责任线 '$2'，但该线的 chain [$3] 没有列出它：它逾期的职责无人督办；请把它加入 chain 中它所在的位置（扩展包中：lines: {$2: {override: true, chain: [...]}}）"},
    {"conflicting-keys", "'remove: true' drops the item whole, so '(.*)' would be ignored.*",
     "'remove: true' 会删除整项，'$1' 将被忽略；若要修改该项，请写 'replace: true'（决策表行或校验）或 'override: true'"},
    {"conflicting-keys", "give 'before' or 'after', not both", "'before' 和 'after' 只能给一个"},
    {"conflicting-keys", "give '(.*)' or 'record' to say which record this expectation is about, not both",
     "'$1' 和 'record' 只能给一个，用以指明此期望针对哪条记录"},
    {"conflicting-keys", "parameter '(.*)' has 'from' and 'values'; write the date in the value \\((.*)\\) or use 'from' with 'value'",
     "参数 '$1' 同时有 'from' 和 'values'：把日期写进取值（$2），或者 'from' 与 'value' 一起用"},
    {"missing-key", "parameter '(.*)' has 'from' but no 'value': write the value in force from (.*)",
     "参数 '$1' 有 'from' 却没有 'value'：写出自 $2 起生效的取值"},
    {"conflicting-keys", "field '(.*)' has both '(.*)' and '(.*)'; keep one", "字段 '$1' 同时有 '$2' 和 '$3'，只保留一个"},
    {"conflicting-keys", "table '(.*)' has both '(.*)' and '(.*)'; keep one", "判定表 '$1' 同时有 '$2' 和 '$3'，只保留一个"},
    {"conflicting-keys", "level '(.*)' has both '(.*)' and '(.*)'; keep one", "层级 '$1' 同时有 '$2' 和 '$3'，只保留一个"},
    {"conflicting-keys", "parameter '(.*)' has both 'value' and 'values'; keep one",
     "参数 '$1' 同时有 'value' 和 'values'，请只保留一个"},
    {"conflicting-keys", "indicator '(.*)' is a rate or a count, not both", "指标 '$1' 要么是比率要么是计数，不能两者都是"},
    {"unknown-type", "unknown type '(.*)'.*",
     "未知的类型 '$1'；应为 bool、int、number、date、duration、string、enum、set 之一"},
    {"unknown-type", "a field cannot be a duration; use int days", "字段不能是 duration 类型；请用 int 表示天数"},
    {"unknown-type", "parameters cannot be enum or set.*", "参数不能是 enum 或 set 类型；请改用字段或列表"},
    {"unexpected-key", "'values' is only for enum and set fields", "'values' 只用于 enum 和 set 字段"},
    {"unexpected-key", "'values' is only for enum and set fields; field '(.*)' is (\\w+)(.*)",
     "'values' 只用于 enum 和 set 字段；字段 '$1' 的类型是 $2$3"},
    {"unexpected-key", "field '(.*)' shares the values of '(.*)' \\(values_from\\); add the values to '(.*)'",
     "字段 '$1' 共用 '$2' 的取值（values_from）；请把新取值加到 '$3'"},
    {"bad-date", "'(.*)' is not a date; write YYYY-MM-DD", "'$1' 不是日期；请写成 YYYY-MM-DD"},
    {"bad-date", "'(.*)' in (\\w+) is not a date or a range of dates; write YYYY-MM-DD or YYYY-MM-DD\\.\\.YYYY-MM-DD",
     "$2 中的 '$1' 不是日期或日期范围；请写成 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD"},
    {"bad-range", "the range '(.*)' ends before it starts", "日期范围 '$1' 的结束早于开始"},
    {"bad-range", "the range '(.*)' is longer than a year.*", "日期范围 '$1' 超过一年；每个节假日或假期请分别写成一个范围"},
    {"conflicting-days", "(\\S+) is both a make-up day and a holiday \\('(.*)', line (\\d+)\\)",
     "$1 既是调休上课日又是节假日（'$2'，第 $3 行）"},
    {"row-never-matches", "row '(.*)' of table '(.*)' can never match: its condition is never true",
     "决策表 '$2' 的行 '$1' 永远不会命中：其条件不可能成立"},
    {"row-never-matches", "row '(.*)' of table '(.*)' can never match: row '(.*)' before it matches every record it matches",
     "决策表 '$2' 的行 '$1' 永远不会命中：它匹配的每条记录都先被它前面的行 '$3' 匹配"},
    {"row-never-matches", "row '(.*)' of table '(.*)' can never match: the rows before it match every record it matches",
     "决策表 '$2' 的行 '$1' 永远不会命中：它匹配的每条记录都先被它前面的行匹配"},
    {"no-default-row", "the last row of table '(.*)' has a condition: a record no row matches gets no (.*); end the table with a row without 'when'",
     "决策表 '$1' 的最后一行带有条件：没有任何行匹配的记录得不到 $2；请以一条不带 'when' 的行结束该表"},
    {"too-many-items", "the school calendar lists more than (\\d+) days", "上学日历列出的日子超过 $1 天"},
    {"not-a-weekend", "(\\S+) is a weekday, a school day already.*",
     "$1 是工作日，本来就上课；调休上课日应是补上课的星期六或星期日"},
    {"base-error", "(\\d+) errors? (is|are) in the base pack, which is valid on its own: this pack's changes break it; it changes (.*)",
     "基础包中有 $1 个错误；基础包本身有效，是本规则包的修改造成的；本规则包修改了：$3"},
    {"base-error", "(\\d+) errors? (is|are) in the base pack, which is valid on its own: this pack's changes break it",
     "基础包中有 $1 个错误；基础包本身有效，是本规则包的修改造成的"},
    {"bad-code", "jurisdiction '(.*)' is not a division code \\(2 to 12 digits, such as \"520000\"\\)",
     "辖区 '$1' 不是区划代码（2 到 12 位数字，如 \"520000\"）"},
    {"unknown-hit-policy", "unknown hit policy '(.*)'.*", "未知的命中策略 '$1'；应为 first、unique 或 collect"},
    {"wrong-type", "division code '(.*)' must be 6 digits of a county or prefecture \\(not a province's xx0000\\)",
     "行政区划代码 '$1' 必须是县级或地级的 6 位数字（不能是省级的 xx0000）"},
    {"known-division-code", "'(.*)' is in kcbx's GB/T 2260 list \\(1980-2019\\) already.*",
     "'$1' 已在 kcbx 的 GB/T 2260 代码表（1980—2019）中，此项不起作用；是否想写另一个代码？"},
    {"unnamed-division-code", "division code '(.*)' has no name.*",
     "行政区划代码 '$1' 没有名称；请写出县名（\"$1\": 澄江市），以便读者知道是哪个县"},
    {"wrong-type", "'(.*)' is not a number, and (.*) is (.*)", "'$1' 不是数字，而 $2 是 $3"},
    {"unknown-name", "'(.*)' is the alias of (\\S+) '(.*)' and '(.*)'; write the name of the one meant",
     "'$1' 同时是 '$3' 和 '$4' 的别名；请写出所指那一项的名称"},
    {"wrong-type", "'(.*)' is not a yes/no value \\(true/false\\), and (.*) is bool", "'$1' 不是是/否值（true/false），而 $2 是 bool"},
    {"wrong-type", "expected a single value here, not a (map|list)", "这里应是单个值，不能是映射或列表"},
    {"wrong-type", "'(.*)' must be a map of name: entry", "'$1' 必须是“名称: 条目”形式的映射"},
    {"wrong-type", "'(.*)' must be a list \\(- item\\)", "'$1' 必须是列表（- 项）"},
    {"wrong-type", "(.*) must be a map of key: value", "$1 必须是“键: 值”形式的映射"},
    {"wrong-type", "'(.*)' must be true or false, not '(.*)'", "'$1' 必须是 true 或 false，不能是 '$2'"},
    {"wrong-type", "'(.*)' is not a whole number", "'$1' 不是整数"},
    {"wrong-type", "format (.*) needs type string", "format: $1 要求 type: string"},
    {"wrong-type", "output '(.*)' must be a per-record value", "输出 '$1' 必须是逐条记录的值"},
    {"wrong-type", "level '(.*)' needs string fields", "层级 '$1' 需要字符串字段"},
    {"wrong-type", "'prefix' applies to a single field", "'prefix' 只适用于单个字段"},
    {"wrong-type", "'count' must be at least 1", "'count' 至少为 1"},
    {"wrong-type", "'totals_by' needs a table with one value per record; '(.*)' is a collect table \\(a set per record\\)",
     "'totals_by' 需要每条记录只有一个值的决策表；'$1' 是 collect 表（每条记录一个集合）"},
    {"wrong-type", "'(.*)' must name a duration parameter \\(or an int one with 'unit: school days'\\); '(.*)' is (.*)",
     "'$1' 必须是时长（duration）参数（或带 'unit: school days' 的 int 参数）；'$2' 是 $3"},
    {"wrong-type", "'(.*)' names int parameter '(.*)': a deadline in school days needs 'unit: school days' .*",
     "'$1' 引用的是 int 参数 '$2'：以上学日（工作日）计的期限需在该参数上写 'unit: school days'（按 school_calendar 计算）；否则请引用时长参数"},
    {"wrong-type", "'event_dates' fills date fields; '(.*)' is not a date", "'event_dates' 只能填写日期字段；'$1' 不是日期"},
    {"wrong-type", "'eligible' must be a collect table and 'receiving' a set field",
     "'eligible' 必须是 collect 决策表，'receiving' 必须是集合字段"},
    {"wrong-type", "a report day is 1\\.\\.31 or 'last', not '(.*)'", "报送日应为 1..31 或 'last'，不能是 '$1'"},
    {"wrong-type", "data_as_of 'day N' takes a whole number N from 1 to 31 .*, not '(.*)'",
     "data_as_of 的 'day N' 中 N 应为 1 到 31 的整数（超过当月天数的取当月最后一天），不能是 '$1'"},
    {"wrong-type", "'(.*)' must be a string field", "'$1' 必须是字符串（string）字段"},
    {"wrong-type", "'record' is the record's number.*", "'record' 是记录在列表中的序号，从 1 开始"},

    // Names and values (validate.cc, check.cc)
    {"too-many-rows", "the pack has (\\d+) table rows; the limit is (\\d+)", "规则包共有 $1 个决策表行，上限为 $2"},
    {"too-many-rows", "a collect table holds at most (\\d+) rows", "collect 决策表最多 $1 行"},
    {"too-many-items", "the pack declares (\\d+) names; the limit is (\\d+)", "规则包声明了 $1 个名称，上限为 $2"},
    {"too-many-items", "at most (\\d+) ledger and indicator conditions", "台账和指标条件最多 $1 个"},
    {"empty-values", "'(.*)' declares no values", "'$1' 没有声明任何取值"},
    {"too-many-values", "'(.*)' has (\\d+) values; the limit is (\\d+)", "'$1' 有 $2 个取值，上限为 $3"},
    {"duplicate-value", "'(.*)' is used twice in the values of '(.*)'", "'$1' 在 '$2' 的取值中出现了两次"},
    {"empty-value", "empty value name in '(.*)'", "'$1' 中有空的取值名"},
    {"empty-value", "'days' is empty: .*", "'days' 为空：请列出每月报送的日期（1..31 或 last）"},
    {"empty-value", "'when' is empty: .*", "'when' 为空：请写出条件；匹配所有记录的行请删去 'when'"},
    {"empty-value", "'value' is empty: .*", "'value' 为空：请写出取值；文件未规定的参数请删去 'value'"},
    {"empty-value", "'extends' is empty: .*",
     "'extends' 为空：请写出基础规则包（'guizhou'，或相对本文件的路径）；独立的规则包请删去 'extends'"},
    {"empty-value", "'(.*?)' is empty: .*", "'$1' 为空：请写出内容"},
    {"empty-value", "(.+?) '(.*)' is empty: .*", "%1 '$2' 为空：请写出表达式"},
    {"duplicate-name", "(.+?) '(.*)' reuses a name defined at line (\\d+)", "%1 '$2' 与第 $3 行定义的名称重复"},
    {"duplicate-name", "(.+?) '(.*)' reuses a name defined at (.*)", "%1 '$2' 与 $3 处定义的名称重复"},
    {"duplicate-name", "(.+?) '(.*)' reuses a name reserved by kcbx", "%1 '$2' 使用了 kcbx 保留的名称"},
    {"duplicate-name", "two tests are named '(.*)'", "有两个测试都叫 '$1'"},
    {"duplicate-name", "'(.*)' is the record key, which every ledger shows after the jurisdiction; .*",
     "'$1' 是记录主键，每个台账都已在辖区代码之后列出它；在此再列一次会出现两个同名列：请删去"},
    {"unnamed-value", "no condition or derived value names '(.*)', a value of (.*?): .*",
     "没有任何条件或派生值提及 '$1'（$2 的取值）：带此取值的记录只会匹配不看 $2 的条件（请写明它的归属，例如与相近的取值并列）"},
    {"out-of-range", "parameter '(.*)' is (.*), but indicator '(.*)' is a rate, a share from 0 to 1: write 0.95 for 95%",
     "参数 '$1' 为 $2，但指标 '$3' 是比率，取值在 0 到 1 之间：95% 应写作 0.95"},
    {"out-of-range", "the threshold is (.*), but indicator '(.*)' is a rate, a share from 0 to 1: write 0.95 for 95%",
     "阈值为 $1，但指标 '$2' 是比率，取值在 0 到 1 之间：95% 应写作 0.95"},
    {"wrong-type", "'(.*)' names a duration parameter, not a duration: .*",
     "'$1' 应写时长参数的名称，而不是时长本身：请在 'parameters' 下定义一个时长参数（注明 clause），在此写它的名称"},
    {"wrong-arguments", "(.*)\\(\\) month must be 1..12, not (-?\\d+) \\(parameter '(.*)'\\) \\(the arguments are date, month, day\\) \\(from (.*) on\\)",
     "$1() 的月份必须在 1..12 之间，而参数 '$3' 自 $4 起为 $2（参数依次为日期、月、日）"},
    {"wrong-arguments", "(.*)\\(\\) month must be 1..12, not (-?\\d+) \\(parameter '(.*)'\\) \\(the arguments are date, month, day\\)",
     "$1() 的月份必须在 1..12 之间，而参数 '$3' 为 $2（参数依次为日期、月、日）"},
    {"wrong-arguments", "(.*)\\(\\) day must be 1..(\\d+) for month (\\d+), not (-?\\d+) \\(parameter '(.*)'\\) \\(from (.*) on\\)",
     "$1() 的日期在 $3 月必须是 1..$2，而参数 '$5' 自 $6 起为 $4"},
    {"wrong-arguments", "(.*)\\(\\) day must be 1..(\\d+) for month (\\d+), not (-?\\d+) \\(parameter '(.*)'\\)",
     "$1() 的日期在 $3 月必须是 1..$2，而参数 '$5' 为 $4"},
    {"wrong-arguments", "(.*)\\(\\) day must be 1..(\\d+), not (-?\\d+) \\(parameter '(.*)'\\)",
     "$1() 的日期必须是 1..$2，而参数 '$4' 为 $3"},
    {"negative-duration", "parameter '(.*)' is (.*), a negative duration: .*",
     "参数 '$1' 为 $2，是负的时长：加上它的每个日期都会往前移"},
    {"school-days-duration", "parameter '(.*)' is a duration, whose days are calendar days whatever its unit; .*",
     "参数 '$1' 是时长（duration），无论 unit 写什么，其天数都是日历日；以上学日计的期限请写成 {type: int, unit: school days, value: N}"},
    {"no-value", "parameter '(.*)' is the count of stage '(.*)' and needs a value in force since always .*",
     "参数 '$1' 是阶段 '$2' 的次数，必须有一直有效的取值（第一个取值不写 'from'）"},
    {"out-of-range", "parameter '(.*)' is the count of stage '(.*)': 1 to 1000000 events, not (-?\\d+)",
     "参数 '$1' 是阶段 '$2' 的次数，应为 1 到 1000000，不能是 $3"},
    {"wrong-type", "'count' takes a whole number or an int parameter; '(.*)' is (.*)",
     "'count' 只能写整数或 int 参数；'$1' 是 $2"},
    {"duplicate-name", "field '(.*)' reuses the alias '(.*)' of field '(.*)' \\((.*)\\)",
     "字段 '$1' 与字段 '$3'（$4）使用了相同的别名 '$2'"},
    {"bad-name", "(field) name '(.*)' must use only letters.*",
     "%1名 '$2' 只能使用字母、数字和 '_'（中文请写在 'alias' 中）"},
    {"bad-name", "(table) name '(.*)' must use only letters.*",
     "%1名 '$2' 只能使用字母、数字和 '_'（决策表没有别名：中文请写在 'description' 和各取值的标签中）"},
    {"bad-name", "(.+?) name '(.*)' must use only letters.*",
     "%1名 '$2' 只能使用字母、数字和 '_'（没有别名：中文请写在 'description' 中）"},
    {"unknown-name", "'values_from: (.*)' names no enum or set field", "'values_from: $1' 不是 enum 或 set 字段"},
    {"unknown-name", "'progress_note' takes \\{done\\} and \\{needed\\}; '(.*)' is neither",
     "'progress_note' 只能使用 {done} 和 {needed}；'$1' 两者都不是"},
    {"unknown-name", "unknown case column '(.*)'.*",
     "未知的案件列 '$1'；可用 persuasion_status、stage、next_action、due、days_overdue、opened 或 responsible"},
    {"unknown-name", "ledger column '(.*)' is no field, derived value, table or table's rule or clause",
     "台账列 '$1' 不是字段、派生值、决策表或决策表的规则、条款列"},
    {"unknown-name",
     "ledger column '(.*)' is no field, derived value, table or table's rule or clause; it is a value of the "
     "child's case: write \\{name: (.*), case: true\\}",
     "台账列 '$1' 不是字段、派生值、决策表或决策表的规则、条款列；它是儿童案件的值：请写成 {name: $2, case: true}"},
    {"unknown-name", "reporter '(.*)' is no role and is shown as written",
     "报送人 '$1' 不是角色，将按原文显示"},
    {"unknown-name", "output '(.*)' is no field, derived value or table", "输出 '$1' 不是字段、派生值或决策表"},
    {"unknown-name", "'(.*)' is no table, derived value or field of the pack; its main decision table is '(.*)'",
     "'$1' 不是规则包中的决策表、派生值或字段；本规则包的主决策表为 '$2'"},
    {"unknown-name", "'(.*)' is no table, derived value or field of the pack", "'$1' 不是规则包中的决策表、派生值或字段"},
    {"unknown-name", "'(.*)' is no stage of the workflow", "'$1' 不是工作流中的阶段"},
    {"unknown-name", "'(.*)' is no indicator of the pack", "'$1' 不是规则包中的指标"},
    {"unknown-name", "unknown name '(.*)'", "未知的名称 '$1'"},
    {"unknown-name", "unknown (.+?) '(.*)'", "未知的%1 '$2'"},
    {"unknown-format", "unknown format '(.*)'.*", "未知的格式 '$1'；可用的格式为 id_number 和 division_code"},
    {"bad-default", "default of '(.*)': (.*)", "'$1' 的默认值无效：$2"},
    {"no-value", "parameter '(.*)' has no value \\(line (\\d+)\\); set one before using it",
     "参数 '$1' 没有取值（第 $2 行）；使用前请先设定"},
    {"no-value-on-date", "parameter '(.*)' has no value in force on (.*); its earliest value applies from (.*)",
     "参数 '$1' 在 $2 没有生效的取值；其最早的取值自 $3 起生效"},
    {"no-value-on-date", "parameter '(.*)' has no value in force on (.*)", "参数 '$1' 在 $2 没有生效的取值"},
    {"duplicate-date", "parameter '(.*)' has two values from the same date", "参数 '$1' 有两个从同一天起生效的取值"},
    {"dependency-cycle", "'(.*?)' depends on itself: (.*)", "'$1' 依赖于自身（循环依赖）：$2"},
    {"dependency-cycle", "'(.*)' depends on itself", "'$1' 依赖于自身（循环依赖）"},
    {"not-constant", "a derived duration must not depend on a record", "派生的时长不能依赖记录"},
    {"not-constant", "a duration must be a literal or a parameter", "时长必须是字面量或参数"},
    {"not-constant", "list items must be literals or parameters", "列表项必须是字面量或参数"},
    {"not-constant", "a duration must not depend on a record", "时长不能依赖记录"},
    {"empty-table", "table '(.*)' has no rows", "决策表 '$1' 没有行"},
    {"duplicate-row-id", "duplicate row id '(.*)' in table '(.*)' \\(first at (.*)\\)",
     "决策表 '$2' 中的行 id '$1' 重复（首次在 $3）"},
    {"duplicate-row-id", "duplicate row id '(.*)' in table '(.*)'", "决策表 '$2' 中的行 id '$1' 重复"},
    {"duplicate-row-id", "duplicate (.+?) id '(.*)' \\(first at (.*)\\)", "%1 id '$2' 重复（首次在 $3）"},
    {"duplicate-row-id", "duplicate (.+?) id '(.*)' \\((.*)\\)", "%1 id '$2' 重复（首次在 $3）"},
    {"duplicate-row-id", "duplicate (.+?) id '(.*)'", "%1 id '$2' 重复"},
    {"unreachable-row",
     "row '(.*)' can never match: row '(.*)' before it matches every record \\(row '.*' is at (.*)\\)",
     "行 '$1' 永远不会命中：它前面的行 '$2'（位于 $3）匹配所有记录"},
    {"unreachable-row",
     "row '(.*)' has no condition and matches every record, so the (\\d+) rows? after it can never match \\((.*)\\); give it a 'when' or place it after them",
     "行 '$1' 没有条件，匹配所有记录，因此它后面的 $2 行永远不会命中（$3）；请给它加上 'when'，或把它放到这些行之后"},
    {"ambiguous-name", "'(.*)' is a .* and a value of (.*); read as the value here .*",
     "'$1' 既是一个字段、参数或派生值的名字，又是 $2 的取值；此处按取值理解（写成带引号的 '$1' 可明确表示）"},
    {"unknown-value", "'(.*)' is not a value of table '(.*)'", "'$1' 不是决策表 '$2' 的取值"},
    {"unknown-value", "'(.*)' is not a value of (.*)", "'$1' 不是 $2 的取值"},
    {"unknown-value", "unknown event type '(.*)'", "未知的事件类型 '$1'"},
    {"unknown-value", "'due_from' is stage_start or case_opened", "'due_from' 只能是 stage_start 或 case_opened"},
    {"unknown-value", "'count_by' is event or day", "'count_by' 只能是 event（每条事件计一次）或 day（同一天的事件计一次）"},
    {"unknown-value", "unknown list kind '(.*)'.*",
     "未知的清单类型 '$1'；可用 problem、responsibility、closure、accountability 或 aid_gaps"},
    {"wrong-type", "a report month is 1..12, not '(.*)'", "报送月份应为 1..12，不能是 '$1'"},
    {"wrong-type", "'events_after' names a date field \\(the last day at school\\); '(.*)' is not a date",
     "'events_after' 应为日期字段（最后到校日期）；'$1' 不是日期"},
    {"wrong-type", "a report day is 1..31 or 'last', not '(.*)'", "报送日应为 1..31 或 last，不能是 '$1'"},
    {"empty-value", "'months' is empty.*", "'months' 为空：请列出需报送的月份（1..12），或删去此键表示每月"},
    {"unknown-value", "data_as_of is same_day, previous_month_end or 'day N'.*",
     "data_as_of 只能是 same_day、previous_month_end 或 'day N'"},
    {"unknown-value", "'case:' is none, open, closed.*",
     "'case:' 只能是 none、open、closed，或由 stage、next_action、due、days_overdue、opened、closed、"
     "responsible、role、lapsed 组成的映射"},
    {"empty-line", "line '(.*)' names no roles", "责任线 '$1' 没有列出任何角色"},
    {"escalation-cycle", "role '(.*)' appears twice in line '(.*)'", "角色 '$1' 在责任线 '$2' 中出现了两次"},
    {"escalation-cycle", "line '(.*?)' puts '(.*?)' above '(.*?)', which closes a supervision cycle with another line: (.*)",
     "责任线 '$1' 把 '$2' 置于 '$3' 之上，与其他责任线构成了循环的上下级关系：$4"},
    {"escalation-cycle", "line '(.*)' puts '(.*)' above '(.*)', which closes a supervision cycle with another line",
     "责任线 '$1' 把 '$2' 置于 '$3' 之上，与其他责任线构成了循环的上下级关系"},
    {"supervision-cycle", "(.*)", "责任线之间形成了循环督办关系（$1）"},
    {"unknown-clause", "clause '(.*)' is not in 'clauses'", "条款 '$1' 不在 'clauses' 中"},
    {"missing-clause", "row '(.*)' of table '(.*)' cites no clause: .*",
     "表 '$2' 的行 '$1' 未引用条款：其判定将不显示条款；请添加 'clause:'（'clauses' 中的一项）"},
    {"overlapping-rows",
     "rows '(.*)' \\(line (\\d+)\\) and '(.*)' of unique table '(.*)' both match a record such as (.*); make.*",
     "unique 决策表 '$4' 的行 '$1'（第 $2 行）和 '$3' 会同时命中同一条记录，例如 $5；请让条件互斥，或改用 "
     "hit_policy: first"},
    {"overlapping-rows",
     "rows '(.*)' \\((.*):(\\d+)\\) and '(.*)' of unique table '(.*)' both match a record such as (.*); make.*",
     "unique 决策表 '$5' 的行 '$1'（$2 第 $3 行）和 '$4' 会同时命中同一条记录，例如 $6；请让条件互斥，或改用 "
     "hit_policy: first"},

    // Expressions (src/expr)
    {"syntax", "empty expression", "空表达式"},
    {"syntax", "string is never closed", "字符串没有闭合"},
    {"syntax", "unexpected character '%': write a percentage as a share \\((.*)% is (.*)\\)",
     "意外的字符 '%'：百分数请写成小数（$1% 写作 $2）"},
    {"syntax", "unexpected character '(.*)'", "意外的字符 '$1'"},
    {"syntax", "unexpected control character (U\\+[0-9A-F]{4})", "意外的控制字符 $1"},
    {"syntax", "'(.*)' is not part of the language; write '(.*)' \\(ASCII\\)",
     "'$1' 不是表达式语言的符号，请用半角（英文）'$2'"},
    {"syntax", "expected 'in' after 'not' here", "这里 'not' 之后应为 'in'"},
    {"syntax", "expected 'else' \\(every 'if' needs one\\) but found (.*)", "应为 'else'（每个 'if' 都需要），实际为 %1"},
    {"syntax", "expected '(.)' but found the end of the expression: the '(.)' at line (\\d+), column (\\d+) is not closed",
     "应为 '$1'，实际为表达式结尾：第 $3 行第 $4 列的 '$2' 没有闭合"},
    {"syntax", "expected '(.*)' but found (.*)", "应为 '$1'，实际为 %2"},
    {"syntax", "unexpected '(.*)' after the end of the expression; write '(.*)'",
     "表达式结束后多出了 '$1'；表达式中请写 '$2'"},
    {"syntax", "unexpected '(.*)' after the end of the expression", "表达式结束后多出了 '$1'"},
    {"syntax", "expected a value but found (.*)", "应为一个值，实际为 %1"},
    {"syntax", "a list \\[\\.\\.\\] may only follow 'in'", "列表 [..] 只能跟在 'in' 后面"},
    {"syntax", "empty list after 'in'", "'in' 后的列表为空"},
    {"syntax", "unknown operator '(.*)'", "未知的运算符 '$1'"},
    {"syntax", "(.*)", "表达式语法错误（$1）"},
    {"expression-too-large", "expression is (\\d+) bytes; the limit is (\\d+)", "表达式有 $1 字节，上限为 $2 字节"},
    {"expression-too-deep", "expression nests deeper than (\\d+) levels", "表达式嵌套超过 $1 层"},
    {"expression-too-deep", "too many nested '(.*)'", "嵌套的 '$1' 过多"},
    {"bad-literal", "integer '(.*)' is too large", "整数 '$1' 过大"},
    {"bad-literal", "'(.*)' has an exponent; write the number out in digits .*",
     "'$1' 带有指数；请直接写出数字（1500、0.001）"},
    {"bad-literal", "'(.*)' is not a real date", "'$1' 不是真实存在的日期"},
    {"bad-literal", "duration '(.*)' is too large; the limit is (\\d+) (\\w+)", "时长 '$1' 过大，上限为 $2 $3"},
    {"bad-literal", "a duration is a whole number of (\\w+), not '(.*)'; .*",
     "时长必须是整数个 $1，不能是 '$2'；请换用更小的单位（例如 days）"},
    {"unknown-unit", "unknown duration unit '(.*)' after (.*); the units are .* \\(such as '(.*)'\\)",
     "未知的时长单位 '$1'（在 $2 之后）；单位只能是 day、days、week、weeks、month、months、year 或 years（例如 '$3'）"},
    {"unknown-function", "unknown function '(.*)'", "未知的函数 '$1'"},
    {"wrong-arguments", "(\\w+)\\(\\) takes (\\d+) arguments?, not (\\d+)", "$1() 需要 $2 个参数，实际给了 $3 个"},
    {"wrong-arguments", "(\\w+)\\(\\) takes 2 or more arguments", "$1() 需要 2 个或更多参数"},
    {"wrong-arguments", "(\\w+)\\(\\) month must be 1..12, not (-?\\d+) \\(the arguments are date, month, day\\)",
     "$1() 的月份必须是 1..12，不能是 $2（参数依次为日期、月、日）"},
    {"wrong-arguments", "(\\w+)\\(\\) day must be 1..(\\d+) for month (\\d+), not (-?\\d+)",
     "$1() 的日期在 $3 月必须是 1..$2，不能是 $4"},
    {"wrong-arguments", "(\\w+)\\(\\) day must be 1..(\\d+), not (-?\\d+)", "$1() 的日期必须是 1..$2，不能是 $3"},
    {"wrong-arguments", "(\\w+)\\(\\) takes (\\d+) arguments?", "$1() 需要 $2 个参数"},
    {"type-mismatch", "parameter '(.*)' is (\\w+) but this value is (\\w+); write e\\.g\\. '7 days' or '1 month'",
     "参数 '$1' 的类型是 $2，但这个值是 $3；请写成 '7 days' 或 '1 month' 这样的时长"},
    {"type-mismatch", "parameter '(.*)' is (\\w+) but this value is (\\w+).*", "参数 '$1' 的类型是 $2，但这个值是 $3"},
    {"type-mismatch", "'when' must be a condition \\(bool\\), not (.*)", "'when' 必须是条件（bool），不能是 $1"},
    {"type-mismatch", "'(.*)' must be a condition \\(bool\\)", "'$1' 必须是条件（bool）"},
    {"type-mismatch", "'opened_on' must be a date", "'opened_on' 必须是日期"},
    {"type-mismatch", "parameter '(.*)' is (\\w+), expected (\\w+)", "参数 '$1' 是 $2 类型，应为 $3"},
    {"type-mismatch", "an override cannot change parameter '(.*)' from (\\w+) to (\\w+)",
     "覆盖不能把参数 '$1' 的类型从 $2 改为 $3"},
    {"type-mismatch", "comparing with null never gives true or false; use is_null\\(x\\)",
     "与 null 比较永远得不到 true 或 false；请用 is_null(x)"},
    {"type-mismatch", "cannot compare (.*) with (.*)", "不能比较 $1 与 $2"},
    {"type-mismatch", "'(.*)' needs bool operands, not (.*)", "'$1' 需要 bool 操作数，不能是 $2"},
    {"type-mismatch", "'not' needs a bool, not (.*)", "'not' 需要 bool，不能是 $1"},
    {"type-mismatch", "'-' needs a number, not (.*)", "'-' 需要数值，不能是 $1"},
    {"type-mismatch", "(\\w+)\\(\\) argument (\\d+) must be (\\w+), not (.*)", "$1() 的第 $2 个参数必须是 $3，不能是 $4"},
    {"type-mismatch", "cannot (add|subtract) an int and a date; write a duration such as '(.*)'",
     "整数不能与日期相加减；请写成时长，例如 '$2'"},
    {"type-mismatch", "'then' gives (.*) but 'else' gives (.*)", "'then' 给出 $1，但 'else' 给出 $2"},
    {"type-mismatch", "durations cannot be compared.*", "时长不能比较；请比较它们给出的日期"},
    {"type-mismatch", "sets cannot be compared.*", "集合不能比较；请用 'value in set' 或 count()"},
    {"type-mismatch", "'(.*)' does not order (.*) values", "'$1' 不能比较 $2 值的大小"},
    {"type-mismatch", "cannot apply '(.*)' to (.*) and (.*)", "不能对 $2 和 $3 使用 '$1'"},
    {"type-mismatch", "list item is (.*) but the value is (.*)", "列表项是 $1，而被比较的值是 $2"},
    {"type-mismatch", "'in' does not apply to (.*)", "'in' 不适用于 $1"},
    {"type-mismatch", "'in' needs a list \\[\\.\\.\\] or a set, not (.*)", "'in' 需要列表 [..] 或集合，不能是 $1"},
    {"type-mismatch", "'null' needs a context that gives its type.*",
     "'null' 需要能确定其类型的上下文，例如 'if c then null else some_date'"},
    {"type-mismatch", "'if' needs a bool condition, not (.*)", "'if' 需要 bool 条件，不能是 $1"},
    {"type-mismatch", "(\\w+)\\(\\) needs sets of the same values", "$1() 需要取值相同的集合"},
    {"type-mismatch", "(\\w+)\\(\\) arguments must have one type; got (.*) and (.*)",
     "$1() 的参数必须是同一类型；实际为 $2 和 $3"},
    {"type-mismatch", "(\\w+)\\(\\) needs numbers or dates, not (.*)", "$1() 需要数值或日期，不能是 $2"},
    {"type-mismatch", "coalesce\\(\\) does not take durations", "coalesce() 不接受时长"},
    {"type-mismatch", "(.*) is not a value of the set", "$1 不是该集合的取值"},
    {"type-mismatch", "(.*) cannot be in (.*)", "$1 不能属于 $2"},
    {"type-mismatch", "(.*)", "类型不匹配（$1）"},

    // extends: (extend.cc)
    {"override-replaces-later-value",
     "the override of parameter '(.*)' from (.*) also replaces the base's value from (.*) \\((.*)\\); to keep "
     "that value, give the whole history \\('values:'\\)",
     "参数 '$1' 自 $2 起的覆盖同时取代了基础包自 $3 起的取值（$4）；如要保留该取值，请用 'values:' 给出完整历史"},
    {"unknown-override", "the base pack has no workflow; to add one, drop 'override'",
     "基础包没有工作流；如要新增，请去掉 'override'"},
    {"unknown-override", "(value|event type) '(.*)' is not in (.*) of the base pack; to add it, drop 'override'",
     "基础规则包的%3中没有%1 '$2'；如要新增，请去掉 'override'"},
    {"unknown-override", "(.+?) '(.*)' is not in the base pack; to add it, drop 'override'",
     "基础规则包中没有%1 '$2'；如要新增，请去掉 'override'"},
    {"already-defined",
     "field '(.*)' already exists in the base pack(.*); to add values, give only 'values:'; to change it, say "
     "'override: true'",
     "字段 '$1' 已在基础规则包中存在$2；如要新增取值，请只写 'values:'；如要修改，请写 'override: true'"},
    {"already-defined", "parameter '(.*)' already exists in the base pack(.*); to change it.*",
     "参数 '$1' 已在基础规则包中存在$2；如要修改，请写 'override: true' 并用 'from:' 指明生效日期"},
    {"already-defined", "(.+?) '(.*)' already exists in the base pack(.*); to change it, say 'override: true'",
     "%1 '$2' 已在基础规则包中存在$3；如要修改，请写 'override: true'"},
    {"already-defined", "(.+?) '(.*)' already exists in (.*) of the base pack(.*); say '(replace|override): true' to change it",
     "%1 '$2' 已在基础规则包的%3中存在$4；如要修改，请写 '$5: true'"},
    {"already-defined", "(.+?) already has (value|event type) '(.*)'(.*); to relabel it, say .*",
     "%1 已有%2 '$3'$4；如要修改其标签，请写 '$3: {alias: ..., override: true}'"},
    {"already-defined", "the base pack has '(.*)'; to replace it, say 'override: true'",
     "基础规则包已有 '$1'；如要替换，请写 'override: true'"},
    {"unknown-id", "cannot place (.+?) '(.*)': no '(.*)' in (.*)", "无法放置%1 '$2'：%4中没有 '$3'"},
    {"unknown-id", "(.+?) '(.*)' is not in (.*) of the base pack", "基础规则包的%3中没有%1 '$2'"},
    {"unknown-id", "(.+?) '(.*)' is not in the base pack: nothing to remove",
     "基础规则包中没有%1 '$2'，无从删除"},
    {"override-needs-date", "an override of parameter '(.*)' must say.*",
     "覆盖参数 '$1' 时必须写明生效日期（'from: YYYY-MM-DD' 加 'value:'），或给出完整历史（'values:'）"},
    {"needs-override", "the base pack's workflow has '(.*)'(.*); to change it, say 'override: true' in workflow",
     "基础包的工作流已有 '$1'$2；要修改它，请在 workflow 中写 'override: true'"},
    {"needs-override", "to change the hit policy of table '(.*)', override the whole table",
     "要修改决策表 '$1' 的命中策略，请覆盖整个决策表"},
    {"not-extending", "'(.*)' uses override/replace/remove/before/after, but this pack extends no base.*",
     "'$1' 使用了 override/replace/remove/before/after，但本规则包没有继承任何基础包（请在 meta 中加 'extends:'）"},
    {"extends-too-deep", "more than (\\d+) packs extend each other", "超过 $1 个规则包相互继承"},
    {"unknown-base", "cannot find the base pack '(.*?)'.*",
     "找不到基础规则包 '$1'（应为内置名称如 'guizhou'，或相对本文件的路径）"},
    {"extends-cycle", "'(.*)' extends this pack again: the chain (.*)", "'$1' 又继承了本规则包：继承链 $2"},

    // Files
    {"cannot-read", "cannot read the rule pack '(.*)'", "无法读取规则包 '$1'"},
    {"cannot-read", "cannot (open|read) the rule pack", "无法读取规则包"},
    {"cannot-read", "cannot open the rule pack: it is a folder, not a file", "无法读取规则包：这是文件夹，不是文件"},
    {"cannot-read", "cannot open the rule pack: there is no such file", "无法读取规则包：文件不存在"},
    {"cannot-read", "cannot open the rule pack: permission denied", "无法读取规则包：没有读取权限"},
    {"cannot-read", "cannot open the rule pack: (.*)", "无法读取规则包：$1"},
    {"cannot-read", "cannot read the test file", "无法读取测试文件"},
    {"cannot-read", "cannot read the (\\w+) file '(.*)'", "无法读取%1文件 '$2'"},
    {"unknown-pack", "no embedded rule pack named '(.*)'", "没有名为 '$1' 的内置规则包"},

    // Rule tests (rule_tests.cc)
    {"empty-file", "the test file is empty", "测试文件为空"},
    {"no-tests", "the file lists no tests.*", "文件中没有任何测试；请在 'tests' 下至少写一个"},
    {"no-tests", ".*", "此文件夹中没有 *.tests.yaml 文件"},
    {"no-expectation", "test '(.*)' expects nothing.*",
     "测试 '$1' 没有任何期望，会永远通过；请添加 'expect:'、'indicators:' 或 'expect_error:'"},
    {"no-expectation", "'case:' expects nothing.*", "'case:' 没有任何期望；请给出 stage、due、days_overdue 等"},
    {"no-expectation", "indicator '(.*)' expects nothing", "指标 '$1' 没有任何期望"},
    {"no-expectation", "this expectation about (.*) checks nothing", "关于 $1 的这条期望没有检查任何内容"},
    {"unknown-column", "'(.*)' is not a column of (\\w+) \\(its columns: (.*)\\)", "'$1' 不是%2的列（其列为：$3）"},
    {"unknown-column", "'(.*)' is not a column of (\\w+)", "'$1' 不是%2的列"},
    {"too-many-records", ".*", "一个测试最多 1,048,576 条记录"},
    {"parameter-gap", "parameter '(.*)', used by (.*), has no value in force on (\\d+) of the swept dates, from (.*) to (.*?)(; its first value is from (.*))?; give.*",
     "参数 '$1'（用于 $2）在所检查的 $3 个日期（$4 至 $5）没有生效的取值；首个取值自 $7 起；请补充更早日期起的取值"},
    {"parameter-gap", "parameter '(.*)', used by (.*), has no value in force on (.*?)(; its first value is from (.*))?; give.*",
     "参数 '$1'（用于 $2）在 $3 没有生效的取值；首个取值自 $5 起；请补充更早日期起的取值"},
    {"parameter-unset", "parameters unset by design \\(no value on any date\\): (.*)",
     "按设计未设定取值的参数（任何日期都没有取值）：$1"},
};

// Kind words of the format, for %N.
const std::pair<const char*, const char*> kWords[] = {
    {"field", "字段"},
    {"parameter", "参数"},
    {"derived value", "派生值"},
    {"special ledger", "专项台账"},
    {"key group", "重点群体"},
    {"table", "决策表"},
    {"value", "取值"},
    {"row", "行"},
    {"check", "校验"},
    {"stage", "阶段"},
    {"the workflow", "工作流"},
    {"checks", "校验"},
    {"role", "角色"},
    {"line", "责任线"},
    {"level", "层级"},
    {"indicator", "指标"},
    {"list", "清单"},
    {"calendar entry", "报送日历条目"},
    {"calendar", "报送日历"},
    {"clause", "条款"},
    {"event type", "事件类型"},
    {"duty", "职责"},
    {"records", "记录"},
    {"events", "事件"},
    {"roster", "名册"},
    {"students", "学生"},
    {"the end of the expression", "表达式结尾"},
};

// A kind word, or a kind word before a quoted name ("table 'status'").
std::string word(const std::string& w) {
  for (const auto& [en, zh] : kWords)
    if (w == en) return zh;
  for (const auto& [en, zh] : kWords) {
    const std::string prefix = std::string(en) + " '";
    if (w.rfind(prefix, 0) == 0) return std::string(zh) + " " + w.substr(prefix.size() - 1);
  }
  return w;
}

std::string fill(const char* tmpl, const std::smatch& m) {
  std::string out;
  for (const char* p = tmpl; *p; ++p) {
    if ((*p == '$' || *p == '%') && p[1] >= '1' && p[1] <= '9') {
      const size_t g = static_cast<size_t>(p[1] - '0');
      const std::string s = g < m.size() ? m[g].str() : std::string();
      out += *p == '$' ? s : word(s);
      ++p;
      continue;
    }
    out += *p;
  }
  return out;
}

}  // namespace

std::string normalize_language(std::string_view lang) {
  if (lang == "zh" || lang == "zh-CN" || lang == "zh_CN" || lang == "zh-cn" || lang == "chinese" || lang == "中文")
    return "zh";
  if (lang.empty() || lang == "en" || lang == "en-US" || lang == "english") return "en";
  return std::string(lang);
}

bool is_known_language(std::string_view lang) {
  const std::string l = normalize_language(lang);
  return l == "en" || l == "zh";
}

std::string localized_message(const Diagnostic& d, std::string_view lang) {
  if (normalize_language(lang) != "zh") return d.message;
  std::string msg = d.message;
  std::string suggestion;
  // "did you mean 'poor' (建档立卡)?" names a field by its alias too.
  static const std::regex kSuggest("; did you mean '([^']*)'(?: \\(([^)]*)\\))?\\?$");
  std::smatch sm;
  if (std::regex_search(msg, sm, kSuggest)) {
    suggestion = "；是否应为 '" + sm[1].str() + "'" + (sm[2].matched ? "（" + sm[2].str() + "）" : std::string()) + "？";
    msg = msg.substr(0, static_cast<size_t>(sm.position(0)));
  }
  // What uses a parameter (sweep_parameters' words), inside the messages
  // that name it: translated in place, as a list may name several.
  if (d.code == "parameter-gap" || d.code == "parameter-unset") {
    static const std::pair<std::regex, const char*> kUses[] = {
        {std::regex("the deadline of stage '([^']*)'"), "阶段 '$1' 的时限"},
        {std::regex("indicator '([^']*)'"), "指标 '$1'"},
        {std::regex("the transfer section"), "整班移交部分"},
        {std::regex("an expression"), "表达式"},
    };
    for (const auto& [re, zh] : kUses) msg = std::regex_replace(msg, re, zh);
  }
  for (const auto& e : kEntries) {
    if (d.code != e.code) continue;
    const std::regex re(e.pattern);
    std::smatch m;
    if (std::regex_match(msg, m, re)) return fill(e.zh, m) + suggestion;
  }
  // No translation: keep the English so that nothing is lost.
  return "（" + d.code + "）" + msg + suggestion;
}

std::vector<Diagnostic> localize(std::vector<Diagnostic> diags, std::string_view lang) {
  for (auto& d : diags) d.message = localized_message(d, lang);
  return diags;
}

std::vector<std::string> translated_codes() {
  std::vector<std::string> out;
  for (const auto& e : kEntries)
    if (out.empty() || out.back() != e.code) out.push_back(e.code);
  return out;
}

}  // namespace kcbx::detail
