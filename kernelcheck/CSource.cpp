#include "kernelcheck/CSource.h"

#include <cctype>

namespace bridgepath {

namespace {

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

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
    static const std::set<std::string> k{
        "static", "inline", "const", "volatile", "extern", "struct", "union", "enum", "unsigned",
        "signed", "int", "char", "short", "long", "void", "bool", "float", "double", "return",
        "if", "else", "for", "while", "do", "switch", "case", "default", "break", "continue",
        "goto", "sizeof", "typedef", "register", "__maybe_unused", "__init", "__exit"};
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

// What a declaration (an item ending in `;`) defines.
std::vector<std::string> declared(const std::string &text) {
    const auto ids = identifiers(text);
    std::vector<std::string> out;
    if (ids.empty())
        return out;
    // struct/union/enum TAG { ... }
    for (std::size_t k = 0; k + 1 < ids.size(); ++k)
        if ((ids[k].first == "struct" || ids[k].first == "union" || ids[k].first == "enum") &&
            text.find('{', ids[k + 1].second) != std::string::npos &&
            text.find_first_not_of(" \t\n", ids[k + 1].second + ids[k + 1].first.size()) ==
                text.find('{', ids[k + 1].second)) {
            out.push_back(ids[k + 1].first);
            break;
        }
    // A prototype or a variable: the identifier before the first `(`, `=`, `[` or `;` outside
    // brackets; a macro-made one (`static DECLARE_RWSEM(name);`): the names in its parentheses.
    std::size_t i = 0;
    int depth = 0;
    std::size_t stop = text.size();
    for (; i < text.size();) {
        if (skipLiteral(text, i))
            continue;
        const char c = text[i];
        if (c == '{')
            ++depth;
        else if (c == '}')
            --depth;
        else if (depth == 0 && (c == '(' || c == '=' || c == '[' || c == ';' || c == ',')) {
            stop = i;
            break;
        }
        ++i;
    }
    std::string last;
    for (const auto &[id, at] : ids)
        if (at < stop && !keywords().count(id))
            last = id;
    if (!last.empty() && last != "EXPORT_SYMBOL_GPL" && last != "EXPORT_SYMBOL")
        out.push_back(last);
    if (stop < text.size() && text[stop] == '(' && !last.empty() &&
        std::isupper(static_cast<unsigned char>(last[0]))) {
        const std::size_t close = matching(text, stop);
        for (const auto &[id, at] : ids)
            if (at > stop && at < close)
                out.push_back(id);
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

} // namespace

CSource CSource::parse(const std::string &text, const std::string &path) {
    CSource src;
    src.path_ = path;
    const std::size_t n = text.size();
    std::size_t i = 0, line = 1;
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
            std::size_t end = i;
            while (end < n && text[end] != '\n')
                end += text[end] == '\\' && end + 1 < n ? 2 : 1;
            item.text = text.substr(start, end - start);
            advance(end);
            const auto ids = identifiers(item.text);
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
