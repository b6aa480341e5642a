// A KenLM binary as grams ids, info and (a trie) a Model; see kenlm_model.h.
#include "format/kenlm_model.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "format/model_file.h"

namespace grams {
namespace {

float PlusZero(float v) { return v == 0.0f ? 0.0f : v; }

}  // namespace

KenlmIds MapKenlmIds(const KenlmBinary& file) {
  const uint32_t V = file.vocab_size();
  KenlmIds ids;
  ids.to_grams.assign(V, kUnkId);
  ids.to_kenlm.assign(3, 0);
  ids.to_kenlm[kBosId] = file.bos();
  ids.to_kenlm[kEosId] = file.eos();
  if (file.bos()) ids.to_grams[file.bos()] = kBosId;
  if (file.eos()) ids.to_grams[file.eos()] = kEosId;
  for (uint32_t k = 1; k < V; ++k) {
    if (k == file.bos() || k == file.eos()) continue;
    ids.to_grams[k] = static_cast<WordId>(ids.to_kenlm.size());
    ids.to_kenlm.push_back(k);
  }
  return ids;
}

std::vector<std::string_view> KenlmWords(const KenlmBinary& file, const KenlmIds& ids) {
  std::vector<std::string_view> words(ids.to_kenlm.size());
  words[kUnkId] = "<unk>";
  words[kBosId] = "<s>";
  words[kEosId] = "</s>";
  for (size_t g = 3; g < words.size(); ++g) words[g] = file.Word(ids.to_kenlm[g]);
  return words;
}

ModelInfo KenlmModelInfo(const KenlmBinary& file) {
  ModelInfo info = {{"source", "kenlm"}, {"kenlm_layout", KenlmLayoutName(file.layout())}};
  if (file.prob_bits()) {
    info.emplace_back("kenlm_quantization",
                      std::to_string(file.prob_bits()) + " " + std::to_string(file.backoff_bits()));
  }
  if (file.layout() == KenlmLayout::kArrayTrie || file.layout() == KenlmLayout::kQuantArrayTrie) {
    info.emplace_back("kenlm_pointer_bits", std::to_string(file.pointer_bits()));
  }
  return info;
}

namespace {

// The model's trie levels from KenLM's n-grams, given order by order as
// KenlmBinary::ListNgrams lists them: each order's n-grams mapped to grams
// ids, sorted, checked and linked to their context in the order below.
class KenlmTrieBuilder {
 public:
  KenlmTrieBuilder(const KenlmBinary& file, const KenlmIds& ids, Model* model)
      : file_(file), ids_(ids), model_(*model), N_(file.order()) {
    model_.trie.levels.resize(N_);
    model_.log_prob.resize(N_);
    model_.log_backoff.resize(N_);
  }

  Status AddOrder(int n, const std::vector<uint32_t>& words, const std::vector<float>& probs,
                  const std::vector<float>& backoffs) {
    if (n == 1) {
      AddUnigrams(probs, backoffs);
      return Status::OK();
    }
    return AddNgrams(n, words, probs, backoffs);
  }

 private:
  // Every word of the vocabulary, in grams id order.
  void AddUnigrams(const std::vector<float>& probs, const std::vector<float>& backoffs) {
    const size_t V = ids_.to_kenlm.size();
    TrieLevel& level = model_.trie.levels[0];
    std::vector<float>& lp = model_.log_prob[0];
    std::vector<float>& lbo = model_.log_backoff[0];
    level.words.resize(V);
    lp.resize(V);
    if (N_ > 1) lbo.resize(V);
    for (WordId g = 0; g < V; ++g) {
      level.words[g] = g;
      lp[g] = probs[ids_.to_kenlm[g]];
      if (N_ > 1) lbo[g] = PlusZero(backoffs[ids_.to_kenlm[g]]);
    }
    prev_.resize(V);
    std::iota(prev_.begin(), prev_.end(), WordId{0});
  }

