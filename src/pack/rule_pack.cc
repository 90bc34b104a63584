#include "kcbx/rule_pack.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/input_file.h"
#include "pack/checked_pack.h"
#include "pack/extend.h"
#include "pack/schema.h"
#include "pack/yaml_walk.h"

namespace kcbx {

namespace detail {
std::string_view embedded_pack(std::string_view name);  // embedded_packs.cc
}

namespace {
const std::vector<std::string> kEmbedded = {"guizhou"};
}

const std::string& RulePack::name() const { return impl_->pack->meta.name.value; }
const std::string& RulePack::version() const { return impl_->pack->meta.version.value; }
const std::string& RulePack::jurisdiction() const {
  return impl_->pack->meta.jurisdiction.value;
}
const std::string& RulePack::file() const { return impl_->pack->file; }
const std::string& RulePack::source() const { return impl_->pack->source; }

std::string RulePack::content_hash() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(impl_->pack->source_hash));
  return buf;
}

std::string RulePack::id() const {
  return name() + (version().empty() ? "" : " " + version()) + " #" + content_hash();
}

namespace {

// Errors found in a base pack that is valid on its own are the extension's
// doing: a note at its `extends:` names what it changed. (A base with errors
// of its own gets no note: they are its own.)
void note_base_errors(const detail::Pack& p, const std::string& file, std::vector<Diagnostic>& diags) {
  size_t in_base = 0;
  for (const auto& d : diags)
    if (d.severity == Severity::kError && !d.where.file.empty() && d.where.file != file) ++in_base;
  if (in_base == 0 || !p.base) return;
  std::vector<Diagnostic> alone;
  (void)detail::check_pack(p.base, alone);
  if (has_errors(alone)) return;
  std::string changed;
  for (const auto& c : p.changed) changed += (changed.empty() ? "" : ", ") + c;
  const SourceLocation at = p.extends_at.file == file ? p.extends_at : SourceLocation{file, 1, 1};
  diags.push_back({Severity::kNote, at, "base-error",
                   std::to_string(in_base) + (in_base == 1 ? " error is" : " errors are") +
                       " in the base pack, which is valid on its own: this pack's changes break it" +
                       (changed.empty() ? std::string() : "; it changes " + changed)});
}

std::shared_ptr<const detail::CheckedPack> build(std::string_view yaml, const std::string& file,
                                                 const detail::SourceLookup& lookup,
                                                 std::vector<Diagnostic>& diags) {
  auto pack = detail::resolve_pack(yaml, file, diags, lookup);
  // Errors a full-width colon or comma caused (an unknown key 'id： x', a
  // report day '15， last', met when the file is read or merged) come after
  // the punctuation that explains them; a file yaml-cpp could not read has
  // it reported already (load.cc).
  auto explain_full_width = [&] {
    if (!has_errors(diags) ||
        std::any_of(diags.begin(), diags.end(), [](const Diagnostic& d) { return d.code == "full-width-punctuation"; }))
      return;
    std::vector<Diagnostic> wide = detail::full_width_punctuation(file, yaml, diags);
    diags.insert(diags.begin(), wide.begin(), wide.end());
  };
  if (has_errors(diags)) {
    // An extension that loaded, and whose base did, but that changes the
    // base wrongly (an override of nothing, a row id not in the base): the
    // merge skipped those items, and the merged pack is checked as well, so
    // that one run lists every problem of the file. So is a pack of its own
    // whose only errors left it whole (a `from:` that is no date). A place
    // reported already is not reported again (a new table without rows is
    // one problem, not two).
    if (pack && (pack->base || (pack->meta.extends.empty() && detail::only_recoverable_errors(diags)))) {
      const size_t merge_end = diags.size();
      (void)detail::check_pack(pack, diags);
      auto reported = [&](const Diagnostic& d) {
        for (size_t i = 0; i < merge_end; ++i)
          if (diags[i].where.file == d.where.file && diags[i].where.line == d.where.line &&
              diags[i].where.column == d.where.column)
            return true;
        return false;
      };
      diags.erase(std::remove_if(diags.begin() + static_cast<std::ptrdiff_t>(merge_end), diags.end(), reported),
                  diags.end());
      note_base_errors(*pack, file, diags);
    }
    explain_full_width();
    return nullptr;
  }
  auto checked = detail::check_pack(pack, diags);
  if (pack->base && has_errors(diags)) note_base_errors(*pack, file, diags);
  explain_full_width();
  if (has_errors(diags)) return nullptr;
  return checked;
}

}  // namespace

std::vector<Diagnostic> check_rules(std::string_view yaml, const std::string& file) {
  std::vector<Diagnostic> diags;
  build(yaml, file, detail::default_lookup, diags);
  return diags;
}

RulePack parse_rules(std::string_view yaml, const std::string& file) {
  std::vector<Diagnostic> diags;
  auto checked = build(yaml, file, detail::default_lookup, diags);
  if (!checked) throw Error(std::move(diags));
  return RulePack(std::move(checked));
}

RulePack parse_rules(const std::vector<std::pair<std::string, std::string>>& sources) {
  if (sources.empty()) throw Error("no-source", "no rule pack source given");
  // Bases resolve against the given sources first (by file name), so a
  // pickled pack rebuilds on a machine without its files, or in another
  // folder: the name the base was read by (`../base.yaml` from
  // `provinces/x/x.yaml` is `provinces/base.yaml`), else a source whose name
  // ends with the reference, else an embedded pack or the disk.
  detail::SourceLookup lookup = [&](const std::string& ref, const std::string& from, std::string& file,
                                    std::string& text) {
    if (detail::embedded_pack(ref).empty()) {
      namespace fs = std::filesystem;
      fs::path p(ref);
      if (p.is_relative() && !from.empty() && from.front() != '<') p = fs::path(from).parent_path() / p;
      const std::string read_as = p.lexically_normal().string();
      for (const auto& [f, t] : sources)
        if (f == read_as) {
          file = f;
          text = t;
          return true;
        }
    }
    if (detail::default_lookup(ref, from, file, text)) {
      for (const auto& [f, t] : sources)
        if (f == file) text = t;
      return true;
    }
    for (const auto& [f, t] : sources) {
      const bool same = f == ref || (f.size() > ref.size() && f.compare(f.size() - ref.size(), ref.size(), ref) == 0 &&
                                     f[f.size() - ref.size() - 1] == '/');
      if (same) {
        file = f;
        text = t;
        return true;
      }
    }
    return false;
  };
  std::vector<Diagnostic> diags;
  auto checked = build(sources.back().second, sources.back().first, lookup, diags);
  if (!checked) throw Error(std::move(diags));
  return RulePack(std::move(checked));
}

const std::vector<std::pair<std::string, std::string>>& RulePack::sources() const {
  return impl_->pack->sources;
}

RulePack load_rules(const std::string& path) {
  {
    std::ifstream probe;
    detail::open_input(probe, path, "rule pack");
  }
  std::string text;
  if (!detail::read_pack_file(path, text, detail::schema::kMaxPackBytes))
    throw Error({{Severity::kError, {path, 0, 0}, "cannot-read", "cannot read the rule pack"}});
  return parse_rules(text, path);
}

RulePack default_rules(std::string_view name) {
  const std::string_view text = detail::embedded_pack(name);
  if (text.empty())
    throw Error("unknown-pack", "no embedded rule pack named '" + std::string(name) + "'");
  return parse_rules(text, "<embedded:" + std::string(name) + ">");
}

std::vector<std::string> embedded_rule_names() { return kEmbedded; }

}  // namespace kcbx
