#include "kernelcheck/KernelMutant.h"

#include <regex>

namespace bridgepath {

namespace {

// The functions of the file (text and whether it calls `callee`), in file order.
std::vector<const CItem *> callers(const CSource &src, const std::string &callee) {
    std::vector<const CItem *> out;
    const std::regex call("\\b" + callee + "\\s*\\(");
    for (const CItem &item : src.items())
        if (item.isFunction && item.defines.front() != callee &&
            std::regex_search(item.text.substr(item.bodyOffset), call))
            out.push_back(&item);
    return out;
}

// `text` with the function `f` changed by `change` (nullopt if `change` found nothing).
template <class Change>
std::optional<std::string> inFunction(const std::string &text, const CItem &f, Change change) {
    const std::optional<std::string> changed = change(f.text);
    if (!changed || *changed == f.text)
        return std::nullopt;
    const std::size_t at = text.find(f.text);
    if (at == std::string::npos)
        return std::nullopt;
    std::string out = text;
    out.replace(at, f.text.size(), *changed);
    return out;
}

// The first match of `r` in `s` replaced by `with` (regex format), or nullopt.
std::optional<std::string> replaceFirst(const std::string &s, const std::regex &r,
                                        const std::string &with) {
    std::smatch m;
    if (!std::regex_search(s, m, r))
        return std::nullopt;
    return s.substr(0, static_cast<std::size_t>(m.position(0))) + m.format(with) + m.suffix().str();
}

// In the walk that calls `step`: the bail after the failing call becomes `continue`.
std::optional<std::string> walkContinues(const std::string &text, const CSource &src,
                                         const std::string &step) {
    const std::regex bail("(\\b" + step +
                          R"(\s*\([^;]*\)\s*\)\s*(?:\{[^}]*?)?)\b(return|break)\s*;)");
    const std::regex loop(R"(\b(for_each_pci_dev_in_path|for|while)\s*\()");
    for (const CItem *f : callers(src, step))
        if (auto out =
                inFunction(text, *f, [&](const std::string &t) -> std::optional<std::string> {
                    std::smatch m;
                    if (!std::regex_search(t, m, bail))
                        return std::nullopt;
                    // Only a call inside a loop of this function is the walk's.
                    if (!std::regex_search(t.substr(0, static_cast<std::size_t>(m.position(0))),
                                           loop))
                        return std::nullopt;
                    return replaceFirst(t, bail, "$1continue;");
                }))
            return out;
    return std::nullopt;
}

// The two if-statements of `body` that hold `a` and `b`, swapped.
std::optional<std::string> swapIfs(const std::string &body, const std::regex &a,
                                   const std::regex &b) {
    struct Stmt {
        std::size_t begin, end;
    };
    std::vector<Stmt> ifs;
    const std::regex start(R"(\bif\s*\()");
    for (std::sregex_iterator it(body.begin(), body.end(), start), e; it != e; ++it) {
        std::size_t i = static_cast<std::size_t>(it->position(0)) + it->length(0);
        int depth = 1;
        while (i < body.size() && depth > 0)
            depth += body[i] == '(' ? 1 : body[i] == ')' ? -1 : 0, ++i;
        while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i])))
            ++i;
        if (i < body.size() && body[i] == '{') {
            depth = 0;
            do
                depth += body[i] == '{' ? 1 : body[i] == '}' ? -1 : 0, ++i;
            while (i < body.size() && depth > 0);
        } else {
            i = body.find(';', i);
            if (i == std::string::npos)
                return std::nullopt;
            ++i;
        }
        ifs.push_back({static_cast<std::size_t>(it->position(0)), i});
    }
    // The innermost statement holding each (an outer `if (slot) { ... }` holds both).
    const Stmt *x = nullptr, *y = nullptr;
    auto size = [](const Stmt *s) { return s->end - s->begin; };
    for (const Stmt &s : ifs) {
        const std::string t = body.substr(s.begin, s.end - s.begin);
        const bool hasA = std::regex_search(t, a), hasB = std::regex_search(t, b);
        if (hasA && !hasB && (!x || size(&s) < size(x)))
            x = &s;
        if (hasB && !hasA && (!y || size(&s) < size(y)))
            y = &s;
    }
    if (!x || !y || (x->begin < y->end && y->begin < x->end))
        return std::nullopt;
    const Stmt &first = x->begin < y->begin ? *x : *y, &second = x->begin < y->begin ? *y : *x;
    return body.substr(0, first.begin) + body.substr(second.begin, second.end - second.begin) +
           body.substr(first.end, second.begin - first.end) +
           body.substr(first.begin, first.end - first.begin) + body.substr(second.end);
}

