// A model file's trie (query/model_trie.h) answering queries while its hash
// tables are built (LoadOptions::tables): the same floats, n-gram lengths
// and states as the tables, whichever answers and whenever they take over;
// a model destroyed while its build runs; a forked child; the mapped form
// written from a model that never built its tables.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "grams/grams.h"
#include "query/language_model_impl.h"
#include "test_util.h"

namespace grams {
namespace {

using Tables = LoadOptions::Tables;

// Sentences of ids to score: the model's words and ids outside it.
std::vector<std::vector<WordId>> Sentences(const std::vector<std::string>& lines,
                                           const LanguageModel& lm, size_t count) {
  std::vector<std::vector<WordId>> out;
  for (size_t i = 0; i < count; ++i) {
    std::vector<WordId> ids;
    const std::string& line = lines[(i * 7919) % lines.size()];
    for (size_t p = 0, q; p < line.size(); p = q + 1) {
      q = line.find(' ', p);
      if (q == std::string::npos) q = line.size();
      ids.push_back(lm.Index(line.substr(p, q - p)));
    }
    if (i % 5 == 1) ids.push_back(static_cast<WordId>(lm.vocab().size() + i));  // out of range
    if (i % 3 == 0) std::reverse(ids.begin(), ids.end());  // unseen n-grams too
    ids.push_back(kEosId);
    out.push_back(std::move(ids));
  }
  return out;
}

struct Scores {
  std::vector<float> with_bos, without_bos;
  std::vector<uint8_t> length;
  std::vector<float> full;  // FullScore, word by word
  std::vector<uint8_t> full_length;
  std::vector<std::string> states;  // each state's bytes that matter
};

std::string StateBytes(const State& s) {
  const size_t n = std::min<size_t>(s.length, kMaxStateWords);
  std::vector<char> out(1 + n * (sizeof(WordId) + sizeof(float)));
  out[0] = static_cast<char>(n);
  std::memcpy(out.data() + 1, s.words, n * sizeof(WordId));
  std::memcpy(out.data() + 1 + n * sizeof(WordId), s.backoff, n * sizeof(float));
  return std::string(out.begin(), out.end());
}

// Every way of scoring the sentences: all in one call (many chunks of
// lookups), and word by word through the State API.
Scores ScoreAll(const LanguageModel& lm, const std::vector<std::vector<WordId>>& sentences) {
  std::vector<WordId> ids;
  std::vector<size_t> ends;
  for (const auto& s : sentences) {
    ids.insert(ids.end(), s.begin(), s.end());
    ends.push_back(ids.size());
  }
  Scores out;
  out.with_bos.resize(ids.size());
  out.without_bos.resize(ids.size());
  out.length.resize(ids.size());
  lm.ScoreSentences(ids.data(), ends.data(), ends.size(), /*bos=*/true, out.with_bos.data(),
                    out.length.data());
  lm.ScoreSentences(ids.data(), ends.data(), ends.size(), /*bos=*/false, out.without_bos.data(),
                    nullptr);
  for (const auto& s : sentences) {
    State state = lm.BeginSentenceState();
    for (WordId w : s) {
      State next;
      const FullScoreResult r = lm.FullScore(state, w, &next);
      out.full.push_back(r.log_prob);
      out.full_length.push_back(r.ngram_length);
      out.states.push_back(StateBytes(next));
      state = next;
    }
  }
  return out;
}

void ExpectSameBits(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0)
        << what << " token " << i << ": " << a[i] << " vs " << b[i];
  }
}

void ExpectSame(const Scores& a, const Scores& b) {
  ExpectSameBits(a.with_bos, b.with_bos, "with <s>");
  ExpectSameBits(a.without_bos, b.without_bos, "without <s>");
  EXPECT_EQ(a.length, b.length);
  ExpectSameBits(a.full, b.full, "FullScore");
  EXPECT_EQ(a.full_length, b.full_length);
  EXPECT_EQ(a.states, b.states);
}

class ModelTrieTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    lines_ = test::ChainText(3000, 300, 7);
    auto counts = test::CountLines(lines_, 5);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    BuildOptions options;
    auto smoothing = ParseSmoothing(GetParam());
    ASSERT_TRUE(smoothing.ok()) << smoothing.status().ToString();
    options.smoothing = smoothing.value();
    auto model = BuildModel(*counts, options);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    path_ = dir_.path() + "/m.lm";
    ASSERT_TRUE(WriteModelFile(*model, path_).ok());
    for (int n = 2; n <= model->order(); ++n) ngrams_ += model->trie.levels[n - 1].size();
    auto created = LanguageModel::Create(*model);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    reference_ = std::move(created).value();
    sentences_ = Sentences(lines_, *reference_, 600);
    expected_ = ScoreAll(*reference_, sentences_);
  }

  std::unique_ptr<LanguageModel> Load(Tables tables, uint64_t build_after_tokens = 0,
                                      bool cores_busy = false) {
    LoadOptions options;
    options.tables = tables;
    options.build_after_tokens = build_after_tokens;
    options.cores_busy = cores_busy;
    auto lm = LanguageModel::Load(path_, options);
    EXPECT_TRUE(lm.ok()) << lm.status().ToString();
    return lm.ok() ? std::move(lm).value() : nullptr;
  }

  void ThreadsScoreTheSame(uint64_t build_after_tokens);
  // Forks: the child scores every sentence with *lm, frees it and exits;
  // a hang (20 s) or another score fails the test.
  void ExpectAForkedChildScores(std::unique_ptr<LanguageModel>* lm);

  test::TempDir dir_;
  std::string path_;
  std::vector<std::string> lines_;
  std::unique_ptr<LanguageModel> reference_;
  std::vector<std::vector<WordId>> sentences_;
  Scores expected_;
  uint64_t ngrams_ = 0;  // of orders 2 and up
};

// The trie alone (never), the tables built before the first query, and the
// default, against the tables LanguageModel::Create builds from the Model.
TEST_P(ModelTrieTest, TrieAndTablesGiveTheSameScores) {
  for (Tables tables : {Tables::kNever, Tables::kBeforeReturning, Tables::kInBackground}) {
    for (uint64_t after : {uint64_t{0}, uint64_t{100000}}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(tables)) + " " + std::to_string(after));
      auto lm = Load(tables, after);
      ASSERT_NE(lm, nullptr);
      ExpectSame(ScoreAll(*lm, sentences_), expected_);
    }
  }
}

// Threads scoring from the moment the load returns, while the tables are
// built (from the start, or once the trie has answered 20,000 tokens, in
// the middle of the threads' work) and after they take over: every answer
// the same. The tables are then those of the Model (their mapped forms are
// the same bytes).
TEST_P(ModelTrieTest, ThreadsScoreTheSameWhileTheTablesAreBuilt) {
  for (uint64_t after : {uint64_t{0}, uint64_t{20000}}) {
    SCOPED_TRACE(after);
    ThreadsScoreTheSame(after);
  }
}

void ModelTrieTest::ThreadsScoreTheSame(uint64_t build_after_tokens) {
  auto lm = Load(Tables::kInBackground, build_after_tokens);
  ASSERT_NE(lm, nullptr);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 6; ++round) {
        const size_t n = 5 + 40 * static_cast<size_t>(round + t);  // short calls, then long
        std::vector<std::vector<WordId>> some(sentences_.begin(),
                                              sentences_.begin() + std::min(n, sentences_.size()));
        Scores expected = ScoreAll(*reference_, some), got = ScoreAll(*lm, some);
        if (got.with_bos != expected.with_bos || got.full != expected.full ||
            got.states != expected.states || got.length != expected.length) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  const std::string a = dir_.path() + "/loaded.lmm", b = dir_.path() + "/created.lmm";
  ASSERT_TRUE(WriteMappedModel(*lm, a).ok());
  ASSERT_TRUE(WriteMappedModel(*reference_, b).ok());
  EXPECT_TRUE(test::ReadFile(a) == test::ReadFile(b));
}

