// Rule packs: the policy as YAML. A RulePack is loaded and fully validated
// (names resolved, expressions type-checked) or not created at all; nothing
// is half-loaded. It is an immutable value, cheap to copy and safe to share
// between threads.
//
//   kcbx::RulePack pack = kcbx::load_rules("rules/guizhou.yaml");
//   kcbx::RulePack builtin = kcbx::default_rules();   // embedded Guizhou pack
//   for (auto& d : kcbx::check_rules(text, "x.yaml")) std::cerr << d.format();
#ifndef KCBX_RULE_PACK_H_
#define KCBX_RULE_PACK_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kcbx/diagnostic.h"

namespace kcbx {

namespace detail {
struct CheckedPack;
}

class RulePack {
 public:
  // Copies share the validated pack. A move copies too (declared copies
  // leave no implicit move): a pack moved from stays the same pack, never
  // an empty one whose every call would fail.
  RulePack(const RulePack&) = default;
  RulePack& operator=(const RulePack&) = default;

  const std::string& name() const;
  const std::string& version() const;
  const std::string& jurisdiction() const;
  // The file it was loaded from ("<embedded:guizhou>" for built-in packs).
  const std::string& file() const;
  // The YAML text, exactly as loaded; pickling and copies reload from it.
  const std::string& source() const;
  // Every file the pack was made from, (file, text), base first: a pack
  // that `extends:` another carries its whole chain.
  const std::vector<std::pair<std::string, std::string>>& sources() const;
  // 16 hex digits identifying the source texts, not the paths they were
  // read by (FNV-1a 64).
  std::string content_hash() const;
  // "guizhou 1.0.0 #0123456789abcdef": what every result is traced to.
  std::string id() const;

  // Internal representation, for the engine.
  const detail::CheckedPack& checked() const { return *impl_; }
  std::shared_ptr<const detail::CheckedPack> shared() const { return impl_; }

 private:
  friend RulePack parse_rules(std::string_view, const std::string&);
  friend RulePack parse_rules(const std::vector<std::pair<std::string, std::string>>&);
  explicit RulePack(std::shared_ptr<const detail::CheckedPack> impl)
      : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::CheckedPack> impl_;
};

// Loads and validates a pack file. Throws kcbx::Error with every diagnostic
// when it cannot be used (including when the file cannot be read).
RulePack load_rules(const std::string& path);

// Validates YAML text; `file` names it in diagnostics. Throws kcbx::Error.
RulePack parse_rules(std::string_view yaml, const std::string& file = "<string>");

// Rebuilds a pack from RulePack::sources() (pickling, other processes):
// bases resolve against these texts before the disk. Throws kcbx::Error.
RulePack parse_rules(const std::vector<std::pair<std::string, std::string>>& sources);

// A pack compiled into the library: "guizhou" (the default). Throws
// kcbx::Error for an unknown name.
RulePack default_rules(std::string_view name = "guizhou");

// Names of the embedded packs.
std::vector<std::string> embedded_rule_names();

// Like parse_rules, without throwing: the diagnostics (empty when valid).
std::vector<Diagnostic> check_rules(std::string_view yaml,
                                    const std::string& file = "<string>");

}  // namespace kcbx

#endif  // KCBX_RULE_PACK_H_
