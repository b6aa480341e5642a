#include "query/model_loader.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "query/ngram_hash.h"
#include "util/prefetch.h"
#include "util/task_graph.h"
#include "util/threads.h"

namespace grams::query {
namespace {

// Decompressed bytes of one section, in memory reused from order to order
// (huge pages when large).
class RawBuffer {
 public:
  // Room for n bytes; the contents are left as they are.
  char* Prepare(size_t n, size_t hint) {
    if (bytes_.size() < n) bytes_.Reset(std::max(n, hint));
    size_ = n;
    return bytes_.data();
  }
  std::string_view view() const { return std::string_view(bytes_.data(), size_); }
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes_.data());
  }

 private:
  HugeArray<char> bytes_;
  size_t size_ = 0;
};

// The sections of an order n >= 2, in file order.
enum Part { kChildCounts = 0, kWords = 1, kLogProb = 2, kLogBackoff = 3 };

// Task priorities: lower runs first among the ready tasks. Reading first
// (it is cheap and everything waits on it), then the orders' work, lower
// orders first.
constexpr int64_t kReadPriority = 0;
constexpr int64_t kOrderPriority = 1000;
constexpr int64_t kLastPriority = 3000;

// Buffers of this size or more are on huge pages: one fault, not 512.
constexpr size_t kHugePage = size_t{2} << 20;

// Sections read ahead of their decompression, at most: each holds a frame
// buffer of its own, fresh pages the kernel zeroes (6: 1.1 ms more CPU
// than 3 on brown order 5, and no sooner done).
constexpr size_t kReadAhead = 3;

class Loader {
 public:
  Loader(ModelFileReader* reader, LoadedModel* out)
      : reader_(reader),
        header_(reader->header()),
        name_(reader->name()),
        order_(reader->order()),
        out_(out) {
    for (size_t n = 1; n < header_.ngram_counts.size(); ++n) {
      largest_ =
          std::max<uint64_t>(largest_, std::min<uint64_t>(header_.ngram_counts[n], UINT32_MAX));
    }
  }

