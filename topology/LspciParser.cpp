#include "topology/LspciParser.h"

#include "topology/InputError.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace bridgepath {

namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::vector<std::string> splitLines(std::string_view text) {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    std::vector<std::string> lines;
    std::string cur;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n') {
            while (!cur.empty() && (cur.back() == ' ' || cur.back() == '\r'))
                cur.pop_back();
            lines.push_back(std::move(cur));
            cur.clear();
            if (i == text.size())
                break;
        } else if (text[i] == '\t') {
            cur.append(8 - cur.size() % 8, ' ');
        } else {
            cur.push_back(text[i]);
        }
    }
    return lines;
}

// True for lines that carry no tree content: blank, or only spaces and `|`.
bool isFiller(const std::string &line) {
    return line.find_first_not_of(" |") == std::string::npos;
}

class Parser {
  public:
    Parser(std::string_view text, const std::string &source)
        : lines_(splitLines(text)), source_(source) {}

    Topology run() {
        std::size_t l = 0;
        // Leading `#` lines are comments; `# excerpt` says the paste was trimmed on purpose.
        for (; l < lines_.size(); ++l) {
            const std::size_t c = lines_[l].find_first_not_of(' ');
            if (c == std::string::npos)
                continue;
            if (lines_[l][c] != '#')
                break;
            std::string word = lines_[l].substr(c + 1);
            word.erase(0, word.find_first_not_of(' '));
            word = word.substr(0, 7);
            std::transform(word.begin(), word.end(), word.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            excerpt_ = excerpt_ || word == "excerpt";
        }
        bool any = false;
        while (true) {
            while (l < lines_.size() && isFiller(lines_[l]))
                ++l;
            if (l >= lines_.size())
                break;
            l = parseTopLevel(l);
            any = true;
        }
        if (!any)
            throw InputError(source_ + ":1:1", "no PCI tree found (expected `lspci -t` output)");
        // Buses alone (`-[0000:60]-`) are no tree: there is nothing to preserve, and rendering
        // it would print nothing that reads back (found by fuzzing).
        if (specs_.empty())
            throw InputError(source_ + ":1:1", "no PCI device in the tree (only buses)");
        return Topology::build(std::move(specs_), source_);
    }

  private:
    std::vector<std::string> lines_;
    std::string source_;
    std::vector<DeviceSpec> specs_;
    bool excerpt_ = false; // a `# excerpt` line: lists may end on `+-`, rails may be blank

    [[noreturn]] void fail(std::size_t line, std::size_t col, const std::string &msg) const {
        throw InputError(source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(col + 1),
                         msg);
    }

    char at(std::size_t line, std::size_t col) const {
        const std::string &s = lines_[line];
        return col < s.size() ? s[col] : '\0';
    }

    bool startsWith(std::size_t line, std::size_t col, std::string_view what) const {
        const std::string &s = lines_[line];
        return col <= s.size() && std::string_view(s).substr(col, what.size()) == what;
    }

    void expect(std::size_t line, std::size_t &col, std::string_view what,
                const std::string &context) {
        if (!startsWith(line, col, what))
            fail(line, col, "expected '" + std::string(what) + "' " + context);
        col += what.size();
    }

    // Reads exactly `digits` hex digits at col.
    unsigned hex(std::size_t line, std::size_t &col, std::size_t digits, const char *what) {
        unsigned v = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const int d = hexValue(at(line, col + i));
            if (d < 0)
                fail(line, col + i,
                     std::string("expected ") + what + " (" + std::to_string(digits) +
                         " hex digits)");
            v = v * 16 + static_cast<unsigned>(d);
        }
        col += digits;
        return v;
    }

    // `[dddd:bb]` of a root bus; the domain has 4 or more hex digits.
    std::pair<std::uint32_t, unsigned> rootBracket(std::size_t line, std::size_t &col) {
        expect(line, col, "[", "to open a root bus '[dddd:bb]'");
        std::size_t n = 0;
        while (hexValue(at(line, col + n)) >= 0)
            ++n;
        if (n < 4 || n > 8)
            fail(line, col, "expected a 4 to 8 digit hex domain in '[dddd:bb]'");
        const unsigned domain = hex(line, col, n, "a domain");
        expect(line, col, ":", "between domain and bus");
        const unsigned bus = hex(line, col, 2, "a bus number");
        expect(line, col, "]", "to close the root bus");
        return {domain, bus};
    }

