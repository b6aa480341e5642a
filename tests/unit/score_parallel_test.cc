// The scoring engine behind ScoreText, ScoreAndFormatText and ScoreJsonl:
// the same results on any number of threads, errors after exactly the lines
// before them, fragments (no <s>, no </s>) against the State API, the
// matched n-gram lengths, TextScorer scored in parts, and the JSON Lines
// reader's verdicts.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "grams/grams.h"
#include "query/jsonl.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::TempDir;

const std::vector<std::string> kCorpus = {
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "the cat saw the dog",
    "a dog sat",
    "on the mat the cat sat",
};

std::unique_ptr<LanguageModel> MakeModel(Unit unit = Unit::kWord, int order = 3) {
  CountOptions options;
  options.order = order;
  options.tokenizer.unit = unit;
  Counter counter(options);
  for (const auto& line : kCorpus) EXPECT_TRUE(counter.AddLine(line + "\n").ok());
  auto counts = counter.Finish();
  EXPECT_TRUE(counts.ok());
  auto model = BuildModel(*counts, BuildOptions());
  EXPECT_TRUE(model.ok());
  auto lm = LanguageModel::Create(*model);
  EXPECT_TRUE(lm.ok());
  return std::move(lm).value();
}

// Many lines (several batches of 64 KiB), some with OOVs, some blank.
std::string ManyLines(size_t n) {
  std::string text;
  const char* extra[] = {"zebra", "", "the", "mat cat", "qq rr"};
  for (size_t i = 0; i < n; ++i) {
    text += kCorpus[i % kCorpus.size()];
    text += ' ';
    text += extra[i % 5];
    text += '\n';
    if (i % 97 == 0) text += '\n';
  }
  return text;
}

struct Seen {
  std::vector<double> log10;
  std::vector<uint64_t> tokens, numbers;
  std::vector<std::string> lines;
  std::vector<std::vector<float>> token_log10;
  std::vector<std::vector<uint8_t>> ngram;
};

Status Collect(const LanguageModel& lm, const std::vector<std::string>& paths,
               ScoreTextOptions options, Seen* seen) {
  return ScoreText(lm, paths, options, [&](const TextScorer::LineScore& s) {
    seen->log10.push_back(s.log10_prob);
    seen->tokens.push_back(s.tokens);
    seen->numbers.push_back(s.line_number);
    seen->lines.emplace_back(s.line);
    seen->token_log10.push_back(s.token_log10);
    seen->ngram.push_back(s.token_ngram_length);
    return true;
  });
}

TEST(ScoreParallelTest, AnyNumberOfThreadsGivesTheSameLines) {
  TempDir dir;
  auto lm = MakeModel();
  const std::string a = dir.Write("a.txt", ManyLines(9000));
  const std::string b = dir.Write("b.txt", ManyLines(301) + "no newline at the end");
  Seen one;
  ASSERT_TRUE(Collect(*lm, {a, b}, ScoreTextOptions(), &one).ok());
  ASSERT_GT(one.log10.size(), 9000u);
  EXPECT_EQ(one.lines.back(), "no newline at the end");
  EXPECT_EQ(one.numbers.front(), 1u);
  for (int threads : {2, 3, 8}) {
    for (size_t batch : {size_t{1}, size_t{4096}}) {
      ScoreTextOptions options;
      options.threads = threads;
      options.batch_tokens = batch;
      Seen many;
      ASSERT_TRUE(Collect(*lm, {a, b}, options, &many).ok());
      EXPECT_EQ(many.log10, one.log10) << threads << " threads";
      EXPECT_EQ(many.tokens, one.tokens);
      EXPECT_EQ(many.numbers, one.numbers);
      EXPECT_EQ(many.lines, one.lines);
      EXPECT_EQ(many.token_log10, one.token_log10);
      EXPECT_EQ(many.ngram, one.ngram);
    }
  }
  // The totals too, bit for bit.
  auto p1 = ComputePerplexity(*lm, a);
  ScoreTextOptions four;
  four.threads = 4;
  auto p4 = ComputePerplexity(*lm, a, four);
  ASSERT_TRUE(p1.ok() && p4.ok());
  EXPECT_EQ(p1->log10_prob, p4->log10_prob);
  EXPECT_EQ(p1->iv_log10_prob, p4->iv_log10_prob);
  EXPECT_EQ(p1->oov_log10_prob, p4->oov_log10_prob);
  EXPECT_EQ(p1->tokens(), p4->tokens());
}