// The name of `f`'s struct pci_dev * parameter (empty if none).
std::string deviceParameter(const CItem &f) {
    for (const CParam &p : parameters(f))
        if (std::regex_search(p.text, std::regex(R"(\bstruct\s+pci_dev\s*\*)")))
            return p.name;
    return {};
}

} // namespace

const std::vector<KernelMutant> &builtInMutants() {
    static const std::vector<KernelMutant> all{
        {"unpreserve-continue", "the unpreserve walk continues past a failing step"},
        {"finish-continue", "the finish walk continues past a failing step"},
        {"rollback-skips-first", "a failed preserve's rollback starts one device up"},
        {"rollback-one-past", "a failed preserve's rollback also undoes the failing device"},
        {"root-skipped", "the preserve walk stops before the device on the root bus"},
        {"ebusy-dropped", "an endpoint preserved twice is not refused (-EBUSY becomes 0)"},
        {"refcount-doubled", "a preserve step adds 2 to the refcount"},
        {"nr-devices-dropped", "a new slot does not count in nr_devices"},
        {"finish-zero-off-by-one", "finish stops treating a device as incoming at refcount 1"},
        {"order-swapped", "the EBUSY and refcount-0 checks of a preserve step are swapped"},
        {"release-check-dropped", "the FLB's release no longer checks nr_devices"},
        {"end-panic-dropped", "the end of the update no longer panics on unfinished devices"},
        {"record-ignored", "unpreserve no longer consults the record of direct preservation"},
        {"finish-put-per-call",
         "the finish step keeps the device's incoming reference; the finish call puts one (v4)"},
    };
    return all;
}

