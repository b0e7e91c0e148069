// Files that are either complete or absent: a reader (or a run killed half
// way) never sees a partial checkpoint, model or metrics file.
#pragma once

#include <string>

namespace shiftadd::train {

/// Writes `bytes` to `path` through `path.tmp` + fsync + rename. Throws
/// std::runtime_error naming the path on failure (the temporary is removed).
void writeFileAtomically(const std::string &path, const std::string &bytes);

} // namespace shiftadd::train
