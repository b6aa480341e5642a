#include "query/model_loader.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "query/ngram_hash.h"
#include "util/prefetch.h"
#include "util/task_graph.h"

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
enum Part { kChildCounts = 0, kWords = 1, kLogProb = 2, kLogBackoff = 3, kParts = 4 };

// Task priorities: lower runs first among the ready tasks. Reading first
// (it is cheap and everything waits on it), then the decoding chain, the
// one part that cannot be split, then the rest by order.
constexpr int64_t kReadPriority = 0;
constexpr int64_t kChainPriority = 1000;
constexpr int64_t kBuildPriority = 2000;
constexpr int64_t kLastPriority = 3000;

// Buffers of this size or more are on huge pages: one fault, not 512.
constexpr size_t kHugePage = size_t{2} << 20;

// Bytes of word keys (R(w), 8 a word) that stay in cache while an order
// is decoded: up to this size, they are not prefetched.
constexpr uint64_t kCachedWordKeys = uint64_t{1} << 20;

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
    out_->shards.resize(2 * static_cast<size_t>(std::max(0, order_ - 1)));
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
    // After the vocabulary's bytes, which bound the size the header claims.
    const int rand = graph_.Add(kChainPriority, {vocab}, [this] { return MakeWordKeys(); });
    graph_.Label(rand, "word_keys");
    int uni_prob = AddSection(1, -1), uni_backoff = -1;
    if (order_ > 1) uni_backoff = AddSection(2, -1);
    graph_.Label(
        graph_.Add(kLastPriority, {uni_prob, uni_backoff}, [this] { return SetUnigrams(); }),
        "unigrams");
    const int plan = graph_.Add(kChainPriority, {}, [this] { return Plan(); });
    graph_.Label(plan, "plan");

    OrderTasks tasks;
    for (int n = 2; n <= order_; ++n) AddOrderTasks(n, rand, plan, &tasks);
    graph_.Label(
        graph_.Add(kReadPriority, {read_task_.back()}, [this] { return reader_->Finish(); }),
        "finish");
    const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 4u));
    GRAMS_RETURN_IF_ERROR(graph_.Run(threads));
    out_->collision = collision_.load();
    return Status::OK();
  }

 private:
  // The task ids of the orders added so far that the next ones wait on.
  struct OrderTasks {
    int decoded[2] = {-1, -1};                   // D(n) of the last two orders, by parity
    int scattered[2][2] = {{-1, -1}, {-1, -1}};  // S(n, h), by parity
    int placed[2] = {-1, -1};                    // P(n, s) of the last order
  };

  // Order n's tasks: its sections read, decoded (D), scattered into the
  // hash tables by halves (S) and placed (P), after the word keys (`rand`)
  // and the plan.
  void AddOrderTasks(int n, int rand, int plan, OrderTasks* t) {
    const int b = n & 1;
    const size_t first = 3 + 4 * static_cast<size_t>(n - 2);
    // Reuse of the parity's buffers: order n-2's users are done with them.
    const int cc = AddSection(first + kChildCounts, t->decoded[b]);
    const int words = AddSection(first + kWords, t->decoded[b]);
    const int d = graph_.Add(
        kChainPriority + n,
        {cc, words, rand, plan, t->decoded[b ^ 1], t->scattered[b][0], t->scattered[b][1]},
        [this, n] { return Decode(n); });
    graph_.Label(d, "decode " + std::to_string(n));
    const int lp = AddSection(first + kLogProb, t->scattered[b][0], t->scattered[b][1]);
    const int lbo =
        n < order_ ? AddSection(first + kLogBackoff, t->scattered[b][0], t->scattered[b][1]) : -1;
    // After D(n), which checks the order's claim against its bytes.
    const int start = graph_.Add(kBuildPriority + n, {t->placed[0], t->placed[1], d}, [this, n] {
      // Scratch for the larger orders to come too, as Grow sizes the keys.
      const uint64_t m = header_.ngram_counts[n - 1];
      builder_.Reserve(std::max<uint64_t>(m, std::min<uint64_t>(largest_, 4 * m)));
      builder_.Start(m);
      return Status::OK();
    });
    graph_.Label(start, "start " + std::to_string(n));
    for (int h = 0; h < 2; ++h) {
      t->scattered[b][h] = graph_.Add(kBuildPriority + n, {d, lp, lbo, start},
                                      [this, n, h] { return Scatter(n, h); });
      graph_.Label(t->scattered[b][h], "scatter " + std::to_string(n) + "." + std::to_string(h));
    }
    for (int s = 0; s < 2; ++s) {
      t->placed[s] = graph_.Add(kBuildPriority + n, {t->scattered[b][0], t->scattered[b][1]},
                                [this, n, s] { return Place(n, s); });
      graph_.Label(t->placed[s], "place " + std::to_string(n) + "." + std::to_string(s));
    }
    t->decoded[b] = d;
    // What the last two orders leave is released as soon as it is used,
    // not when the load ends: the peak is while the last order is built.
    if (n == order_ && n > 2) {
      graph_.Label(
          graph_.Add(kBuildPriority + n, {t->scattered[b ^ 1][0], t->scattered[b ^ 1][1], d},
                     [this, n] { return Release(n - 1); }),
          "release " + std::to_string(n - 1));
    }
    if (n == order_) {
      graph_.Label(graph_.Add(kBuildPriority + n, {t->scattered[b][0], t->scattered[b][1]},
                              [this, n] { return Release(n); }),
                   "release " + std::to_string(n));
    }
  }

  // Adds reading section i and decompressing it (after the tasks `after`
  // and `after2`, the last users of the buffer it goes to); returns the
  // decompression's id.
  int AddSection(size_t i, int after, int after2 = -1) {
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
    const bool chain = (id >> 16) == static_cast<uint32_t>(SectionType::kChildCounts) ||
                       (id >> 16) == static_cast<uint32_t>(SectionType::kWords);
    const int64_t priority = n >= 2 ? (chain ? kChainPriority : kBuildPriority) + n : kLastPriority;
    section_task_[i] =
        graph_.Add(priority, {read, after, after2}, [this, i] { return Decompress(i); });
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
    return reader_->ReadStored(i, &stored_[i]);
  }

  Status Decompress(size_t i) {
    StoredSection& s = stored_[i];
    const SectionType type = static_cast<SectionType>(s.id >> 16);
    const int n = static_cast<int>(s.id & 0xffff);
    RawBuffer* raw;
    size_t hint = 0;
    if (type == SectionType::kVocab) {
      raw = &vocab_raw_;
    } else if (n == 1) {
      raw = &uni_raw_[type == SectionType::kLogProb ? 0 : 1];
    } else {
      const int part = type == SectionType::kChildCounts ? kChildCounts
                       : type == SectionType::kWords     ? kWords
                       : type == SectionType::kLogProb   ? kLogProb
                                                         : kLogBackoff;
      raw = &raw_[n & 1][part];
      // Room for the larger orders to come, so that the buffer is mapped
      // once: untouched pages cost nothing. (The header's claim is believed
      // up to 4 times the bytes of this order: a false one costs no more.)
      hint = part >= kLogProb ? std::min<uint64_t>(4 * largest_, 4 * s.raw_size)
                              : std::max<size_t>(s.raw_size + s.raw_size / 4, kHugePage);
    }
    char* out = raw->Prepare(s.raw_size, hint);
    Status status = s.Decompress(name_, out);
    {
      std::lock_guard<std::mutex> lock(frames_mu_);
      frames_.push_back(std::move(s.buffer));
      if (++decompressed_ == stored_.size()) frames_.clear();  // no frame is left to read
    }
    GRAMS_RETURN_IF_ERROR(status);
    if ((type == SectionType::kLogProb || type == SectionType::kLogBackoff) &&
        s.raw_size != 4 * header_.ngram_counts[n - 1]) {
      return reader_->MalformedValues(type, n);
    }
    return Status::OK();
  }

  // Order 1's keys, R(w) under seed 0; the vocabulary size checked as
  // DecodeVocab checks it, before it is trusted with an allocation.
  Status MakeWordKeys() {
    const uint64_t V = header_.vocab_size;
    if (V > (1ull << 32) - 2 || header_.ngram_counts.empty() || header_.ngram_counts[0] != V) {
      return CorruptionError(name_ + ": inconsistent vocabulary size (the file is corrupted)");
    }
    if (V > vocab_raw_.view().size()) {  // a length prefix of one byte at least per word
      return CorruptionError(name_ + ": the vocabulary claims " + std::to_string(V) +
                             " words, but takes only " + std::to_string(vocab_raw_.view().size()) +
                             " bytes (the file is corrupted)");
    }
    word_keys_.Reset(V);
    for (uint64_t w = 0; w < V; ++w) word_keys_[w] = WordRandom(w, 0);
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

  // Room for order n's m entries in `a`, once the order's bytes hold them:
  // mapped for the larger orders to come as well (the header's largest, up
  // to 4 times m), so that it is mapped once or twice, not order by order.
  template <typename T>
  void Grow(HugeArray<T>* a, size_t m) {
    if (a->size() >= m) return;
    a->Reset(std::max<size_t>(m, std::min<uint64_t>(largest_ + 1, 4 * static_cast<uint64_t>(m))));
  }

  // Order n's keys from its structure and order n-1's keys.
  Status Decode(int n) {
    const int b = n & 1;
    GRAMS_RETURN_IF_ERROR(
        CheckTrieClaims(name_, header_, n, raw_[b][kChildCounts].view(), raw_[b][kWords].view()));
    const size_t m = header_.ngram_counts[n - 1];
    Grow(&keys_[b], m);
    Grow(&parents_, m + 1);
    uint64_t* out = keys_[b].data();
    const uint64_t* up = n == 2 ? word_keys_.data() : keys_[b ^ 1].data();
    const uint64_t* word = word_keys_.data();
    auto visit = [&](EntryIndex k, EntryIndex parent, WordId w) {
      out[k] = NonZero(up[parent] * kPolyBase + word[w]);
    };
    const std::string_view cc = raw_[b][kChildCounts].view(), words = raw_[b][kWords].view();
    // Words' keys in cache: each entry visited at once. Else (scale.txt's
    // 700K words: 5.6 MB of keys) prefetched, the visit 16 entries later.
    Status status = header_.vocab_size * sizeof(uint64_t) <= kCachedWordKeys
                        ? DecodeTrieLevelFast<false, 0>(
                              name_, header_, n, cc, words, parents_.data(), [](WordId) {}, visit)
                        : DecodeTrieLevelFast<false>(
                              name_, header_, n, cc, words, parents_.data(),
                              [word](WordId w) { ::grams::Prefetch(word + w); }, visit);
    if (n + 2 > order_) {  // no later order reuses these buffers
      raw_[b][kChildCounts] = RawBuffer();
      raw_[b][kWords] = RawBuffer();
    }
    if (n == order_) parents_.Release();
    return status;
  }

  // Frees order n's keys and values, once no order needs them.
  Status Release(int n) {
    const int b = n & 1;
    keys_[b].Release();
    raw_[b][kLogProb] = RawBuffer();
    raw_[b][kLogBackoff] = RawBuffer();
    return Status::OK();
  }

  Status Scatter(int n, int h) {
    const int b = n & 1;
    const size_t m = header_.ngram_counts[n - 1];
    const uint64_t* keys = keys_[b].data();
    const unsigned char* lp = raw_[b][kLogProb].data();
    const unsigned char* lbo = n < order_ ? raw_[b][kLogBackoff].data() : nullptr;
    // The floats of a block from their byte planes in loops the compiler
    // vectorizes, instead of 8 byte loads an entry.
    builder_.ScatterBlocks(
        h, [keys](size_t i) { return MixKey(keys[i]); },
        [&](size_t first, size_t count, Entry* out) {
          // The keys and planes of the block 4 blocks on: 9 streams and the
          // scatter's 64 are too many for the hardware to follow.
          constexpr size_t kAhead = 4 * OrderBuilder::kBlock;
          for (size_t j = 0; j < count; j += 8) PrefetchAhead(keys + first + j, 8 * kAhead);
          for (size_t j = 0; j < count; j += 64) {
            for (size_t q = 0; q < 4; ++q) {
              PrefetchAhead(lp + q * m + first + j, kAhead);
              if (lbo) PrefetchAhead(lbo + q * m + first + j, kAhead);
            }
          }
          uint32_t prob[OrderBuilder::kBlock], backoff[OrderBuilder::kBlock];
          PlaneBits(lp, m, first, count, prob);
          if (lbo) {
            PlaneBits(lbo, m, first, count, backoff);
          } else {
            std::fill_n(backoff, count, 0u);
          }
          for (size_t j = 0; j < count; ++j) {
            out[j] = Entry{MixKey(keys[first + j]), BitsFloat(prob[j]), BitsFloat(backoff[j])};
          }
        });
    return Status::OK();
  }

  Status Place(int n, int s) {
    LoadedShard& shard = out_->shards[2 * static_cast<size_t>(n - 2) + s];
    const size_t stride = n == order_ ? kTopSlotBytes : kSlotBytes;
    if (!builder_.Place(s, stride, &shard.slots, &shard.homes, &shard.slot_count, &shard.entries)) {
      collision_ = true;
    }
    return Status::OK();
  }

  ModelFileReader* reader_;
  const FileHeader& header_;
  const std::string name_;
  const int order_;
  LoadedModel* out_;
  TaskGraph graph_;
  std::vector<int> read_task_, section_task_;
  std::vector<StoredSection> stored_;
  std::mutex frames_mu_;
  std::vector<HugeArray<char>> frames_;  // frame buffers to reuse
  size_t decompressed_ = 0;              // sections, under frames_mu_
  RawBuffer vocab_raw_, uni_raw_[2];
  RawBuffer raw_[2][kParts];  // orders n >= 2, by parity
  size_t largest_ = 0;        // n-grams of the largest order n >= 2
  HugeArray<uint64_t> word_keys_;
  HugeArray<uint64_t> keys_[2];    // by parity of the order
  HugeArray<EntryIndex> parents_;  // Decode's scratch
  OrderBuilder builder_;
  std::atomic<bool> collision_{false};
};

}  // namespace

Status LoadModelFile(ModelFileReader* reader, LoadedModel* out) {
  Loader loader(reader, out);
  return loader.Run();
}

}  // namespace grams::query
