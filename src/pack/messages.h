// Diagnostics in the rule author's language (`--lang zh`). English stays the
// default and the source of truth: a translation is looked up by the
// diagnostic's code (and, where one code has several messages, a fragment
// of the English text), and the names quoted in the English message are
// substituted into the Chinese one in order. The code, severity and position
// never change, so tools keyed on them work in both languages.
#ifndef KCBX_PACK_MESSAGES_H_
#define KCBX_PACK_MESSAGES_H_

#include <string>
#include <string_view>
#include <vector>

#include "kcbx/diagnostic.h"

namespace kcbx::detail {

// "en" or "zh" ("zh-CN", "zh_CN" and "chinese" are taken as "zh").
bool is_known_language(std::string_view lang);
std::string normalize_language(std::string_view lang);

// The message of `d` in `lang`. A message without a translation keeps its
// English text after a Chinese lead-in naming its code.
std::string localized_message(const Diagnostic& d, std::string_view lang);

// `diags` with each message localized.
std::vector<Diagnostic> localize(std::vector<Diagnostic> diags, std::string_view lang);

// The codes that have a Chinese translation (for tests).
std::vector<std::string> translated_codes();

}  // namespace kcbx::detail

#endif  // KCBX_PACK_MESSAGES_H_
