// ARPA blanks (Model::blanks): n-grams an ARPA file lacks although longer
// n-grams of the file end with them. Every n-gram of the file must be
// reached, in every form the model takes: read directly, as a model file, as
// a mapped model file, and written back to ARPA (which leaves the blanks
// out). KenLM's own expectations on its test model (lm/model_test.cc:
// Starters, Continuation, Blanks, Unknowns, MinimalState) are ported here,
// our code with their numbers, and a small model of our own checks the
// values exactly. KenLM's test.arpa is read from the shared data, not copied
// here: it is KenLM's, under the LGPL, and this tree is Apache-2.0; those
// tests are skipped without it.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/model_file.h"
#include "grams/build.h"
#include "grams/language_model.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::ReadFile;
using grams::test::TempDir;

const std::string kKenlmTest = std::string(GRAMS_SHARED_DIR) + "/reference/kenlm-test/test.arpa";

// The forms of one model, each loaded for queries.
struct Form {
  std::string name;
  std::unique_ptr<LanguageModel> lm;
};

// The model of ARPA file `arpa` in every form: read and built in memory,
// loaded from the ARPA file, from a model file, from a mapped model file,
// and from the ARPA file written back from it.
std::vector<Form> AllForms(const std::string& arpa, const TempDir& dir) {
  std::vector<Form> forms;
  auto model = ReadArpa(arpa);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return forms;
  auto add = [&](const std::string& name, StatusOr<std::unique_ptr<LanguageModel>> lm) {
    EXPECT_TRUE(lm.ok()) << name << ": " << lm.status().ToString();
    if (lm.ok()) forms.push_back(Form{name, std::move(lm).value()});
  };
  add("in memory", LanguageModel::Create(*model));
  add("ARPA", LanguageModel::Load(arpa));
  const std::string lm_path = dir.File("model.lm"), lmm = dir.File("model.lmm"),
                    back = dir.File("back.arpa");
  EXPECT_TRUE(WriteModelFile(*model, lm_path).ok());
  add("model file", LanguageModel::Load(lm_path));
  EXPECT_TRUE(WriteMappedModel(*model, lmm).ok());
  add("mapped", LanguageModel::Load(lmm));
  EXPECT_TRUE(WriteArpa(*model, back).ok());
  add("ARPA written back", LanguageModel::Load(back));
  return forms;
}

// Scores words one after the other through the State API, as KenLM's
// model_test.cc does with AppendTest (Score, then the state moves on) and
// StartTest (the state stays).
class Walker {
 public:
  explicit Walker(const LanguageModel& lm) : lm_(lm), state_(lm.NullContextState()) {}

  void Null() { state_ = lm_.NullContextState(); }
  void Begin() { state_ = lm_.BeginSentenceState(); }
  State state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

  // Checks log10 p(word | state) and the length of the n-gram that matched;
  // `append` moves the state on.
  void Expect(const std::string& word, int ngram, double log_prob, bool append = true) {
    State out;
    const FullScoreResult r = lm_.FullScore(state_, lm_.Index(word), &out);
    // KenLM checks within 0.001 percent.
    EXPECT_NEAR(r.log_prob, log_prob, std::abs(log_prob) * 1e-5 + 1e-7) << word;
    EXPECT_EQ(r.ngram_length, ngram) << word;
    // KenLM's state holds at most min(ngram, N - 1) words; ours holds the
    // words of the match that can still matter: exactly that many.
    EXPECT_EQ(out.length, std::min(ngram, lm_.order() - 1)) << word;
    if (append) state_ = out;
  }

 private:
  const LanguageModel& lm_;
  State state_;
};

// KenLM lm/model_test.cc, Starters: from <s>, without moving on.
void Starters(Walker& w) {
  w.Begin();
  w.Expect("looking", 2, -0.4846522, false);
  w.Expect(",", 1, -1.383514 + -0.4149733, false);                  // , plus <s>'s backoff
  w.Expect("this_is_not_found", 1, -1.995635 + -0.4149733, false);  // <unk>
}

