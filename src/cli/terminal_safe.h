// Standard error made safe for a terminal. Messages quote what the inputs
// hold (a cell, a pack's key, a file name), and an input can hold terminal
// control sequences: an ESC in a student number would recolour, clear or
// retitle the user's terminal, a CR overwrite the line before it. Every
// control character that is not a line break or a tab is shown as an escape
// (\x1b, \r, \u009b) instead. Only the progress bar, which moves the cursor
// on purpose, writes around the filter (progress_stream()).
#ifndef KCBX_CLI_TERMINAL_SAFE_H_
#define KCBX_CLI_TERMINAL_SAFE_H_

#include <ostream>

namespace kcbx::cli {

// Installs the filter on std::cerr (once; later calls do nothing).
void make_stderr_terminal_safe();

// Standard error without the filter, for output that is itself a control
// sequence (the progress bar's carriage return and line erase).
std::ostream& progress_stream();

}  // namespace kcbx::cli

#endif  // KCBX_CLI_TERMINAL_SAFE_H_