TEST(ScoreParallelTest, AnErrorComesAfterExactlyTheLinesBeforeIt) {
  TempDir dir;
  auto lm = MakeModel(Unit::kChar);
  std::string text = ManyLines(5000);
  // The start of a line past the 3200th long enough to hold the bad byte.
  size_t bad_line = 0;
  for (size_t i = 0; i < 3200 || text.find('\n', bad_line) - bad_line < 8; ++i) {
    bad_line = text.find('\n', bad_line) + 1;
  }
  text.insert(bad_line + 4, "\xC3(");
  const std::string path = dir.Write("bad.txt", text);
  Seen one;
  Status s1 = Collect(*lm, {path}, ScoreTextOptions(), &one);
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.message().find(path + ":"), std::string::npos) << s1.message();
  EXPECT_NE(s1.message().find("byte offset " + std::to_string(bad_line + 4) + ": invalid UTF-8"),
            std::string::npos)
      << s1.message();
  for (int threads : {2, 5}) {
    ScoreTextOptions options;
    options.threads = threads;
    Seen many;
    Status s = Collect(*lm, {path}, options, &many);
    EXPECT_EQ(s.message(), s1.message());
    EXPECT_EQ(many.log10, one.log10);
    // ScoreAndFormatText: the text of the same lines, nothing after.
    std::string out;
    Status f = ScoreAndFormatText(
        *lm, {path}, options,
        [](const TextScorer::LineScore& l, std::string* o) { *o += std::string(l.line) + "\n"; },
        [&](std::string_view t) {
          out += t;
          return true;
        });
    EXPECT_EQ(f.message(), s1.message());
    EXPECT_EQ(out, text.substr(0, bad_line));
  }
  // A missing second file: the first one's lines, then the error.
  const std::string good = dir.Write("good.txt", ManyLines(2000));
  for (int threads : {1, 3}) {
    ScoreTextOptions options;
    options.threads = threads;
    Seen seen;
    Status s = Collect(*lm, {good, dir.File("none.txt")}, options, &seen);
    EXPECT_NE(s.message().find("none.txt"), std::string::npos);
    EXPECT_EQ(seen.log10.size(), 2000u + 2000 / 97 + 1);
  }
}

TEST(ScoreParallelTest, StopsWhenAsked) {
  TempDir dir;
  auto lm = MakeModel();
  const std::string path = dir.Write("a.txt", ManyLines(20000));
  for (int threads : {1, 4}) {
    ScoreTextOptions options;
    options.threads = threads;
    int calls = 0;
    ASSERT_TRUE(ScoreText(*lm, {path}, options, [&](const TextScorer::LineScore&) {
                  return ++calls < 1000;
                }).ok());
    EXPECT_EQ(calls, 1000);
  }
}

TEST(ScoreParallelTest, FragmentsAsTheStateApiScoresThem) {
  auto lm = MakeModel();
  const std::vector<std::string> words = {"cat", "sat", "zebra", "on", "the", "mat"};
  for (bool bos : {true, false}) {
    for (bool eos : {true, false}) {
      SentenceOptions o;
      o.bos = bos;
      o.eos = eos;
      TextScorer scorer(lm.get(), o);
      TextScorer::LineScore s;
      ASSERT_TRUE(scorer.ScoreLine("cat sat zebra on the mat", &s).ok());
      ASSERT_EQ(s.tokens, words.size() + (eos ? 1 : 0));
      EXPECT_EQ(s.has_end, eos);
      State state = bos ? lm->BeginSentenceState() : lm->NullContextState(), next;
      double total = 0;
      for (size_t i = 0; i < s.tokens; ++i) {
        const WordId w = i < words.size() ? lm->Index(words[i]) : kEosId;
        const float p = lm->Score(state, w, &next);
        EXPECT_FLOAT_EQ(s.token_log10[i], p) << i << " bos " << bos << " eos " << eos;
        total += p;
        state = next;
      }
      EXPECT_NEAR(s.log10_prob, total, 1e-5);
    }
  }
}