// Continuation: "<s> looking on a little", then on from there.
void Continuation(Walker& w) {
  w.Begin();
  w.Expect("looking", 2, -0.484652);
  w.Expect("on", 3, -0.348837);
  w.Expect("a", 4, -0.0155266);
  w.Expect("little", 5, -0.00306122);
  const State preserve = w.state();
  w.Expect("the", 1, -4.04005);
  w.Expect("biarritz", 1, -1.9889);
  w.Expect("not_found", 1, -2.29666);
  w.Expect("more", 1, -1.20632 - 20.0);  // <unk>'s backoff is -20
  w.Expect(".", 2, -0.51363);
  w.Expect("</s>", 3, -0.0191651);
  w.set_state(preserve);
  w.Expect("more", 5, -0.00181395);
  w.Expect("loin", 5, -0.0432557);
}

// Blanks: "also would consider higher looking" is in the file, none of its
// suffixes of two words or more are.
void Blanks(Walker& w) {
  w.Null();
  w.Expect("also", 1, -1.687872);
  w.Expect("would", 2, -2);
  w.Expect("consider", 3, -3);
  const State preserve = w.state();
  w.Expect("higher", 4, -4);
  w.Expect("looking", 5, -5);
  w.set_state(preserve);
  // also would consider not_found: <unk>, and the backoffs of "consider"
  // (-0.30103), the blank "would consider" (0) and "also would consider" (-7).
  w.Expect("not_found", 1, -1.995635 - 7.0 - 0.30103);
  w.Null();
  w.Expect("higher", 1, -1.509559);
  w.Expect("looking", 2, -1.285941 - 0.30103);  // "higher looking" is a blank
  const State higher_looking = w.state();
  w.Expect("not_found", 1, -1.995635 - 0.4771212);
  w.set_state(higher_looking);
  w.Expect("consider", 1, -1.687872 - 0.4771212);
  w.Null();
  w.Expect("would", 1, -1.687872);
  w.Expect("consider", 2, -1.687872 - 0.30103);
  w.Expect("higher", 3, -1.509559 - 0.30103);
  w.Expect("looking", 4, -1.285941 - 0.30103);
}

// Unknowns: <unk> in n-grams, "<unk> however <unk>" without "however <unk>".
void Unknowns(Walker& w) {
  w.Null();
  w.Expect("not_found", 1, -1.995635);
  const State preserve = w.state();
  w.Expect("not_found2", 2, -15.0);
  w.Expect("not_found3", 2, -15.0 - 2.0);
  w.set_state(preserve);
  w.Expect("however", 2, -4);
  w.Expect("not_found3", 3, -6);
}

// MinimalState: a backoff of -0.0, a 2-gram whose word has a backoff; and
// "to look a" without "look a" (KenLM's test has "to look good" there).
void MinimalState(Walker& w) {
  w.Null();
  w.Expect("baz", 1, -6.535897);
  w.Null();
  w.Expect("foo", 1, -3.141592);
  w.Expect("bar", 2, -6.0);
  w.Expect("bar", 1, -2.718281 + 3.0);  // with bar's backoff
  w.Null();
  w.Expect("to", 1, -1.687872);
  w.Expect("look", 2, -0.2922095);
  w.Expect("a", 3, -7);
}

TEST(ArpaBlanksTest, KenlmModelTestExpectations) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  TempDir dir;
  const std::vector<Form> forms = AllForms(kKenlmTest, dir);
  ASSERT_EQ(forms.size(), 5u);
  for (const Form& f : forms) {
    SCOPED_TRACE(f.name);
    Walker w(*f.lm);
    {
      SCOPED_TRACE("Starters");
      Starters(w);
    }
    {
      SCOPED_TRACE("Continuation");
      Continuation(w);
    }
    {
      SCOPED_TRACE("Blanks");
      Blanks(w);
    }
    {
      SCOPED_TRACE("Unknowns");
      Unknowns(w);
    }
    {
      SCOPED_TRACE("MinimalState");
      MinimalState(w);
    }
  }
}