std::optional<std::string> applyMutant(const KernelMutant &m, const std::string &text) {
    const CSource src = CSource::parse(text, "mutant");
    KernelShape shape;
    try {
        shape = detectShape(src);
    } catch (const std::exception &) {
        return std::nullopt;
    }
    auto inClosure = [&](const std::string &entry, const std::regex &r,
                         const std::string &with) -> std::optional<std::string> {
        for (const CItem *f : src.closure({entry}))
            if (f->isFunction)
                if (auto out = inFunction(
                        text, *f, [&](const std::string &t) { return replaceFirst(t, r, with); }))
                    return out;
        return std::nullopt;
    };
    if (m.name == "unpreserve-continue")
        return walkContinues(text, src, shape.unpreserveStep);
    if (m.name == "finish-continue")
        return walkContinues(text, src, shape.finishStep);
    if (m.name == "rollback-skips-first" || m.name == "rollback-one-past") {
        const std::regex rollback(
            R"((\w*unpreserve_path\s*\(\s*[^,;()]+,\s*)([^,;()]+?)(\s*,\s*)([^,;()]+?)(\s*\)))");
        const std::string with =
            m.name == "rollback-skips-first" ? "$1$2->bus->self$3$4$5" : "$1$2$3$4->bus->self$5";
        // The recursive form (the early file): the rollback unwinds from the failing device's
        // bridge, `unpreserve_path(ser, upstream)`.
        const std::regex recursive(R"((\w*unpreserve_path\s*\(\s*[^,;()]+,\s*)([^,;()]+?)(\s*\)))");
        for (const CItem *f : callers(src, shape.preserveStep))
            if (auto out = inFunction(text, *f, [&](const std::string &t) {
                    if (auto r = replaceFirst(t, rollback, with))
                        return r;
                    if (!shape.recursiveSteps)
                        return std::optional<std::string>();
                    const std::string dev = deviceParameter(*f);
                    if (dev.empty())
                        return std::optional<std::string>();
                    return replaceFirst(t, recursive,
                                        m.name == "rollback-one-past"
                                            ? "$1" + dev + "$3"
                                            : "$1($2->bus->self ? $2->bus->self : $2)$3");
                }))
                return out;
        return std::nullopt;
    }
    if (m.name == "root-skipped") {
        // Only the preserve walk's loop, expanded with one more condition (the other walks keep
        // the macro).
        const std::regex three(
            R"(for_each_pci_dev_in_path\s*\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\))");
        const std::regex one(R"(for_each_pci_dev_in_path\s*\(\s*(\w+)\s*\))");
        // The recursive form: the device with no bridge above it skips its step.
        const std::regex call("\\b(" + shape.preserveStep + R"()\s*\(([^;]*?)\)\s*;)");
        for (const CItem *f : callers(src, shape.preserveStep))
            if (auto out = inFunction(text, *f, [&](const std::string &t) {
                    if (auto r = replaceFirst(t, three,
                                              "for (($1) = ($2); ($1) != ($3) && ($1)->bus->self; "
                                              "($1) = ($1)->bus->self)"))
                        return r;
                    if (auto r =
                            replaceFirst(t, one, "for (; $1 && $1->bus->self; $1 = $1->bus->self)"))
                        return r;
                    const std::string dev = deviceParameter(*f);
                    if (!shape.recursiveSteps || dev.empty())
                        return std::optional<std::string>();
                    return replaceFirst(t, call, "(" + dev + "->bus->self ? $1($2) : 0);");
                }))
                return out;
        return std::nullopt;
    }
    if (m.name == "ebusy-dropped") {
        if (auto out = inClosure(shape.preserveStep, std::regex(R"(-EBUSY\b)"), "0"))
            return out;
        // The early file refuses a busy named device in the API, before the walk.
        const CItem *api = src.function(shape.preserve);
        return inFunction(text, *api, [](const std::string &t) {
            return replaceFirst(t, std::regex(R"(-EBUSY\b)"), "0");
        });
    }
    if (m.name == "refcount-doubled")
        return inClosure(shape.preserveStep, std::regex(R"(->refcount\+\+)"), "->refcount += 2");
    if (m.name == "nr-devices-dropped")
        return inClosure(shape.preserveStep, std::regex(R"(nr_devices\+\+)"), "nr_devices += 0");
    if (m.name == "finish-zero-off-by-one")
        return inClosure(shape.finishStep, std::regex(R"(if\s*\(\s*--\s*([^()]*refcount)\s*\))"),
                         "if (--$1 > 1)");
    if (m.name == "order-swapped") {
        for (const CItem *f : src.closure({shape.preserveStep}))
            if (f->isFunction)
                if (auto out = inFunction(text, *f, [](const std::string &t) {
                        return swapIfs(t, std::regex(R"(-EBUSY\b)"),
                                       std::regex(R"(refcount[\s\S]*-EINVAL)"));
                    }))
                    return out;
        return std::nullopt;
    }
    if (m.name == "release-check-dropped") {
        // `if (WARN_ON(x))`: the condition stays a condition, never true.
        if (auto out =
                inClosure(shape.flbUnpreserve,
                          std::regex(R"(\bif\s*\(\s*(WARN_ON|WARN_ON_ONCE)\s*\()"), "if (0 && ("))
            return out;
        return inClosure(shape.flbUnpreserve, std::regex(R"(\b(BUG_ON|WARN_ON|WARN_ON_ONCE)\s*\()"),
                         "(void)(");
    }
    if (m.name == "record-ignored") {
        if (shape.record != DirectRecord::Checked)
            return std::nullopt;
        return inClosure(shape.unpreserve,
                         std::regex(R"(\bif\s*\(\s*!\s*dev->liveupdate\.preserved_directly\s*\))"),
                         "if (0 && !dev->liveupdate.preserved_directly)");
    }
    if (m.name == "finish-put-per-call") {
        // v4 06/11: the put moves from the step that clears a device's pointer to the end of
        // the finish call, once, so each bridge the walk finishes keeps its reference.
        if (shape.put != IncomingPut::PerDevice || shape.recursiveSteps)
            return std::nullopt;
        const std::regex put(R"((\b\w*flb_put_incoming\s*\(\s*\)\s*;))");
        const std::optional<std::string> stepless =
            inFunction(text, *src.function(shape.finishStep),
                       [&](const std::string &t) { return replaceFirst(t, put, "/* kept */;"); });
        if (!stepless)
            return std::nullopt;
        const std::regex last(
            R"((\b\w*flb_put_incoming\s*\(\s*\)\s*;)(?![\s\S]*flb_put_incoming))");
        return inFunction(*stepless, *src.function(shape.finish),
                          [&](const std::string &t) { return replaceFirst(t, last, "$1\n\t$1"); });
    }
    if (m.name == "end-panic-dropped") {
        if (shape.end != EndOfUpdate::Panic)
            return std::nullopt;
        return inClosure(shape.flbFinish, std::regex(R"(\bpanic\s*\()"), "pr_emerg(");
    }
    return std::nullopt;
}

} // namespace bridgepath
