#include "topology/Op.h"

#include "topology/InputError.h"

#include <vector>

namespace bridgepath {

const char *toString(OpKind k) {
    switch (k) {
    case OpKind::Preserve:
        return "preserve";
    case OpKind::Unpreserve:
        return "unpreserve";
    case OpKind::Freeze:
        return "freeze";
    case OpKind::Kexec:
        return "kexec";
    case OpKind::Finish:
        return "finish";
    case OpKind::FinishAll:
        return "finish-all";
    case OpKind::FailNext:
        return "fail-next";
    case OpKind::Lose:
        return "lose";
    case OpKind::SetRefcount:
        return "set-refcount";
    case OpKind::Vanish:
        return "vanish";
    case OpKind::Unplug:
        return "unplug";
    }
    return "?";
}

const char *toString(StepKind k) {
    switch (k) {
    case StepKind::Preserve:
        return "preserve";
    case StepKind::Unpreserve:
        return "unpreserve";
    case StepKind::Finish:
        return "finish";
    }
    return "?";
}

std::string Op::toString() const {
    std::string s = bridgepath::toString(kind);
    if (kind == OpKind::FailNext)
        s += std::string(" ") + bridgepath::toString(step);
    if (hasDevice())
        s += " " + bdf.toString();
    if (kind == OpKind::SetRefcount)
        s += " " + std::to_string(value);
    return s;
}

namespace {

struct Word {
    std::string_view text;
    std::size_t column; // 1-based within the line
};

std::vector<Word> splitWords(std::string_view text, std::size_t column0) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t')
            ++i;
        if (i > start)
            words.push_back({text.substr(start, i - start), column0 + start});
    }
    return words;
}

} // namespace

Op parseOp(std::string_view text, const std::string &place, std::size_t column0) {
    const std::vector<Word> words = splitWords(text, column0);
    auto at = [&](std::size_t column) { return place + ":" + std::to_string(column); };
    if (words.empty())
        throw InputError(at(column0), "empty operation");
    const Word &verb = words[0];
    static constexpr OpKind kinds[] = {OpKind::Preserve, OpKind::Unpreserve, OpKind::Freeze,
                                       OpKind::Kexec,    OpKind::Finish,     OpKind::FinishAll,
                                       OpKind::FailNext, OpKind::Lose,       OpKind::SetRefcount,
                                       OpKind::Vanish,   OpKind::Unplug};
    Op op;
    bool known = false;
    for (OpKind k : kinds)
        if (verb.text == bridgepath::toString(k)) {
            op.kind = k;
            known = true;
        }
    if (!known)
        throw InputError(at(verb.column), "unknown operation '" + std::string(verb.text) + "'");

    std::size_t next = 1;
    if (op.kind == OpKind::FailNext) {
        if (words.size() < 2)
            throw InputError(at(verb.column + verb.text.size()),
                             "fail-next needs a step kind: preserve, unpreserve or finish");
        const Word &w = words[1];
        if (w.text == "preserve")
            op.step = StepKind::Preserve;
        else if (w.text == "unpreserve")
            op.step = StepKind::Unpreserve;
        else if (w.text == "finish")
            op.step = StepKind::Finish;
        else
            throw InputError(at(w.column), "unknown step kind '" + std::string(w.text) +
                                               "' (expected preserve, unpreserve or finish)");
        next = 2;
    }
    if (op.hasDevice()) {
        if (words.size() <= next)
            throw InputError(at(words.back().column + words.back().text.size()),
                             std::string(bridgepath::toString(op.kind)) + " needs a device BDF");
        const Word &w = words[next];
        auto bdf = Bdf::parse(w.text);
        if (!bdf)
            throw InputError(at(w.column), "malformed BDF '" + std::string(w.text) +
                                               "' (expected dddd:bb:dd.f or bb:dd.f)");
        op.bdf = *bdf;
        ++next;
    }
    if (op.kind == OpKind::SetRefcount) {
        if (words.size() <= next)
            throw InputError(at(words.back().column + words.back().text.size()),
                             "set-refcount needs a value 0..65535");
        const Word &w = words[next];
        unsigned long v = 0;
        bool ok = !w.text.empty() && w.text.size() <= 5;
        for (char c : w.text) {
            ok = ok && c >= '0' && c <= '9';
            v = v * 10 + static_cast<unsigned long>(c - '0');
        }
        if (!ok || v > 0xffff)
            throw InputError(at(w.column), "refcount '" + std::string(w.text) +
                                               "' is not a decimal 0..65535 (the ABI's u16)");
        op.value = static_cast<std::uint16_t>(v);
        ++next;
    }
    if (words.size() > next)
        throw InputError(at(words[next].column),
                         "unexpected '" + std::string(words[next].text) + "' after the operation");
    return op;
}

} // namespace bridgepath