    std::size_t parseTopLevel(std::size_t l) {
        const std::size_t c = lines_[l].find_first_not_of(' ');
        if (hexValue(at(l, c)) >= 0) {
            // Subtree form (`lspci -t -s`): a full BDF starts the tree.
            std::size_t col = c;
            std::size_t n = 0;
            while (hexValue(at(l, col + n)) >= 0)
                ++n;
            if (n < 4 || n > 8 || at(l, col + n) != ':')
                fail(l, col, "expected '-[dddd:bb]-', '+-[dddd:bb]-' or a full BDF 'dddd:bb:dd.f'");
            const unsigned domain = hex(l, col, n, "a domain");
            expect(l, col, ":", "after the domain");
            const unsigned bus = hex(l, col, 2, "a bus number");
            expect(l, col, ":", "after the bus");
            return parseDevice(l, col, domain, bus, std::nullopt, {});
        }
        if (startsWith(l, c, "-[")) {
            std::size_t col = c + 1;
            auto [domain, bus] = rootBracket(l, col);
            expect(l, col, "-", "after the root bus");
            return parseBus(l, col, domain, bus, std::nullopt, {});
        }
        if (startsWith(l, c, "-+-["))
            return parseRootList(l, c + 1);
        if (startsWith(l, c, "+-[") || startsWith(l, c, "\\-["))
            return parseRootList(l, c);
        fail(l, c,
             "expected '-[dddd:bb]-', '-+-[dddd:bb]-', '+-[dddd:bb]-' or a full BDF: "
             "not part of an lspci tree");
    }

    // Root buses listed at column `col` (`+-[dddd:bb]-` ... `\-[dddd:bb]-`).
    std::size_t parseRootList(std::size_t l, std::size_t col) {
        const std::size_t first = l;
        while (true) {
            const char marker = at(l, col);
            if (l != first)
                checkRails(l, col, {});
            std::size_t p = col + 2;
            auto [domain, bus] = rootBracket(l, p);
            expect(l, p, "-", "after the root bus");
            const std::size_t next =
                parseBus(l, p, domain, bus, std::nullopt, marker == '+' ? Rails{col} : Rails{});
            if (marker == '\\')
                return next;
            if (!siblingAt(next, col)) {
                noSibling(l, col);
                return next; // an excerpt: the list stops where the column does
            }
            l = next;
        }
    }

    // Columns at which the lines of a subtree show `|`: the lists still open to their left.
    using Rails = std::vector<std::size_t>;

    // A `+-` at (l, col) whose sibling never comes: lspci ends every list on `\-`, so lines were
    // lost, unless the paste says it is an excerpt.
    void noSibling(std::size_t l, std::size_t col) const {
        if (!excerpt_)
            fail(l, col,
                 "'+-' promises another device in this column, but none follows (lines "
                 "lost from the paste? a trimmed excerpt says so in a first line "
                 "'# excerpt')");
    }

    // Left of `upto`, line l shows `|` at the open lists' columns and spaces elsewhere: a `|`
    // that continues no list, or an open list without its `|`, means lines were lost (an
    // excerpt, `# excerpt`, may leave a rail blank).
    void checkRails(std::size_t l, std::size_t upto, const Rails &rails) const {
        for (std::size_t c = 0; c < upto; ++c) {
            const bool rail = std::find(rails.begin(), rails.end(), c) != rails.end();
            const char have = at(l, c);
            if (rail && (have == '|' || (have == ' ' && excerpt_)))
                continue;
            if (rail)
                fail(l, c,
                     "expected '|': the device list opened above in this column goes on "
                     "below (lines lost from the paste? a trimmed excerpt says so in a "
                     "first line '# excerpt')");
            if (!rail && have != ' ')
                fail(l, c,
                     std::string("unexpected '") + have +
                         "': no device list continues in this column (a line lost from "
                         "the paste?)");
        }
    }

