#include "impl/IncomingIndex.h"

#include <algorithm>

namespace bridgepath {

std::variant<IncomingIndex, DuplicateKey> indexIncoming(const std::vector<SlotEntry> &slots) {
    IncomingIndex index;
    for (std::uint32_t i = 0; i < slots.size(); ++i)
        if (slots[i].refcount != 0)
            index.emplace_back(slots[i].address().key(), i);
    std::sort(index.begin(), index.end());
    for (std::size_t i = 1; i < index.size(); ++i)
        if (index[i].first == index[i - 1].first)
            return DuplicateKey{index[i].first, index[i - 1].second, index[i].second};
    return index;
}

} // namespace bridgepath
