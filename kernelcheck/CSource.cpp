#include "kernelcheck/CSource.h"

#include <algorithm>
#include <cctype>

namespace bridgepath {

namespace {

bool identStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool identChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Skips a comment, string or character literal at `i` (returns true and moves past it).
bool skipLiteral(const std::string &s, std::size_t &i) {
    const std::size_t n = s.size();
    if (s.compare(i, 2, "//") == 0) {
        while (i < n && s[i] != '\n')
            ++i;
        return true;
    }
    if (s.compare(i, 2, "/*") == 0) {
        const std::size_t end = s.find("*/", i + 2);
        i = end == std::string::npos ? n : end + 2;
        return true;
    }
    if (s[i] == '"' || s[i] == '\'') {
        const char q = s[i++];
        while (i < n && s[i] != q && s[i] != '\n')
            i += s[i] == '\\' ? 2 : 1;
        i = std::min(n, i + 1);
        return true;
    }
    return false;
}

// Identifiers of a piece of C, skipping comments and literals, in order.
std::vector<std::pair<std::string, std::size_t>> identifiers(const std::string &s) {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (std::size_t i = 0; i < s.size();) {
        if (skipLiteral(s, i))
            continue;
        if (identStart(s[i]) && (i == 0 || !identChar(s[i - 1]))) {
            const std::size_t start = i;
            while (i < s.size() && identChar(s[i]))
                ++i;
            out.emplace_back(s.substr(start, i - start), start);
            continue;
        }
        ++i;
    }
    return out;
}

const std::set<std::string> &keywords() {
    static const std::set<std::string> k{"static",   "inline",
                                         "const",    "volatile",
                                         "extern",   "struct",
                                         "union",    "enum",
                                         "unsigned", "signed",
                                         "int",      "char",
                                         "short",    "long",
                                         "void",     "bool",
                                         "float",    "double",
                                         "return",   "if",
                                         "else",     "for",
                                         "while",    "do",
                                         "switch",   "case",
                                         "default",  "break",
                                         "continue", "goto",
                                         "sizeof",   "typedef",
                                         "register", "__maybe_unused",
                                         "__init",   "__exit"};
    return k;
}

// The matching close of the bracket at `open` (same kind), skipping literals; npos if none.
std::size_t matching(const std::string &s, std::size_t open) {
    const char o = s[open], c = o == '(' ? ')' : o == '{' ? '}' : ']';
    int depth = 0;
    for (std::size_t i = open; i < s.size();) {
        if (skipLiteral(s, i))
            continue;
        if (s[i] == o)
            ++depth;
        else if (s[i] == c && --depth == 0)
            return i;
        ++i;
    }
    return std::string::npos;
}

// Identifiers that qualify a declaration without naming anything.
bool qualifier(const std::string &id) {
    static const std::set<std::string> q{"__read_mostly",   "__ro_after_init",
                                         "__initdata",      "__initconst",
                                         "__always_unused", "__packed",
                                         "__aligned",       "__percpu",
                                         "__rcu",           "__iomem",
                                         "__user",          "__force",
                                         "__must_check",    "__cacheline_aligned"};
    return keywords().count(id) || q.count(id);
}

// What a declaration (an item ending in `;`) defines: a struct/union/enum tag, enum constants,
// and one name per declarator (`int a, b;`, `int (*hook)(...)`, `typedef ... t;`, a prototype's
// function); a macro-made one (`static DECLARE_RWSEM(name);`): the names in its parentheses.
std::vector<std::string> declared(const std::string &text) {
    const auto ids = identifiers(text);
    std::vector<std::string> out;
    if (ids.empty() || ids.front().first == "EXPORT_SYMBOL_GPL" ||
        ids.front().first == "EXPORT_SYMBOL")
        return out;
    for (std::size_t k = 0; k + 1 < ids.size(); ++k)
        if ((ids[k].first == "struct" || ids[k].first == "union" || ids[k].first == "enum") &&
            text.find_first_not_of(" \t\r\n", ids[k + 1].second + ids[k + 1].first.size()) ==
                text.find('{', ids[k + 1].second)) {
            out.push_back(ids[k + 1].first);
            break;
        }
    // Enum constants: the identifier that opens each enumerator of an enum body.
    if (ids.front().first == "enum" || text.find("enum") != std::string::npos) {
        const std::size_t open = text.find('{');
        const std::size_t close = open == std::string::npos ? open : matching(text, open);
        bool expectName = true;
        for (std::size_t j = open + 1; open != std::string::npos && j < close;) {
            if (skipLiteral(text, j))
                continue;
            if (text[j] == ',')
                expectName = true;
            if (identStart(text[j]) && !identChar(text[j - 1])) {
                std::size_t e = j;
                while (e < close && identChar(text[e]))
                    ++e;
                if (expectName)
                    out.push_back(text.substr(j, e - j));
                expectName = false;
                j = e;
                continue;
            }
            ++j;
        }
    }
    // The declarators: `text` with every {...} blanked, cut at top-level commas before the `;`.
    std::string flat = text;
    for (std::size_t j = 0; j < flat.size();) {
        if (skipLiteral(flat, j))
            continue;
        if (flat[j] == '{') {
            const std::size_t close = matching(flat, j);
            const std::size_t to = close == std::string::npos ? flat.size() : close + 1;
            for (std::size_t k = j; k < to; ++k)
                flat[k] = flat[k] == '\n' ? '\n' : ' ';
            j = to;
            continue;
        }
        ++j;
    }
    std::vector<std::pair<std::size_t, std::size_t>> chunks;
    std::size_t from = 0;
    int depth = 0;
    for (std::size_t j = 0; j < flat.size();) {
        if (skipLiteral(flat, j))
            continue;
        const char c = flat[j];
        if (c == '(' || c == '[')
            ++depth;
        else if (c == ')' || c == ']')
            --depth;
        else if (depth == 0 && (c == ',' || c == ';')) {
            chunks.emplace_back(from, j);
            from = j + 1;
            if (c == ';')
                break;
        }
        ++j;
    }
    for (const auto &[b, e] : chunks) {
        const std::string part = flat.substr(b, e - b);
        const auto partIds = identifiers(part);
        // A function pointer: the name right after `(*`.
        const std::size_t star = part.find("(*");
        if (star != std::string::npos) {
            for (const auto &[id, at] : partIds)
                if (at > star) {
                    out.push_back(id);
                    break;
                }
            continue;
        }
        // Otherwise the last name before `=`, `[` or `(` (a prototype's function, a variable).
        std::size_t stop = part.size();
        for (std::size_t j = 0; j < part.size();) {
            if (skipLiteral(part, j))
                continue;
            if (part[j] == '=' || part[j] == '[' || part[j] == '(') {
                stop = j;
                break;
            }
            ++j;
        }
        std::string last;
        for (const auto &[id, at] : partIds)
            if (at < stop && !qualifier(id))
                last = id;
        if (last.empty())
            continue;
        out.push_back(last);
        if (stop < part.size() && part[stop] == '(' &&
            std::isupper(static_cast<unsigned char>(last[0]))) {
            const std::size_t close = matching(part, stop);
            for (const auto &[id, at] : partIds)
                if (at > stop && at < close)
                    out.push_back(id);
        }
    }
    return out;
}

// The `(` of a function header's parameter list: the one matching the header's last `)`.
std::size_t parameterListOpen(const std::string &header) {
    const std::size_t close = header.rfind(')');
    if (close == std::string::npos)
        return std::string::npos;
    int depth = 0;
    for (std::size_t k = close + 1; k-- > 0;) {
        if (header[k] == ')')
            ++depth;
        else if (header[k] == '(' && --depth == 0)
            return k;
    }
    return std::string::npos;
}

// Where a conditional (#if ... #endif) is: in the branch taken, before it, or past it.
enum class Branch { Taking, Waiting, Done };

bool taking(const std::vector<Branch> &open) {
    return std::all_of(open.begin(), open.end(), [](Branch b) { return b == Branch::Taking; });
}

} // namespace

CSource CSource::parse(const std::string &text, const std::string &path) {
    CSource src;
    src.path_ = path;
    const std::size_t n = text.size();
    std::size_t i = 0, line = 1;
    std::vector<Branch> branch; // per open conditional
    auto advance = [&](std::size_t to) {
        for (; i < to && i < n; ++i)
            line += text[i] == '\n';
    };
    while (i < n) {
        // Whitespace and comments between items.
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            advance(i + 1);
            continue;
        }
        std::size_t probe = i;
        if (skipLiteral(text, probe) && (text[i] == '/')) {
            advance(probe);
            continue;
        }
        CItem item;
        item.line = line;
        const std::size_t start = i;
        if (text[i] == '#') {
            // To the end of the line: a backslash continues it (also before \r\n), and a
            // comment that opens on it runs to its close.
            std::size_t end = i;
            while (end < n && text[end] != '\n') {
                if (text[end] == '\\' && end + 1 < n &&
                    (text[end + 1] == '\n' || (text[end + 1] == '\r' && end + 2 < n))) {
                    end += text[end + 1] == '\r' ? 3 : 2;
                    continue;
                }
                std::size_t past = end;
                if (text[end] == '/' && skipLiteral(text, past)) {
                    end = past;
                    continue;
                }
                ++end;
            }
            item.text = text.substr(start, end - start);
            advance(end);
            const auto ids = identifiers(item.text);
            // Conditionals: the first branch is taken (`#if 0`: the next one), since the
            // configuration is unknown; without this both branches would define the same names.
            if (!ids.empty()) {
                const std::string &d = ids[0].first;
                const bool ifZero =
                    d == "if" && ids.size() == 1 && item.text.find('0') != std::string::npos;
                if (d == "if" || d == "ifdef" || d == "ifndef")
                    branch.push_back(ifZero ? Branch::Waiting : Branch::Taking);
                else if ((d == "elif" || d == "else") && !branch.empty())
                    branch.back() =
                        branch.back() == Branch::Waiting ? Branch::Taking : Branch::Done;
                else if (d == "endif" && !branch.empty())
                    branch.pop_back();
            }
            if (!taking(branch))
                continue;
            if (ids.size() >= 2 && ids[0].first == "define") {
                item.isMacro = true;
                item.defines.push_back(ids[1].first);
                for (std::size_t k = 2; k < ids.size(); ++k)
                    item.uses.insert(ids[k].first);
                src.items_.push_back(std::move(item));
            }
            continue; // #include, #if, #endif, #pragma: the stub header stands in
        }
        // Up to `;` at depth 0, or the `}` closing a function body.
        int depth = 0;
        std::size_t end = n, body = std::string::npos;
        char lastSignificant = 0;
        for (std::size_t j = i; j < n;) {
            if (skipLiteral(text, j))
                continue;
            const char c = text[j];
            if (c == '{') {
                if (depth == 0 && body == std::string::npos && lastSignificant == ')')
                    body = j;
                ++depth;
            } else if (c == '}') {
                --depth;
                if (depth == 0 && body != std::string::npos) {
                    end = j + 1;
                    break;
                }
            } else if (c == ';' && depth == 0) {
                end = j + 1;
                break;
            }
            if (!std::isspace(static_cast<unsigned char>(c)))
                lastSignificant = c;
            ++j;
        }
        item.text = text.substr(start, end - start);
        advance(end);
        if (!taking(branch))
            continue; // in a conditional branch not taken
        for (const auto &[id, at] : identifiers(item.text))
            item.uses.insert(id);
        if (body != std::string::npos) {
            item.isFunction = true;
            item.bodyOffset = body - start;
            const std::string header = item.text.substr(0, item.bodyOffset);
            const std::size_t open = parameterListOpen(header);
            std::string name;
            for (const auto &[id, at] : identifiers(header))
                if (open != std::string::npos && at < open)
                    name = id;
            if (!name.empty())
                item.defines.push_back(name);
        } else {
            item.defines = declared(item.text);
        }
        src.items_.push_back(std::move(item));
    }
    return src;
}