  // The positions of order n's n-grams (`words`, n ids each, KenLM ids)
  // sorted by their grams ids, which are left in tuples_.
  std::vector<size_t> SortedOrder(size_t n, const std::vector<uint32_t>& words, size_t count) {
    tuples_.resize(words.size());
    for (size_t i = 0; i < words.size(); ++i) tuples_[i] = ids_.to_grams[words[i]];
    std::vector<size_t> order(count);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::lexicographical_compare(&tuples_[a * n], &tuples_[a * n] + n, &tuples_[b * n],
                                          &tuples_[b * n] + n);
    });
    return order;
  }

  Status AddNgrams(int n, const std::vector<uint32_t>& words, const std::vector<float>& probs,
                   const std::vector<float>& backoffs) {
    TrieLevel& level = model_.trie.levels[n - 1];
    std::vector<float>& lp = model_.log_prob[n - 1];
    std::vector<float>& lbo = model_.log_backoff[n - 1];
    const size_t count = probs.size();
    const size_t un = static_cast<size_t>(n);
    const std::vector<size_t> order = SortedOrder(un, words, count);
    level.words.resize(count);
    level.parents.resize(count);
    lp.resize(count);
    if (n < N_) lbo.resize(count);
    std::vector<WordId> sorted(count * un);
    const size_t pn = un - 1;
    const size_t prev_count = prev_.size() / pn;
    size_t j = 0;  // the parent candidate in the order below
    for (size_t r = 0; r < count; ++r) {
      const size_t i = order[r];
      const WordId* t = &tuples_[i * un];
      std::copy(t, t + un, &sorted[r * un]);
      if (r > 0 && std::equal(t, t + un, &sorted[(r - 1) * un])) {
        return Damaged(n, "-gram appears twice");
      }
      while (j < prev_count &&
             std::lexicographical_compare(&prev_[j * pn], &prev_[j * pn] + pn, t, t + pn)) {
        ++j;
      }
      if (j == prev_count || !std::equal(t, t + pn, &prev_[j * pn])) {
        return Damaged(n, "-gram's context is not in the model");
      }
      level.parents[r] = static_cast<EntryIndex>(j);
      level.words[r] = t[pn];
      lp[r] = probs[i];
      if (n < N_) lbo[r] = PlusZero(backoffs[i]);
    }
    prev_.swap(sorted);
    return Status::OK();
  }

  Status Damaged(int n, const char* what) const {
    return CorruptionError(file_.name() + ": damaged KenLM binary: a " + std::to_string(n) + what);
  }

  const KenlmBinary& file_;
  const KenlmIds& ids_;
  Model& model_;
  const int N_;
  // The n-grams of the order below, in grams ids, sorted: entry i of the
  // model's level n-1 is prev_[i * (n-1) .. i * (n-1) + n-1).
  std::vector<WordId> prev_, tuples_;
};

}  // namespace

StatusOr<Model> KenlmToModel(const KenlmBinary& file) {
  if (!file.is_trie()) return KenlmBinary::ProbingNotListable(file.name());
  const KenlmIds ids = MapKenlmIds(file);
  Model model;
  if (!Vocabulary::FromWords(KenlmWords(file, ids), &model.vocab)) {
    return CorruptionError(file.name() + ": damaged KenLM binary: its vocabulary repeats a word");
  }
  model.info = KenlmModelInfo(file);
  KenlmTrieBuilder builder(file, ids, &model);
  GRAMS_RETURN_IF_ERROR(
      file.ListNgrams([&](int n, const std::vector<uint32_t>& words,
                          const std::vector<float>& probs, const std::vector<float>& backoffs) {
        return builder.AddOrder(n, words, probs, backoffs);
      }));
  return model;
}

StatusOr<std::unique_ptr<KenlmBinary>> OpenKenlmBinary(const std::string& path,
                                                       std::unique_ptr<io::InputStream> in,
                                                       bool read_into_memory) {
  if (path != "-" && IsRegularFile(*in)) {
    in.reset();
    KenlmBinary::Options options;
    options.read_into_memory = read_into_memory;
    return KenlmBinary::Open(path, options);
  }
  GRAMS_ASSIGN_OR_RETURN(std::string bytes, io::ReadAll(in.get()));
  return KenlmBinary::FromBytes(in->name(), std::move(bytes));
}

}  // namespace grams