    // Whether line l continues the sibling list at column col.
    bool siblingAt(std::size_t l, std::size_t col) {
        if (l >= lines_.size())
            return false;
        const char m = at(l, col);
        if ((m != '+' && m != '\\') || at(l, col + 1) != '-')
            return false;
        // Only `|` (lists still open further left) and spaces may stand left of a continuation;
        // anything else means the line belongs to an outer list or another root bus.
        const std::string &s = lines_[l];
        return s.find_first_not_of(" |") >= col;
    }

    // The devices of one bus, starting at (l, col) right after the bus's bracket.
    // `rails`: the `|` columns every later line of this bus's subtree shows left of `col`.
    std::size_t parseBus(std::size_t l, std::size_t col, std::uint32_t domain, unsigned bus,
                         std::optional<Bdf> parent, const Rails &rails) {
        if (col >= lines_[l].size())
            return l + 1; // an empty bus
        if (startsWith(l, col, "--"))
            return parseDevice(l, col + 2, domain, bus, parent, rails);
        if (!startsWith(l, col, "+-") && !startsWith(l, col, "\\-"))
            fail(l, col, "expected '--' (one device), '+-' (several) or end of line");
        const std::size_t first = l;
        while (true) {
            const char marker = at(l, col);
            if (l != first)
                checkRails(l, col, rails);
            Rails below = rails;
            if (marker == '+')
                below.push_back(col);
            const std::size_t next = parseDevice(l, col + 2, domain, bus, parent, below);
            if (marker == '\\')
                return next;
            // An abridged paste may end a list on `+-` (`# excerpt`); the list stops there.
            if (!siblingAt(next, col)) {
                noSibling(l, col);
                return next;
            }
            l = next;
        }
    }

    // One device `dd.f` at (l, col) and, for a bridge, everything behind it.
    std::size_t parseDevice(std::size_t l, std::size_t col, std::uint32_t domain, unsigned bus,
                            std::optional<Bdf> parent, const Rails &rails) {
        const std::size_t start = col;
        const unsigned dev = hex(l, col, 2, "a device number 'dd.f'");
        if (dev > 0x1f)
            fail(l, start, "device number " + std::to_string(dev) + " is above 1f");
        expect(l, col, ".", "between device and function");
        const unsigned fn = hex(l, col, 1, "a function number");
        if (fn > 7)
            fail(l, col - 1, "function number " + std::to_string(fn) + " is above 7");
        DeviceSpec spec;
        spec.bdf = Bdf::make(domain, bus, dev, fn);
        spec.declaredParent = parent;
        spec.place = source_ + ":" + std::to_string(l + 1) + ":" + std::to_string(start + 1);
        if (startsWith(l, col, "-[")) {
            ++col;
            expect(l, col, "[", "");
            const unsigned secondary = hex(l, col, 2, "a secondary bus number");
            unsigned subordinate = secondary;
            if (at(l, col) == '-') {
                ++col;
                subordinate = hex(l, col, 2, "a subordinate bus number");
            }
            expect(l, col, "]-", "to close the bridge's bus range");
            expect(l, col, "-", "after the bridge's bus range");
            spec.kind = DeviceKind::Bridge;
            spec.secondary = secondary;
            spec.subordinate = subordinate;
            const Bdf self = spec.bdf;
            specs_.push_back(std::move(spec));
            return parseBus(l, col, domain, secondary, self, rails);
        }
        if (col < lines_[l].size()) {
            if (at(l, col) != ' ')
                fail(l, col, "expected '-[bus]' (a bridge), a device name or end of line");
            const std::size_t name = lines_[l].find_first_not_of(' ', col);
            spec.label = lines_[l].substr(name);
            spec.vf = spec.label.find("Virtual Function") != std::string::npos;
        }
        specs_.push_back(std::move(spec));
        return l + 1;
    }
};

} // namespace

Topology parseLspci(std::string_view text, const std::string &source) {
    return Parser(text, source).run();
}

bool looksLikeLspci(std::string_view text) {
    const std::size_t c = text.find_first_not_of(" \t\r\n");
    return c == std::string_view::npos || text[c] != '{';
}

} // namespace bridgepath