const CItem *CSource::function(const std::string &name) const {
    for (const CItem &it : items_)
        if (it.isFunction && !it.defines.empty() && it.defines.front() == name)
            return &it;
    return nullptr;
}

std::vector<const CItem *> CSource::closure(const std::vector<std::string> &entries) const {
    std::map<std::string, std::vector<std::size_t>> definedBy;
    for (std::size_t k = 0; k < items_.size(); ++k)
        for (const std::string &d : items_[k].defines)
            definedBy[d].push_back(k);
    std::vector<bool> take(items_.size(), false);
    std::set<std::string> seen;
    std::vector<std::string> todo(entries.begin(), entries.end());
    while (!todo.empty()) {
        const std::string name = todo.back();
        todo.pop_back();
        if (!seen.insert(name).second)
            continue;
        const auto it = definedBy.find(name);
        if (it == definedBy.end())
            continue;
        for (std::size_t k : it->second) {
            if (take[k])
                continue;
            take[k] = true;
            for (const std::string &u : items_[k].uses)
                todo.push_back(u);
        }
    }
    std::vector<const CItem *> out;
    for (std::size_t k = 0; k < items_.size(); ++k)
        if (take[k])
            out.push_back(&items_[k]);
    return out;
}

std::vector<CParam> parameters(const CItem &function) {
    const std::string header = function.text.substr(0, function.bodyOffset);
    const std::size_t open = parameterListOpen(header);
    std::vector<CParam> out;
    if (open == std::string::npos)
        return out;
    const std::size_t close = header.rfind(')');
    std::string inner = header.substr(open + 1, close - open - 1);
    std::size_t from = 0;
    int depth = 0;
    for (std::size_t k = 0; k <= inner.size(); ++k) {
        if (k < inner.size() && (inner[k] == '(' || inner[k] == '['))
            ++depth;
        else if (k < inner.size() && (inner[k] == ')' || inner[k] == ']'))
            --depth;
        if (k == inner.size() || (inner[k] == ',' && depth == 0)) {
            CParam p;
            p.text = inner.substr(from, k - from);
            const auto ids = identifiers(p.text);
            if (!ids.empty() && !(ids.size() == 1 && ids[0].first == "void"))
                p.name = ids.back().first;
            if (!p.name.empty())
                out.push_back(p);
            from = k + 1;
        }
    }
    return out;
}

std::string renamedHeader(const CItem &function, const std::string &name,
                          const std::string &newName) {
    std::string header = function.text.substr(0, function.bodyOffset);
    for (const auto &[id, at] : identifiers(header))
        if (id == name)
            return header.substr(0, at) + newName + header.substr(at + name.size());
    return header;
}

} // namespace bridgepath
