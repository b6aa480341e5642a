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

StatusOr<Model> KenlmToModel(const KenlmBinary& file) {
  if (!file.is_trie()) return KenlmBinary::ProbingNotListable(file.name());
  const KenlmIds ids = MapKenlmIds(file);
  Model model;
  if (!Vocabulary::FromWords(KenlmWords(file, ids), &model.vocab)) {
    return CorruptionError(file.name() + ": damaged KenLM binary: its vocabulary repeats a word");
  }
  model.info = KenlmModelInfo(file);
  const int N = file.order();
  const size_t V = ids.to_kenlm.size();
  model.trie.levels.resize(N);
  model.log_prob.resize(N);
  model.log_backoff.resize(N);
  // The n-grams of the order below, in grams ids, sorted: entry i of the
  // model's level n-1 is prev[i * (n-1) .. i * (n-1) + n-1).
  std::vector<WordId> prev, tuples;
  Status status = file.ListNgrams([&](int n, const std::vector<uint32_t>& words,
                                      const std::vector<float>& probs,
                                      const std::vector<float>& backoffs) -> Status {
    TrieLevel& level = model.trie.levels[n - 1];
    std::vector<float>& lp = model.log_prob[n - 1];
    std::vector<float>& lbo = model.log_backoff[n - 1];
    if (n == 1) {
      level.words.resize(V);
      lp.resize(V);
      if (N > 1) lbo.resize(V);
      for (WordId g = 0; g < V; ++g) {
        level.words[g] = g;
        lp[g] = probs[ids.to_kenlm[g]];
        if (N > 1) lbo[g] = PlusZero(backoffs[ids.to_kenlm[g]]);
      }
      prev.resize(V);
      std::iota(prev.begin(), prev.end(), WordId{0});
      return Status::OK();
    }
    const size_t count = probs.size();
    tuples.resize(words.size());
    for (size_t i = 0; i < words.size(); ++i) tuples[i] = ids.to_grams[words[i]];
    std::vector<size_t> order(count);
    std::iota(order.begin(), order.end(), size_t{0});
    const size_t un = static_cast<size_t>(n);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::lexicographical_compare(&tuples[a * un], &tuples[a * un] + un, &tuples[b * un],
                                          &tuples[b * un] + un);
    });
    level.words.resize(count);
    level.parents.resize(count);
    lp.resize(count);
    if (n < N) lbo.resize(count);
    std::vector<WordId> sorted(count * un);
    const size_t pn = un - 1;
    const size_t prev_count = prev.size() / pn;
    size_t j = 0;  // the parent candidate in the order below
    for (size_t r = 0; r < count; ++r) {
      const size_t i = order[r];
      const WordId* t = &tuples[i * un];
      std::copy(t, t + un, &sorted[r * un]);
      if (r > 0 && std::equal(t, t + un, &sorted[(r - 1) * un])) {
        return CorruptionError(file.name() + ": damaged KenLM binary: a " + std::to_string(n) +
                               "-gram appears twice");
      }
      while (j < prev_count &&
             std::lexicographical_compare(&prev[j * pn], &prev[j * pn] + pn, t, t + pn)) {
        ++j;
      }
      if (j == prev_count || !std::equal(t, t + pn, &prev[j * pn])) {
        return CorruptionError(file.name() + ": damaged KenLM binary: a " + std::to_string(n) +
                               "-gram's context is not in the model");
      }
      level.parents[r] = static_cast<EntryIndex>(j);
      level.words[r] = t[pn];
      lp[r] = probs[i];
      if (n < N) lbo[r] = PlusZero(backoffs[i]);
    }
    prev.swap(sorted);
    return Status::OK();
  });
  GRAMS_RETURN_IF_ERROR(status);
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
