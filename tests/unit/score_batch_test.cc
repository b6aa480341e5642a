// The batch paths of LanguageModel: ScoreSentences (lookups of a few
// hundred tokens under way at once, order by order) gives exactly the floats
// and n-gram lengths of the State API, one token at a time, across chunk
// boundaries, empty and long sentences, fragments (bos = false), ids outside
// the vocabulary and every order; and Index over many words gives the ids
// of Index one word at a time, for the model in memory and its mapped form,
// short, long and very long words alike; and IndexWords (the split and the
// lookups in one pass) equals splitting first.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "grams/counts.h"
#include "grams/grams.h"
#include "test_util.h"
#include "tokenize/tokenizer.h"

namespace grams {
namespace {

std::unique_ptr<LanguageModel> ModelOf(const std::vector<std::string>& lines, int order) {
  auto counts = test::CountLines(lines, order);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = BuildModel(*counts, BuildOptions());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto lm = LanguageModel::Create(*model);
  EXPECT_TRUE(lm.ok()) << lm.status().ToString();
  return std::move(lm).value();
}

// The scores and match lengths of the sentences, one token at a time
// through FullScore.
void ScoreOneByOne(const LanguageModel& lm, const std::vector<WordId>& ids,
                   const std::vector<size_t>& ends, bool bos, std::vector<float>* out,
                   std::vector<uint8_t>* lengths) {
  out->assign(ids.size(), 0);
  lengths->assign(ids.size(), 0);
  size_t t = 0;
  for (size_t end : ends) {
    State state = bos ? lm.BeginSentenceState() : lm.NullContextState(), next;
    for (; t < end; ++t) {
      const FullScoreResult r = lm.FullScore(state, ids[t], &next);
      (*out)[t] = r.log_prob;
      (*lengths)[t] = r.ngram_length;
      state = next;
    }
  }
}

TEST(ScoreBatchTest, SentencesEqualTheStateApiTokenByToken) {
  const std::vector<std::string> train = test::ChainText(3000, 40, 1);
  const std::vector<std::string> text = test::ChainText(400, 44, 2);  // some words unseen
  for (int order : {1, 2, 3, 5, 8}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto lm = ModelOf(train, order);
    // Sentences of the text, plus an empty one, one of exactly 256 tokens
    // (a whole chunk), one of 700 (several), and ids outside the vocabulary.
    std::vector<WordId> ids;
    std::vector<size_t> ends;
    std::mt19937_64 rng(3);
    for (size_t s = 0; s < text.size(); ++s) {
      SplitWords(text[s], [&](std::string_view w) { ids.push_back(lm->Index(w)); });
      if (s % 3 == 0) ids.push_back(kEosId);
      if (s == 50) ends.push_back(ids.size());  // an empty sentence
      if (s == 100) {
        for (int k = 0; k < 700; ++k) ids.push_back(static_cast<WordId>(3 + rng() % 40));
      }
      if (s == 200) {
        for (int k = 0; k < 256; ++k) ids.push_back(static_cast<WordId>(3 + k % 40));
      }
      if (s == 300) ids.push_back(static_cast<WordId>(lm->vocab().size() + 5));
      ends.push_back(ids.size());
    }
    for (bool bos : {true, false}) {
      SCOPED_TRACE(bos ? "bos" : "no bos");
      std::vector<float> want, got(ids.size());
      std::vector<uint8_t> want_len, got_len(ids.size());
      ScoreOneByOne(*lm, ids, ends, bos, &want, &want_len);
      // All at once, and in parts of a few sentences (as TextScorer calls it).
      lm->ScoreSentences(ids.data(), ends.data(), ends.size(), bos, got.data(), got_len.data());
      for (size_t t = 0; t < ids.size(); ++t) {
        ASSERT_EQ(want[t], got[t]) << "token " << t;
        ASSERT_EQ(want_len[t], got_len[t]) << "token " << t;
      }
      std::fill(got.begin(), got.end(), 1.0f);
      for (size_t s = 0; s < ends.size(); s += 7) {
        const size_t from = s ? ends[s - 1] : 0;
        const size_t k = std::min<size_t>(7, ends.size() - s);
        std::vector<size_t> part(ends.begin() + s, ends.begin() + s + k);
        for (size_t& e : part) e -= from;
        lm->ScoreSentences(ids.data() + from, part.data(), k, bos, got.data() + from, nullptr);
      }
      for (size_t t = 0; t < ids.size(); ++t) ASSERT_EQ(want[t], got[t]) << "token " << t;
    }
  }
}

TEST(ScoreBatchTest, IndexOfManyWordsEqualsOneByOne) {
  test::TempDir dir;
  std::vector<std::string> train = test::ChainText(500, 60, 4);
  // Words of every length class: up to 7 bytes (in the index slot), longer,
  // much longer, and one of 2^23 bytes (its length is not in the slot).
  std::string line = "a ab abcdefg abcdefgh abcdefghijklmnopq ";
  line.append(300, 'x');
  train.push_back(line);
  line.assign((1u << 23) + 2, 'y');
  line += " short";
  train.push_back(line);
  auto lm = ModelOf(train, 3);
  ASSERT_TRUE(WriteMappedModel(*lm, dir.path() + "/m.lmm").ok());
  auto mapped = LanguageModel::Load(dir.path() + "/m.lmm");
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();

  std::vector<std::string> words;
  const Vocabulary& vocab = lm->vocab();
  for (WordId id = 0; id < vocab.size(); ++id) words.emplace_back(vocab.Word(id));
  for (const std::string& w : std::vector<std::string>(words)) {
    words.push_back(w);
    words.back() += 'z';                           // unknown, one byte longer
    if (!w.empty()) words.push_back(w.substr(1));  // unknown or another word
  }
  words.push_back("");
  words.push_back(std::string(301, 'x'));
  words.push_back(std::string((1u << 23) + 2, 'y'));
  words.push_back(std::string((1u << 23) + 1, 'y'));
  std::vector<std::string_view> views(words.begin(), words.end());
  for (const LanguageModel* m : {lm.get(), mapped.value().get()}) {
    std::vector<WordId> many(views.size());
    m->Index(views.data(), views.size(), many.data());
    for (size_t i = 0; i < views.size(); ++i) {
      const WordId in_vocab = vocab.Find(views[i]);
      const WordId want = in_vocab == Vocabulary::kNotFound ? kUnkId : in_vocab;
      ASSERT_EQ(want, m->Index(views[i])) << "word " << i << " of " << views[i].size() << " bytes";
      ASSERT_EQ(want, many[i]) << "word " << i << " of " << views[i].size() << " bytes";
    }
  }
}

TEST(ScoreBatchTest, IndexWordsEqualsSplittingThenIndex) {
  test::TempDir dir;
  std::vector<std::string> train = test::ChainText(300, 50, 5);
  train.push_back("a ab abc abcdefg abcdefgh abcdefghi abcdefghijklmnopqrstuvwxyz x\x01y");
  auto lm = ModelOf(train, 2);
  ASSERT_TRUE(WriteMappedModel(*lm, dir.path() + "/m.lmm").ok());
  auto mapped = LanguageModel::Load(dir.path() + "/m.lmm");
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  // Texts of known and unknown words of every length, every separator,
  // control bytes inside words, at every alignment and with no byte after.
  std::mt19937_64 rng(9);
  const std::vector<std::string> pieces = {"a",
                                           "ab",
                                           "abc",
                                           "abcdefg",
                                           "abcdefgh",
                                           "abcdefghi",
                                           "w1",
                                           "w17",
                                           "zz",
                                           "x\x01y",
                                           "abcdefghijklmnopqrstuvwxyz",
                                           " ",
                                           "\t",
                                           "\r",
                                           "\n",
                                           "\v",
                                           "\f",
                                           "  ",
                                           "\xc3\xa9"};
  std::string buffer;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t n = rng() % 12;
    for (size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const size_t shift = rng() % 8;
    buffer.assign(shift, 'q');
    buffer += text;
    const std::string_view view(buffer.data() + shift, text.size());
    for (const LanguageModel* m : {lm.get(), mapped.value().get()}) {
      std::vector<std::string_view> want_words;
      std::vector<WordId> want_ids;
      SplitWords(view, [&](std::string_view w) {
        want_words.push_back(w);
        want_ids.push_back(m->Index(w));
      });
      // Appended after what the vectors hold (not as many in each).
      std::vector<std::string_view> words = {"before"};
      std::vector<WordId> ids = {7, 8, 9};
      m->IndexWords(view, &words, &ids);
      ASSERT_EQ(words.size(), want_words.size() + 1) << "round " << round;
      ASSERT_EQ(ids.size(), want_ids.size() + 3);
      EXPECT_EQ(ids[0], 7u);
      EXPECT_EQ(ids[2], 9u);
      for (size_t i = 0; i < want_words.size(); ++i) {
        ASSERT_EQ(want_words[i].data(), words[i + 1].data()) << "round " << round;
        ASSERT_EQ(want_words[i].size(), words[i + 1].size());
        ASSERT_EQ(want_ids[i], ids[i + 3]) << "round " << round << " word " << want_words[i];
      }
    }
  }
}

}  // namespace
}  // namespace grams