// The text of entry i of order n.
std::string Text(const Model& m, int n, EntryIndex i) { return test::NgramString(m, n, i); }

std::vector<std::string> BlankTexts(const Model& m) {
  std::vector<std::string> out;
  for (int n = 1; n <= static_cast<int>(m.blanks.size()); ++n) {
    for (EntryIndex i : m.blanks[n - 1]) out.push_back(Text(m, n, i));
  }
  return out;
}

TEST(ArpaBlanksTest, KenlmTestModelBlanks) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  auto m = ReadArpa(kKenlmTest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<std::string> blanks = BlankTexts(*m);
  std::sort(blanks.begin(), blanks.end());
  EXPECT_EQ(blanks,
            (std::vector<std::string>{"consider higher", "consider higher looking",
                                      "higher looking", "however <unk>", "look a", "would consider",
                                      "would consider higher", "would consider higher looking"}));
}

// A model of our own with two holes: "<s> a c" without "a c", and
// "a b c d" without "b c d" (but with "c d").
const char kHoles[] =
    "\\data\\\n"
    "ngram 1=7\n"
    "ngram 2=4\n"
    "ngram 3=3\n"
    "ngram 4=1\n"
    "\n\\1-grams:\n"
    "-1 <unk>\n"
    "-99 <s> -0.5\n"
    "-1.5 </s>\n"
    "-1.25 a -0.25\n"
    "-1.75 b -0.375\n"
    "-2 c -0.125\n"
    "-2.5 d -0.75\n"
    "\n\\2-grams:\n"
    "-0.5 <s> a -0.0625\n"
    "-0.75 a b -0.5\n"
    "-0.875 b c -0.25\n"
    "-0.625 c d\n"
    "\n\\3-grams:\n"
    "-0.25 <s> a b -0.125\n"
    "-0.375 a b c -0.1875\n"
    "-0.3125 <s> a c\n"
    "\n\\4-grams:\n"
    "-0.0625 a b c d\n"
    "\n\\end\\\n";

TEST(ArpaBlanksTest, HolesOfOurOwn) {
  TempDir dir;
  const std::string path = dir.Write("holes.arpa", kHoles);
  std::vector<std::string> warnings;
  auto m = ReadArpa(path, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // One warning, at the line of "<s> a c", the first that needs a blank.
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path + ":25: added 2 n-grams"), std::string::npos) << warnings[0];
  EXPECT_EQ(BlankTexts(*m), (std::vector<std::string>{"a c", "b c d"}));
  ASSERT_EQ(m->blanks.size(), 4u);
  // Their values: p(c | a) = bo(a) + p(c); p(d | b c) = bo(b c) + p(d | c).
  const EntryIndex ac = m->blanks[1][0], bcd = m->blanks[2][0];
  EXPECT_EQ(m->log_prob[1][ac], -0.25f + -2.0f);
  EXPECT_EQ(m->log_backoff[1][ac], 0.0f);
  EXPECT_EQ(m->log_prob[2][bcd], -0.25f + -0.625f);
  EXPECT_EQ(m->log_backoff[2][bcd], 0.0f);

  // Written back: the file's n-grams, no more.
  const std::string back = dir.File("back.arpa");
  ASSERT_TRUE(WriteArpa(*m, back).ok());
  const std::string text = ReadFile(back);
  EXPECT_NE(text.find("ngram 1=7\nngram 2=4\nngram 3=3\nngram 4=1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\ta c\t"), std::string::npos) << text;
  EXPECT_EQ(text.find("\tb c d\t"), std::string::npos) << text;
  // Read again, the same model, blanks included; through a model file too,
  // which writes the same ARPA.
  auto again = ReadArpa(back);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->blanks, m->blanks);
  const std::string file = dir.File("holes.lm");
  ASSERT_TRUE(WriteModelFile(*m, file).ok());
  auto read = ReadModelFile(file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->blanks, m->blanks);
  const std::string back2 = dir.File("back2.arpa");
  ASSERT_TRUE(WriteArpa(*read, back2).ok());
  EXPECT_EQ(ReadFile(back2), text);

  // Every form reaches both n-grams behind the holes, and backs off
  // through the blanks as through the n-grams they stand for.
  for (const Form& f : AllForms(path, dir)) {
    SCOPED_TRACE(f.name);
    const LanguageModel& lm = *f.lm;
    Walker w(lm);
    w.Begin();
    w.Expect("a", 2, -0.5);
    w.Expect("c", 3, -0.3125);  // "<s> a c", through the blank "a c"
    w.Null();
    w.Expect("a", 1, -1.25);
    w.Expect("b", 2, -0.75);
    w.Expect("c", 3, -0.375);
    w.Expect("d", 4, -0.0625);  // "a b c d", through the blank "b c d"
    // p(c | b a) = bo(b a) [none: 0] + p(c | a) [the blank: bo(a) + p(c)].
    w.Null();
    w.Expect("b", 1, -1.75);
    w.Expect("a", 1, -1.25 - 0.375);
    w.Expect("c", 2, -0.25 - 2.0);
    // d after "b c": the blank "b c d", bo(b c) + p(d | c).
    w.Begin();
    w.Expect("b", 1, -1.75 - 0.5);
    w.Expect("c", 2, -0.875);
    w.Expect("d", 3, -0.25 - 0.625);
  }
}