TEST(ScoreParallelTest, MatchedNgramLengths) {
  auto lm = MakeModel();
  TextScorer scorer(lm.get());
  TextScorer::LineScore s;
  // <s> the cat: "<s> the" and "<s> the cat" are trigrams of the corpus;
  // "zebra" is <unk>, so "sat" after it backs off to its unigram... and
  // "zebra sat" was never seen.
  ASSERT_TRUE(scorer.ScoreLine("the cat zebra sat", &s).ok());
  EXPECT_EQ(s.token_ngram_length, (std::vector<uint8_t>{2, 3, 1, 1, 2}));
  SentenceOptions fragment;
  fragment.bos = false;
  TextScorer no_bos(lm.get(), fragment);
  ASSERT_TRUE(no_bos.ScoreLine("the cat", &s).ok());
  EXPECT_EQ(s.token_ngram_length, (std::vector<uint8_t>{1, 2, 1}));
}

TEST(ScoreParallelTest, TextScorerScoresInParts) {
  auto lm = MakeModel();
  TextScorer whole(lm.get()), parts(lm.get());
  const std::vector<std::string> lines = {"the cat sat", "a dog", "", "zebra on the mat"};
  for (const auto& l : lines) ASSERT_TRUE(whole.Add(l).ok());
  whole.Score();
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(parts.Add(lines[i]).ok());
    if (i % 2 == 1) parts.Score();
  }
  parts.Score();
  TextScorer::LineScore a, b;
  for (size_t i = 0; i < lines.size(); ++i) {
    whole.Get(i, &a);
    parts.Get(i, &b);
    EXPECT_EQ(a.token_log10, b.token_log10);
    EXPECT_EQ(a.token_ngram_length, b.token_ngram_length);
  }
}

TEST(JsonlTest, FirstInvalidUtf8) {
  using query::FirstInvalidUtf8;
  constexpr size_t npos = std::string_view::npos;
  EXPECT_EQ(FirstInvalidUtf8(""), npos);
  EXPECT_EQ(FirstInvalidUtf8("plain ascii text, long enough for words"), npos);
  EXPECT_EQ(FirstInvalidUtf8("na\xC3\xAFve \xE4\xB8\xAD \xF0\x9F\x98\x80"), npos);
  EXPECT_EQ(FirstInvalidUtf8("abc\xFF"), 3u);
  EXPECT_EQ(FirstInvalidUtf8("abcdefghij\xC3"), 10u);   // truncated
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);          // overlong
  EXPECT_EQ(FirstInvalidUtf8("x\xE0\x80\xAF"), 1u);     // overlong
  EXPECT_EQ(FirstInvalidUtf8("xy\xED\xA0\x80"), 2u);    // surrogate
  EXPECT_EQ(FirstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ok \xE2\x82"), 3u);
  EXPECT_EQ(FirstInvalidUtf8("ok \xE2\x28\xA1"), 3u);
}

