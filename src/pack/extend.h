// Resolving `extends:` chains into one merged Pack.
#ifndef KCBX_PACK_EXTEND_H_
#define KCBX_PACK_EXTEND_H_

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pack/pack.h"

namespace kcbx::detail {

// Finds the base pack named by `ref` (an embedded name or a path, relative
// to `from_file`); sets its file name and text. False when not found.
using SourceLookup = std::function<bool(const std::string& ref, const std::string& from_file,
                                        std::string& file, std::string& text)>;

// Reads a pack file's text, at most `limit` + 1 bytes: enough for load_pack
// to report a pack over the size limit, and bounded for a path such as
// /dev/zero or a pipe that never ends. False when it cannot be read.
bool read_pack_file(const std::string& path, std::string& text, size_t limit);

// Embedded packs by name, then files on disk.
bool default_lookup(const std::string& ref, const std::string& from_file, std::string& file,
                    std::string& text);

// Whether every error in `diags` leaves the pack whole enough to check:
// a value the loader could not read and read as absent (a `from:` that is
// no date applies from always), or an unknown key it left out that is a
// misspelt describing key (`descripton:`), whose absence changes no check.
// Checking then goes on, so that one run of kcbx validate lists every
// problem of the file, not the first alone.
bool only_recoverable_errors(std::span<const Diagnostic> diags);

// Loads `text` and, when it extends a base, loads the chain (at most 16
// deep, cycles reported) and merges it. Every problem becomes a diagnostic
// located in the file that made it.
std::shared_ptr<Pack> resolve_pack(std::string_view text, const std::string& file,
                                   std::vector<Diagnostic>& diags, const SourceLookup& lookup,
                                   int depth = 0, std::vector<std::string>* chain = nullptr);

// The merged pack as YAML, each item preceded by "# file:line" of the file
// that made it (kcbx validate --print-effective).
std::string print_effective(const Pack& pack);

}  // namespace kcbx::detail

#endif  // KCBX_PACK_EXTEND_H_