  Status Run() {
    auto settings = TokenizerSettings::FromKeyValues(header_.settings);
    if (!settings.ok()) return settings.status().WithContext(name_);
    out_->settings = settings.value();
    out_->info = header_.info;
    out_->order = order_;
    out_->trie = std::make_shared<ModelTrie>(order_);
    trie_ = out_->trie.get();
    const size_t sections = reader_->SectionCount();
    stored_.resize(sections);
    section_task_.assign(sections, -1);
    read_task_.assign(sections, -1);

    // Numbered in the order of a sequential reader, so that errors are its.
    const int vocab = AddSection(0, -1);
    graph_.Label(
        graph_.Add(kLastPriority, {vocab},
                   [this] { return DecodeVocab(name_, header_, vocab_raw_.view(), &out_->vocab); }),
        "vocabulary");
    int uni_prob = AddSection(1, -1), uni_backoff = -1;
    if (order_ > 1) uni_backoff = AddSection(2, -1);
    graph_.Label(
        graph_.Add(kLastPriority, {uni_prob, uni_backoff}, [this] { return SetUnigrams(); }),
        "unigrams");
    const int plan = graph_.Add(kOrderPriority, {}, [this] { return Plan(); });
    graph_.Label(plan, "plan");

    int decoded[2] = {-1, -1};  // by parity: the last user of its structure buffers
    int values = -1;            // the last user of the value planes
    for (int n = 2; n <= order_; ++n) {
      const int b = n & 1;
      const size_t first = 3 + 4 * static_cast<size_t>(n - 2);
      const int cc = AddSection(first + kChildCounts, decoded[b]);
      const int words = AddSection(first + kWords, decoded[b]);
      decoded[b] =
          graph_.Add(kOrderPriority + n, {cc, words, plan, vocab}, [this, n] { return Decode(n); });
      graph_.Label(decoded[b], "decode " + std::to_string(n));
      // Both value sections into planes reused from order to order (after
      // the order before is done with them), then side by side.
      const int lp = AddSection(first + kLogProb, values);
      const int lbo = n < order_ ? AddSection(first + kLogBackoff, values) : -1;
      values = graph_.Add(kOrderPriority + n, {lp, lbo}, [this, n] { return Interleave(n); });
      graph_.Label(values, "values " + std::to_string(n));
    }
    graph_.Label(
        graph_.Add(kReadPriority, {read_task_.back()}, [this] { return reader_->Finish(); }),
        "finish");
    const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 4u));
    return graph_.Run(threads);
  }

 private:
  // Adds reading section i and decompressing it (after the task `after`,
  // the last user of the buffer it goes to); returns the decompression's id.
  int AddSection(size_t i, int after) {
    // At most kReadAhead frames wait for decompression: their buffers are
    // then reused, and the reader stays close to the work.
    const int read = graph_.Add(
        kReadPriority,
        {i > 0 ? read_task_[i - 1] : -1, i >= kReadAhead ? section_task_[i - kReadAhead] : -1},
        [this, i] { return Read(i); });
    read_task_[i] = read;
    const uint32_t id = ModelFileReader::SectionIdAt(order_, i);
    // The section as "TYPE.ORDER" (docs/FORMAT.md's section types), for the trace.
    const std::string section = std::to_string(id >> 16) + "." + std::to_string(id & 0xffff);
    graph_.Label(read, "read " + section);
    const int n = static_cast<int>(id & 0xffff);
    const int64_t priority = n >= 2 ? kOrderPriority + n : kLastPriority;
    section_task_[i] = graph_.Add(priority, {read, after}, [this, i] { return Decompress(i); });
    graph_.Label(section_task_[i], "decompress " + section);
    return section_task_[i];
  }

  // Reads section i into a frame buffer from the pool (whose pages are
  // already there: fresh ones cost a fault each).
  Status Read(size_t i) {
    {
      std::lock_guard<std::mutex> lock(frames_mu_);
      if (!frames_.empty()) {
        stored_[i].buffer = std::move(frames_.back());
        frames_.pop_back();
      }
    }
    // A large frame is read from the file as it is decompressed, a piece at
    // a time, where the model is a regular file: no frame buffer to fault in.
    stored_[i].may_stay_in_file = true;
    return reader_->ReadStored(i, &stored_[i]);
  }

  Status Decompress(size_t i) {
    StoredSection& s = stored_[i];
    const SectionType type = static_cast<SectionType>(s.id >> 16);
    const int n = static_cast<int>(s.id & 0xffff);
    const bool values = type == SectionType::kLogProb || type == SectionType::kLogBackoff;
    RawBuffer* raw;
    size_t hint = 0;
    if (type == SectionType::kVocab) {
      raw = &vocab_raw_;
    } else if (n == 1) {
      raw = &uni_raw_[type == SectionType::kLogProb ? 0 : 1];  // a value section
    } else {
      // Room for the larger orders to come, so that the buffer is mapped
      // once: untouched pages cost nothing.
      // (The header's claim for the values is believed up to 4 times the
      // bytes of this order: a false one costs no more.)
      raw = values ? &planes_[type == SectionType::kLogProb ? 0 : 1]
                   : &raw_[n & 1][type == SectionType::kChildCounts ? kChildCounts : kWords];
      hint = values ? std::min<uint64_t>(4 * largest_, 4 * s.raw_size)
                    : std::max<size_t>(s.raw_size + s.raw_size / 4, kHugePage);
    }
    char* const out = raw->Prepare(s.raw_size, hint);
    Status status = s.Decompress(name_, out);
    {
      std::lock_guard<std::mutex> lock(frames_mu_);
      frames_.push_back(std::move(s.buffer));
      if (++decompressed_ == stored_.size()) frames_.clear();  // no frame is left to read
    }
    GRAMS_RETURN_IF_ERROR(status);
    if (values && s.raw_size != 4 * header_.ngram_counts[n - 1]) {
      return reader_->MalformedValues(type, n);
    }
    return Status::OK();
  }

  Status SetUnigrams() {
    const size_t V = header_.vocab_size;
    DecodeFloatPlanes(uni_raw_[0].view(), V, &out_->log_prob);
    if (order_ > 1) DecodeFloatPlanes(uni_raw_[1].view(), V, &out_->log_backoff);
    return Status::OK();
  }

  // Checks the header's sizes. Nothing is sized from them before an
  // order's bytes prove its claim (Decode): a small file claiming 10^9
  // n-grams is corrupt, not a large allocation.
  Status Plan() {
    for (size_t n = 0; n < header_.ngram_counts.size(); ++n) {
      if (header_.ngram_counts[n] > UINT32_MAX) {
        return CorruptionError(name_ + ": order " + std::to_string(n + 1) +
                               " is too large (the file is corrupted)");
      }
    }
    return Status::OK();
  }

  // Order n's words and where each parent's children begin, from its
  // structure. After the vocabulary, whose bytes bound the size the header
  // claims (and order 1's).
  Status Decode(int n) {
    const int b = n & 1;
    const std::string_view cc = raw_[b][kChildCounts].view(), words = raw_[b][kWords].view();
    GRAMS_RETURN_IF_ERROR(CheckTrieClaims(name_, header_, n, cc, words));
    const uint64_t lower = header_.ngram_counts[n - 2], m = header_.ngram_counts[n - 1];
    ModelTrie::Level& level = trie_->level(n);
    level.size = m;
    level.first.Reset(lower + 1);
    // (Every word is below the vocabulary's size, which the header gives:
    // the decoder refuses any other.)
    level.short_ids = header_.vocab_size <= 65536;
    auto decode = [&](auto& out) {
      out.Reset(m);
      return DecodeTrieLevelForSearch(name_, header_, n, cc, words, level.first.data(), out.data());
    };
    const Status status = level.short_ids ? decode(level.short_words) : decode(level.words);
    if (n + 2 > order_) {  // no later order reuses these buffers
      raw_[b][kChildCounts] = RawBuffer();
      raw_[b][kWords] = RawBuffer();
    }
    return status;
  }

  // Order n's values from their planes, side by side.
  Status Interleave(int n) {
    ModelTrie::Level& level = trie_->level(n);
    const size_t m = header_.ngram_counts[n - 1];
    const size_t stride = n < order_ ? 2 : 1;
    level.stride = stride;
    level.values.Reset(stride * m);
    float* const out = level.values.data();
    const unsigned char* const lp = planes_[0].data();
    const unsigned char* const lbo = planes_[1].data();
    constexpr size_t kBlock = 256;
    uint32_t prob[kBlock], backoff[kBlock];
    for (size_t i = 0; i < m; i += kBlock) {
      const size_t count = std::min(kBlock, m - i);
      PlaneBits(lp, m, i, count, prob);
      if (stride == 1) {
        std::memcpy(out + i, prob, count * sizeof(float));
        continue;
      }
      PlaneBits(lbo, m, i, count, backoff);
      float* const o = out + 2 * i;
      for (size_t j = 0; j < count; ++j) {
        o[2 * j] = BitsFloat(prob[j]);
        o[2 * j + 1] = BitsFloat(backoff[j]);
      }
    }
    if (n == order_) {
      planes_[0] = RawBuffer();
      planes_[1] = RawBuffer();
    }
    return Status::OK();
  }

  ModelFileReader* reader_;
  const FileHeader& header_;
  const std::string name_;
  const int order_;
  LoadedModel* out_;
  ModelTrie* trie_ = nullptr;
  uint64_t largest_ = 0;  // n-grams of the largest order n >= 2, as the header claims
  TaskGraph graph_;
  std::vector<int> read_task_, section_task_;
  std::vector<StoredSection> stored_;
  std::mutex frames_mu_;
  std::vector<HugeArray<char>> frames_;  // frame buffers to reuse
  size_t decompressed_ = 0;              // sections, under frames_mu_
  RawBuffer vocab_raw_, uni_raw_[2];
  RawBuffer planes_[2];  // an order's log10 probabilities and backoffs, as the file has them
  RawBuffer raw_[2][2];  // orders n >= 2's structure, by parity
};

}  // namespace

