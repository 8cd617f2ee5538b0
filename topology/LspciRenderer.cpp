#include "topology/LspciRenderer.h"

#include <algorithm>
#include <cstdio>

namespace bridgepath {

namespace {

// Mirrors lspci's way of drawing: one line per leaf; after a line is printed, the prefix keeps
// only the `|` of sibling lists still open (every `+` or `|` becomes `|`, the rest spaces).
class Renderer {
  public:
    Renderer(const Topology &t, bool labels, const DeviceMark &marked)
        : t_(t), labels_(labels), marked_(marked) {}

    std::string run() {
        std::vector<RootBus> buses = t_.rootBuses();
        std::reverse(buses.begin(), buses.end());
        std::string line;
        if (buses.empty())
            return out_;
        line = "-";
        if (buses.size() == 1) {
            line += "[" + busToString(buses[0].domain, buses[0].bus) + "]-";
            bus(devicesOn(buses[0]), line);
            return out_;
        }
        const std::size_t p = line.size();
        for (std::size_t i = 0; i < buses.size(); ++i) {
            line.resize(p);
            line += (i + 1 < buses.size() ? "+-[" : "\\-[") +
                    busToString(buses[i].domain, buses[i].bus) + "]-";
            bus(devicesOn(buses[i]), line);
        }
        return out_;
    }

  private:
    const Topology &t_;
    bool labels_;
    const DeviceMark &marked_;
    std::string out_;

    std::vector<DeviceId> devicesOn(const RootBus &rb) const {
        std::vector<DeviceId> out;
        for (DeviceId id : t_.roots())
            if (t_.bdf(id).domain == rb.domain && t_.bdf(id).bus == rb.bus)
                out.push_back(id);
        return out;
    }

    void print(std::string &line) {
        out_ += line;
        out_ += '\n';
        for (char &c : line)
            c = (c == '+' || c == '|') ? '|' : ' ';
    }

    void bus(const std::vector<DeviceId> &devs, std::string &line) {
        if (devs.empty()) {
            print(line);
            return;
        }
        const std::size_t p = line.size();
        if (devs.size() == 1) {
            line += "--";
            device(devs[0], line);
            return;
        }
        for (std::size_t i = 0; i < devs.size(); ++i) {
            line.resize(p);
            line += i + 1 < devs.size() ? "+-" : "\\-";
            device(devs[i], line);
        }
    }

    void device(DeviceId id, std::string &line) {
        char buf[40];
        const Bdf &b = t_.bdf(id);
        std::snprintf(buf, sizeof buf, "%02x.%x", b.device(), b.function());
        line += buf;
        if (marked_ && marked_(id))
            line += '*';
        if (t_.isBridge(id)) {
            const unsigned sec = t_.secondaryBus(id), sub = t_.subordinateBus(id);
            if (sec == sub)
                std::snprintf(buf, sizeof buf, "-[%02x]-", sec);
            else
                std::snprintf(buf, sizeof buf, "-[%02x-%02x]-", sec, sub);
            line += buf;
            line += "-";
            bus(t_.children(id), line);
            return;
        }
        // A VF without a name is shown as one, so that reading the text back flags it again.
        const std::string label =
            t_.label(id).empty() && t_.isVf(id) ? std::string("Virtual Function") : t_.label(id);
        if (labels_ && !label.empty()) {
            const std::size_t keep = line.size();
            line += "  " + label;
            print(line);
            line.resize(keep);
            return;
        }
        print(line);
    }
};

} // namespace

std::string renderLspci(const Topology &t, bool labels) {
    return Renderer(t, labels, nullptr).run();
}

std::string renderLspci(const Topology &t, bool labels, const DeviceMark &marked) {
    return Renderer(t, labels, marked).run();
}

namespace {

void indented(const Topology &t, const DeviceAnnotation &annotate, DeviceId id, std::size_t depth,
              std::string &out) {
    out.append(2 * depth + 2, ' ');
    out += t.bdf(id).toString();
    std::string kind = t.isBridge(id) ? "bridge" : t.isVf(id) ? "VF" : "endpoint";
    const std::string note = annotate ? annotate(id) : std::string();
    if (!note.empty())
        kind.append(kind.size() < 8 ? 8 - kind.size() : 0, ' ').append("  " + note);
    out += "  " + kind + '\n';
    for (DeviceId child : t.children(id))
        indented(t, annotate, child, depth + 1, out);
}

} // namespace

std::string renderIndented(const Topology &t, const DeviceAnnotation &annotate) {
    std::string out;
    for (const RootBus &rb : t.rootBuses()) {
        out += "[" + busToString(rb.domain, rb.bus) + "]\n";
        for (DeviceId id : t.roots())
            if (t.bdf(id).domain == rb.domain && t.bdf(id).bus == rb.bus)
                indented(t, annotate, id, 0, out);
    }
    return out;
}

} // namespace bridgepath
