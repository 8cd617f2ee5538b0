#pragma once
/// LspciParser: imports `lspci -t` / `lspci -tv` text as people paste it.
///
/// Accepted: several domains and root buses (`-+-[0000:a0]-+-`, `\-[0001:00]-`), a single root bus
/// (`-[0000:00]-+-`), excerpts that start at an inner root-bus line (`  +-[0000:b0]-+-`), the
/// subtree form of `lspci -t -s` (`0000:08:07.0-[10-15]--...`), continuation lines matched by
/// column,
/// `----` single children, `-[05]--` empty bridges, `+-`/`\-` siblings, device names after the tree
/// (kept as labels; a name containing "Virtual Function" marks a VF), trailing blank or `|` lines,
/// CRLF line ends and tabs (expanded to 8 columns), leading `#` comment lines. Lines lost from a
/// paste are an error at the line: a `|` continuing no list, an open list without its `|`, a `+-`
/// whose sibling never comes; a paste whose first comment says `# excerpt` may end lists on `+-`
/// and leave rails blank (trimmed on purpose).

#include "topology/Topology.h"

#include <string>
#include <string_view>

namespace bridgepath {

/// Parses lspci tree text; `source` names it in errors. Throws InputError with
/// `source:line:column` on anything that is not a tree, never returns a partial tree.
Topology parseLspci(std::string_view text, const std::string &source);

/// True if the text looks like lspci tree output rather than JSON.
bool looksLikeLspci(std::string_view text);

} // namespace bridgepath
