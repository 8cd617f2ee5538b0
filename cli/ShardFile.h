#pragma once
/// ShardFile: the JSON one shard of an exhaustive search writes (`exhaustive --shard I/N`) and
/// `exhaustive-merge` reads back: the search's options as flags, the shard, every count and each
/// check's smallest finding before its replay (devices, moves, work item, operations), so merged
/// shards rank findings as one run does and the merge replays them as one run would.

#include "exhaustive/ExhaustiveSearch.h"
#include "exhaustive/ShardResult.h"

#include <string>
#include <utility>
#include <vector>

namespace bridgepath {

/// One option of a search as a shard file records it: the flag and its value.
using ShardOption = std::pair<std::string, std::string>;

/// The options that decide what a search finds, as the flags that give them back: bound,
/// generations, policy or design, abi, faults, invariants, symmetry (never threads: results do
/// not depend on them). `faultsText` is the fault list as the user wrote it.
[[nodiscard]] std::vector<ShardOption> shardOptions(const ExhaustiveOptions &options,
                                                    const std::string &faultsText);

/// The flags of recorded options, for the exhaustive command's flag parser.
[[nodiscard]] std::vector<std::string> optionFlags(const std::vector<ShardOption> &options);

/// The shard file's text (JSON, one trailing newline).
[[nodiscard]] std::string shardJson(const std::vector<ShardOption> &options,
                                    const ShardResult &result);

/// A shard file read back.
struct ShardFile {
    std::string path;
    std::vector<ShardOption> options;
    ShardResult result;
};

/// Reads and checks a shard file (topology/TextFile.h's reader: a FIFO, a device or a
/// folder is never read). InputError naming the file if it cannot be read, is not JSON, is not
/// a shard file or a field is missing or of the wrong type or range.
[[nodiscard]] ShardFile readShardFile(const std::string &path);

} // namespace bridgepath
