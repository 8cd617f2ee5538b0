#pragma once
/// VisitedSet: the explicit-state search's set of seen states. Each state is a byte record (the
/// implementation's saved state plus the search's own bookkeeping), stored once in an arena and
/// numbered in insertion order; an open-addressing table of record numbers finds it by content.
/// Exact: records are compared in full, a hash only picks the bucket (no hash compaction).

#include <cstdint>
#include <utility>
#include <vector>

namespace bridgepath {

/// A set of byte records, numbered 0, 1, ... in insertion order.
class VisitedSet {
  public:
    VisitedSet();

    /// Inserts the record if it is new. Returns its number and whether it was inserted.
    std::pair<std::uint32_t, bool> insert(const std::uint8_t *data, std::size_t size);
    /// Copies record `index` into `out` (a copy: a later insert may move the arena).
    void copyRecord(std::uint32_t index, std::vector<std::uint8_t> &out) const;
    /// Number of records.
    std::size_t size() const { return offsets_.size() - 1; }
    /// The bytes the set holds now: records, offsets, buckets and kept hashes (capacities).
    std::size_t bytes() const {
        return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) +
               buckets_.capacity() * sizeof(std::uint32_t) +
               hashes_.capacity() * sizeof(std::uint64_t);
    }

  private:
    static std::uint64_t hash(const std::uint8_t *data, std::size_t size);
    void grow();

    std::vector<std::uint8_t> arena_;
    std::vector<std::uint32_t> offsets_; // record i is arena_[offsets_[i], offsets_[i + 1])
    std::vector<std::uint32_t> buckets_; // record number + 1; 0 is empty
    std::vector<std::uint64_t> hashes_;  // per record (kept, so growing never rehashes)
    std::size_t mask_ = 0;
};

} // namespace bridgepath