Status LoadModelFile(ModelFileReader* reader, LoadedModel* out) {
  Loader loader(reader, out);
  GRAMS_RETURN_IF_ERROR(loader.Run());
  out->trie->level(1).size = out->vocab.size();  // the header's claim, checked by DecodeVocab
  return Status::OK();
}

BuildResult BuildTables(const ModelTrie& trie, uint64_t seed, const std::atomic<bool>& cancel,
                        std::vector<LoadedShard>* shards) {
  const int N = trie.order();
  shards->clear();
  shards->resize(2 * static_cast<size_t>(std::max(0, N - 1)));
  if (N < 2) return BuildResult::kDone;
  const uint64_t V = trie.level(1).size;
  std::vector<uint64_t> word(V);  // R(w)
  for (uint64_t w = 0; w < V; ++w) word[w] = WordRandom(w, seed);
  uint64_t largest = 0;
  for (int n = 2; n <= N; ++n) largest = std::max(largest, trie.level(n).size);
  HugeArray<uint64_t> keys[2];  // by parity of the order
  OrderBuilder builder;
  builder.SetCancel(&cancel);
  builder.SetProbedPages(true);
  builder.Reserve(largest);
  for (int n = 2; n <= N; ++n) {
    const ModelTrie::Level& level = trie.level(n);
    const size_t m = level.size, lower = trie.level(n - 1).size;
    const int b = n & 1;
    if (keys[b].size() < m) keys[b].Reset(largest);
    uint64_t* const key = keys[b].data();
    const uint64_t* const up = n == 2 ? word.data() : keys[b ^ 1].data();
    const EntryIndex* const first = level.first.data();
    const float* const values = level.values.data();
    const size_t stride = level.stride;
    builder.Start(m);
    bool cancelled[2] = {false, false};
    RunOnThreads(2, [&](int h) {
      // The keys of the half the scatter takes, K(parent) P + R(word),
      // parent by parent from the one of its first entry.
      const size_t lo = m * h / 2, hi = m * (h + 1) / 2;
      size_t p = static_cast<size_t>(std::upper_bound(first, first + lower + 1, lo) - first) - 1;
      for (size_t count = 0; p < lower && first[p] < hi; ++p, ++count) {
        if (count % 65536 == 0 && cancel.load(std::memory_order_relaxed)) {
          cancelled[h] = true;
          return;
        }
        const uint64_t u = up[p] * kPolyBase;
        const size_t end = std::min<size_t>(first[p + 1], hi);
        for (size_t k = std::max<size_t>(first[p], lo); k < end; ++k) {
          key[k] = NonZero(u + word[level.Word(k)]);
        }
      }
      builder.ScatterBlocks(
          h, [key](size_t i) { return MixKey(key[i]); },
          [&](size_t first_entry, size_t count, Entry* out) {
            // The keys and values of the block 4 blocks on: with the
            // scatter's 64 streams, too many for the hardware to follow.
            constexpr size_t kAhead = 4 * OrderBuilder::kBlock;
            for (size_t j = 0; j < count; j += 8) {
              PrefetchAhead(key + first_entry + j, 8 * kAhead);
              PrefetchAhead(values + stride * (first_entry + j), sizeof(float) * stride * kAhead);
            }
            const float* const v = values + stride * first_entry;
            for (size_t j = 0; j < count; ++j) {
              out[j] = Entry{MixKey(key[first_entry + j]), v[stride * j],
                             stride == 2 ? v[2 * j + 1] : 0.0f};
            }
          });
    });
    if (cancelled[0] || cancelled[1]) return BuildResult::kCancelled;
    if (cancel.load(std::memory_order_relaxed)) return BuildResult::kCancelled;
    // The peak of memory is while the last order is placed: its keys are
    // not needed there.
    if (n == N) {
      keys[0].Release();
      keys[1].Release();
    }
    bool ok[2] = {true, true};
    RunOnThreads(2, [&](int s) {
      LoadedShard& shard = (*shards)[2 * static_cast<size_t>(n - 2) + s];
      ok[s] = builder.Place(s, n == N ? kTopSlotBytes : kSlotBytes, &shard.slots, &shard.homes,
                            &shard.slot_count, &shard.entries);
    });
    if (cancel.load(std::memory_order_relaxed)) return BuildResult::kCancelled;
    if (!ok[0] || !ok[1]) return BuildResult::kCollision;
  }
  return BuildResult::kDone;
}

}  // namespace grams::query