TEST(JsonlTest, OneLine) {
  auto lm = MakeModel();
  TextScorer scorer(lm.get());
  DocumentScore doc;
  std::string out;
  ASSERT_TRUE(query::ScoreJsonlLine(R"({"id":7,"text":"the cat sat\na zebra","x":[1,{"y":null}]})",
                                    0, "text", &scorer, &doc, &out)
                  .ok());
  EXPECT_EQ(doc.sentences, 2u);
  EXPECT_EQ(doc.tokens, 4u + 3u);
  EXPECT_EQ(doc.oovs, 1u);
  TextScorer::LineScore a, b;
  ASSERT_TRUE(scorer.ScoreLine("the cat sat", &a).ok());
  ASSERT_TRUE(scorer.ScoreLine("a zebra", &b).ok());
  EXPECT_DOUBLE_EQ(doc.log10_prob, a.log10_prob + b.log10_prob);
  EXPECT_DOUBLE_EQ(doc.Perplexity(), std::pow(10.0, -doc.log10_prob / 7));
  EXPECT_EQ(
      out.rfind(R"({"id":7,"text":"the cat sat\na zebra","x":[1,{"y":null}],"log10prob":)", 0), 0u)
      << out;
  EXPECT_NE(out.find(R"(,"tokens":7,"oovs":1,"perplexity":)"), std::string::npos) << out;

  auto why = [&](std::string_view line, const std::string& field = "text") {
    return query::ScoreJsonlLine(line, 100, field, &scorer, &doc, nullptr).message();
  };
  EXPECT_EQ(why("{\"text\":\"a\xFF\"}"), "byte offset 110: invalid UTF-8");
  EXPECT_EQ(why(R"({"text":"a",})")
                .rfind("byte offset 112: not JSON (syntax error while parsing object key - "
                       "unexpected '}'; expected string literal)",
                       0),
            0u)
      << why(R"({"text":"a",})");
  EXPECT_EQ(why(""), why(""));  // blank: not JSON
  EXPECT_NE(why("").find("not JSON"), std::string::npos);
  EXPECT_EQ(why(R"({"text":"a","x":1e400})"), "not JSON (number overflow parsing '1e400')");
  EXPECT_EQ(why("[1,2]"), "not a JSON object (an array)");
  EXPECT_EQ(why("\"text\""), "not a JSON object (a string)");
  EXPECT_EQ(why(R"({"txt":"a"})"), "no \"text\" field");
  EXPECT_EQ(why(R"({"text":3})"), "the \"text\" field is a number, not a string");
  EXPECT_EQ(why(R"({"text":["a"]})"), "the \"text\" field is an array, not a string");
  EXPECT_EQ(why(R"({"body":"a"})", "body"), "");
  EXPECT_EQ(why(R"({"text":"\ud800"})").find("not JSON"), std::string("byte offset 100: ").size());
  EXPECT_EQ(why("{\"text\":\"a\",\"x\":" + std::string(600, '[') + std::string(600, ']') + "}"),
            "nested deeper than 512 levels");
}

TEST(JsonlTest, ScoreJsonlOnThreadsAndSkipping) {
  TempDir dir;
  auto lm = MakeModel();
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "{\"n\":" + std::to_string(i) + ",\"text\":\"" + kCorpus[i % kCorpus.size()] +
            "\\nzebra " + std::to_string(i % 7) + "\"}\n";
  }
  const std::string good = dir.Write("good.jsonl", text);
  const std::string bad = dir.Write("bad.jsonl", text + "[1]\n{\"text\":1}\n" + text);
  auto run = [&](const std::string& path, int threads, bool skip, std::string* out,
                 JsonlStats* stats) {
    ScoreTextOptions options;
    options.threads = threads;
    JsonlOptions jsonl;
    jsonl.skip_bad_lines = skip;
    return ScoreJsonl(
        *lm, {path}, options, jsonl,
        [](const DocumentScore& d, std::string* o) { *o += std::string(d.with_scores) + "\n"; },
        [&](std::string_view t) {
          *out += t;
          return true;
        },
        stats);
  };
  std::string one, four;
  JsonlStats stats;
  ASSERT_TRUE(run(good, 1, false, &one, &stats).ok());
  EXPECT_EQ(stats.documents, 3000u);
  ASSERT_TRUE(run(good, 4, false, &four, &stats).ok());
  EXPECT_EQ(one, four);
  for (int threads : {1, 3}) {
    std::string out;
    Status s = run(bad, threads, false, &out, &stats);
    EXPECT_EQ(s.message(), bad + ":3001: not a JSON object (an array)");
    EXPECT_EQ(out, one);
    out.clear();
    ASSERT_TRUE(run(bad, threads, true, &out, &stats).ok());
    EXPECT_EQ(out, one + one);
    EXPECT_EQ(stats.skipped, 2u);
    EXPECT_EQ(stats.documents, 6000u);
    EXPECT_EQ(stats.first_skipped, bad + ":3001: not a JSON object (an array)");
  }
}

}  // namespace
}  // namespace grams