TEST(ArpaBlanksTest, ModelFileSectionIsChecked) {
  const std::vector<uint64_t> counts = {7, 5, 4, 1};
  std::vector<std::vector<EntryIndex>> blanks = {{}, {1, 4}, {3}, {}};
  const std::string raw = EncodeBlanks(blanks);
  std::vector<std::vector<EntryIndex>> decoded;
  ASSERT_TRUE(DecodeBlanks("x.lm", counts, raw, &decoded).ok());
  EXPECT_EQ(decoded, blanks);
  // Nothing listed: no blanks at all.
  ASSERT_TRUE(DecodeBlanks("x.lm", counts, EncodeBlanks({{}, {}, {}, {}}), &decoded).ok());
  EXPECT_TRUE(decoded.empty());
  auto bad = [&](const std::string& bytes, const std::string& why) {
    Status s = DecodeBlanks("x.lm", counts, bytes, &decoded);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << why;
    EXPECT_NE(s.message().find("x.lm: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  };
  bad(raw.substr(0, raw.size() - 1), "truncated");
  bad(raw + std::string(1, '\0'), "bytes after the last order");
  bad(EncodeBlanks({{0}, {}, {}, {}}), "order 1 listed");
  bad(EncodeBlanks({{}, {}, {}, {0}}), "order 4 listed");
  bad(EncodeBlanks({{}, {5}, {}, {}}), "out of range");  // order 2 has 5 entries
  bad(EncodeBlanks({{}, {0, 1, 2, 3, 4, 5}, {}, {}}), "too many entries of order 2");
  bad(std::string("\x00\x02\x01\x09", 4), "out of range");  // 1, then 1 + 9 + 1
}

TEST(ArpaBlanksTest, EntropyPruningWorksAndDropsTheMarks) {
  TempDir dir;
  auto m = ReadArpa(dir.Write("holes.arpa", kHoles));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // Without the blanks the model was not suffix-closed, and pruning refused it.
  Model kept = *m;
  ASSERT_TRUE(PruneByRelativeEntropy(&kept, 1e-12).ok());
  Model pruned = *m;
  ASSERT_TRUE(PruneByRelativeEntropy(&pruned, 0.5).ok());
  size_t before = 0, after = 0;
  for (const auto& l : m->trie.levels) before += l.size();
  for (const auto& l : pruned.trie.levels) after += l.size();
  EXPECT_LT(after, before);
  // What is left is the pruned model's own: written to ARPA in full.
  EXPECT_TRUE(pruned.blanks.empty());
}

}  // namespace
}  // namespace grams