// The build starts once the trie has answered build_after_tokens tokens: a
// short job never builds the tables, a long one does, and then they answer.
TEST_P(ModelTrieTest, TheTablesAreBuiltOnceTheTrieHasAnsweredEnough) {
  auto wait_ready = [](const LanguageModel& lm) {
    for (int i = 0; i < 1000 && !lm.TablesReady(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return lm.TablesReady();
  };
  const std::vector<std::vector<WordId>> few(sentences_.begin(), sentences_.begin() + 20);
  auto lm = Load(Tables::kInBackground, 100000);
  ASSERT_NE(lm, nullptr);
  EXPECT_FALSE(lm->TablesReady());
  ExpectSame(ScoreAll(*lm, few), ScoreAll(*reference_, few));  // a few hundred tokens
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(lm->TablesReady());  // no build was started
  // Then enough tokens (each round: about 27,000): the build starts, and ends.
  for (int round = 0; round < 5; ++round) ExpectSame(ScoreAll(*lm, sentences_), expected_);
  EXPECT_TRUE(wait_ready(*lm));
  ExpectSame(ScoreAll(*lm, sentences_), expected_);
  // Never, whatever is asked; at once with 0.
  auto never = Load(Tables::kNever);
  for (int i = 0; i < 5; ++i) ScoreAll(*never, sentences_);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(never->TablesReady());
  EXPECT_TRUE(wait_ready(*Load(Tables::kInBackground, 0)));
  EXPECT_TRUE(Load(Tables::kBeforeReturning)->TablesReady());
  EXPECT_TRUE(reference_->TablesReady());
}

// With every core busy scoring, the build waits until the trie has answered
// twice as many tokens as the model has n-grams, even when asked to start
// at once; then it starts, and the tables answer.
TEST_P(ModelTrieTest, WithEveryCoreBusyTheBuildWaitsForTwoTokensAnNgram) {
  auto lm = Load(Tables::kInBackground, 0, /*cores_busy=*/true);
  ASSERT_NE(lm, nullptr);
  // The tokens the trie answers in a ScoreAll: two ScoreSentences, and a
  // FullScore a token.
  uint64_t round = 0;
  for (const auto& s : sentences_) round += 3 * s.size();
  ASSERT_GT(round, 0u);
  ASSERT_LT(round, 2 * ngrams_);
  // Every round that stays under the threshold: no build.
  uint64_t scored = 0;
  for (; scored + round < 2 * ngrams_; scored += round) {
    ExpectSame(ScoreAll(*lm, sentences_), expected_);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(lm->TablesReady());
  // The round that crosses it starts the build, and the tables take over.
  ExpectSame(ScoreAll(*lm, sentences_), expected_);
  for (int i = 0; i < 1000 && !lm->TablesReady(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(lm->TablesReady());
  ExpectSame(ScoreAll(*lm, sentences_), expected_);
  // Without cores_busy, build_after_tokens = 0 starts it at once.
  auto idle = Load(Tables::kInBackground, 0);
  ASSERT_NE(idle, nullptr);
  for (int i = 0; i < 1000 && !idle->TablesReady(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(idle->TablesReady());
}

// A model that never built its tables builds them to write its mapped form,
// then scores from them: the same bytes, the same scores.
TEST_P(ModelTrieTest, AModelWithoutTablesWritesTheSameMappedForm) {
  auto lm = Load(Tables::kNever);
  ASSERT_NE(lm, nullptr);
  const std::string a = dir_.path() + "/never.lmm", b = dir_.path() + "/created.lmm";
  ASSERT_TRUE(WriteMappedModel(*lm, a).ok());
  ASSERT_TRUE(WriteMappedModel(*reference_, b).ok());
  EXPECT_TRUE(test::ReadFile(a) == test::ReadFile(b));
  ExpectSame(ScoreAll(*lm, sentences_), expected_);
}

// Destroyed at once, or after a query, while the build runs: it stops, and
// nothing it touches is used after it is freed (the sanitizer build checks).
TEST_P(ModelTrieTest, DestroyedWhileItsTablesAreBuilt) {
  for (int i = 0; i < 20; ++i) {
    auto lm = Load(Tables::kInBackground);
    ASSERT_NE(lm, nullptr);
    if (i % 2) {
      float score[2];
      const WordId ids[2] = {sentences_[0][0], kEosId};
      lm->ScoreSentence(ids, 2, score);
    }
    lm.reset();
  }
}

// Clang 14's AddressSanitizer (Debian 12's) takes no lock of its allocator
// around fork() (LLVM added that in 18: llvm-project pull request 75290), so
// a child that allocates can wait forever for a lock the build thread held
// when the parent forked (seen: the child stuck in the allocator's Refill,
// 11 runs in 30). glibc's malloc is fork-safe: the Release build runs these.
#if GRAMS_TEST_HAS_ASAN
#define GRAMS_SKIP_FORK_UNDER_ASAN() \
  GTEST_SKIP() << "this AddressSanitizer's allocator is not fork-safe with threads"
#else
#define GRAMS_SKIP_FORK_UNDER_ASAN() (void)0
#endif

void ModelTrieTest::ExpectAForkedChildScores(std::unique_ptr<LanguageModel>* lm) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(20);  // a hang fails, not blocks, the test
    const Scores got = ScoreAll(**lm, sentences_);
    const bool same = got.with_bos == expected_.with_bos && got.full == expected_.full &&
                      got.states == expected_.states;
    lm->reset();
    _exit(same ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child was killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A child forked while the build runs (a multiprocessing pool) has no build
// thread: it scores from the trie, and its model goes away without waiting
// for a thread that is not there.
TEST_P(ModelTrieTest, AForkedChildScoresAndExits) {
  GRAMS_SKIP_FORK_UNDER_ASAN();
  auto lm = Load(Tables::kInBackground);
  ASSERT_NE(lm, nullptr);
  ExpectAForkedChildScores(&lm);
}

// The same, forked while the build holds the lock on the trie (as it does
// when it starts and ends, and the test makes it do for a while): the fork
// waits for it (else the child, where no thread would let go of it, would
// wait forever), and the child scores and exits.
TEST_P(ModelTrieTest, AChildForkedWhileTheBuildHoldsTheTrieScores) {
  GRAMS_SKIP_FORK_UNDER_ASAN();
  struct Hold {  // (until the test ends: the build reads it when it starts)
    Hold() { SetBuildStartHoldForTesting(300); }
    ~Hold() { SetBuildStartHoldForTesting(0); }
  } hold;
  auto lm = Load(Tables::kInBackground);
  ASSERT_NE(lm, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the build holds it
  ExpectAForkedChildScores(&lm);
  // The parent goes on from the trie, then the tables, as before.
  ExpectSame(ScoreAll(*lm, sentences_), expected_);
}

INSTANTIATE_TEST_SUITE_P(Smoothing, ModelTrieTest, ::testing::Values("mkn", "stupid"),
                         [](const auto& p) { return std::string(p.param); });

// The trie keeps its words on 16 bits for a vocabulary of at most 65,536
// words (the fixture's) and on 32 above: a model of about 80,000 words
// answers as its tables do, from the trie alone and once they are built.
TEST(ModelTrieWideTest, AVocabularyOfMoreThan65536WordsScoresTheSame) {
  const auto lines = test::ChainText(40000, 90000, 11);
  auto counts = test::CountLines(lines, 3);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = BuildModel(*counts, BuildOptions());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_GT(model->vocab.size(), 65536u);
  test::TempDir dir;
  const std::string path = dir.path() + "/wide.lm";
  ASSERT_TRUE(WriteModelFile(*model, path).ok());
  auto reference = LanguageModel::Create(*model);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  // Words past 65,535 in every sentence: the ids a 16-bit trie would cut.
  std::vector<std::string> high;
  for (const auto& line : lines) {
    if (line.find("w8") != std::string::npos || line.find("w7") != std::string::npos) {
      high.push_back(line);
    }
  }
  ASSERT_GT(high.size(), 1000u);
  const auto sentences = Sentences(high, **reference, 800);
  size_t wide = 0;
  for (const auto& s : sentences) {
    for (WordId w : s) wide += w > 65535 && w < model->vocab.size();
  }
  ASSERT_GT(wide, 500u);
  const Scores expected = ScoreAll(**reference, sentences);
  for (Tables tables : {Tables::kNever, Tables::kBeforeReturning}) {
    LoadOptions options;
    options.tables = tables;
    auto lm = LanguageModel::Load(path, options);
    ASSERT_TRUE(lm.ok()) << lm.status().ToString();
    ExpectSame(ScoreAll(**lm, sentences), expected);
  }
}

}  // namespace
}  // namespace grams
