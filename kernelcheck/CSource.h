#pragma once
/// CSource: a C file cut into its top-level items (function definitions, declarations, macros),
/// and the closure of the items a set of entry functions needs. Enough C for kernel-style code:
/// comments, strings, character literals and continued preprocessor lines are understood; the
/// preprocessor is not run (#include and conditionals are dropped: the stub header stands in).

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// One top-level item of a C file.
struct CItem {
    std::string text;                 ///< exactly as in the file
    std::size_t line = 1;             ///< where it starts (1-based)
    std::vector<std::string> defines; ///< the names it defines (function, macro, variable, tag)
    std::set<std::string> uses;       ///< every identifier in it
    bool isFunction = false;          ///< a function definition (has a body)
    std::size_t bodyOffset = 0;       ///< function: offset of the body's `{` in text
    bool isMacro = false;
};

/// A parsed C file.
class CSource {
  public:
    /// Cuts `text` into items; `path` names the file in messages. Never throws on odd C: what it
    /// cannot classify becomes an item that defines nothing.
    static CSource parse(const std::string &text, const std::string &path);

    const std::string &path() const { return path_; }
    const std::vector<CItem> &items() const { return items_; }
    /// The definition (with a body) of function `name`, if the file has one.
    const CItem *function(const std::string &name) const;
    /// The items `entries` need, transitively (functions they call, macros, variables and types
    /// they name), in file order.
    std::vector<const CItem *> closure(const std::vector<std::string> &entries) const;

  private:
    std::string path_;
    std::vector<CItem> items_;
};

/// A function's parameters, from its header (the text before the body): type text and name.
struct CParam {
    std::string text;
    std::string name;
};

/// The parameters of a function definition; empty for `(void)` or `()`.
std::vector<CParam> parameters(const CItem &function);

/// The header (text before the body) with the function's name replaced by `newName`.
std::string renamedHeader(const CItem &function, const std::string &name,
                          const std::string &newName);

} // namespace bridgepath
