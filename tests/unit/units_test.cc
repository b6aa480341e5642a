// Units end to end (issue 3): byte, char, grapheme and segment units through
// counting, estimation, the file formats and scoring; the escape that keeps
// any unit printable; stream mode (--boundaries none); invalid UTF-8, BOM,
// CRLF; the key gram lists; high orders.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/escape.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "grams/scorer.h"
#include "grams/settings.h"
#include "test_util.h"
#include "tokenize/tokenizer.h"

namespace grams {
namespace {

using grams::test::FileExists;
using grams::test::ReadFile;
using grams::test::SharedPath;
using grams::test::TempDir;
using grams::test::WriteFile;

using Ngram = std::vector<std::string>;

// A string literal with its NUL bytes.
template <size_t N>
std::string Lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}
using CountMap = std::map<Ngram, Count>;

TokenizerSettings Settings(Unit unit, Boundaries boundaries = Boundaries::kLine) {
  TokenizerSettings s;
  s.unit = unit;
  s.boundaries = boundaries;
  return s;
}

// Counts `text` written to a file, as grams-count would.
StatusOr<NgramCounts> CountText(const std::string& text, const TokenizerSettings& settings,
                                int order, const std::string& name = "corpus.txt") {
  TempDir dir;
  WriteFile(dir.File(name), text);
  CountOptions options;
  options.order = order;
  options.tokenizer = settings;
  return CountFiles({dir.File(name)}, options);
}

Ngram NgramOf(const NgramTrie& trie, const Vocabulary& vocab, int n, EntryIndex i) {
  std::vector<WordId> ids(n);
  trie.Ngram(n, i, ids.data());
  Ngram g;
  for (WordId id : ids) g.emplace_back(vocab.Word(id));
  return g;
}

CountMap ToMap(const NgramCounts& c) {
  CountMap m;
  for (int n = 1; n <= c.order(); ++n) {
    for (EntryIndex i = 0; i < c.trie.levels[n - 1].size(); ++i) {
      if (c.counts[n - 1][i] == 0) continue;  // <unk>
      m[NgramOf(c.trie, c.vocab, n, i)] = c.counts[n - 1][i];
    }
  }
  return m;
}

Count CountOf(const CountMap& m, const Ngram& g) {
  auto it = m.find(g);
  return it == m.end() ? 0 : it->second;
}

std::string Show(const Ngram& g) {
  std::string s;
  for (const auto& u : g) {
    if (!s.empty()) s += ' ';
    s += EscapeUnit(u);
  }
  return "'" + s + "'";
}

// Every n-gram with its log10 probability and backoff (NaN at the highest
// order), keyed by its units: models with different ids compare equal.
using ProbMap = std::map<Ngram, std::pair<float, float>>;
ProbMap ToProbMap(const Model& m) {
  ProbMap out;
  for (int n = 1; n <= m.order(); ++n) {
    for (EntryIndex i = 0; i < m.trie.levels[n - 1].size(); ++i) {
      const float bo =
          n < m.order() ? m.log_backoff[n - 1][i] : std::numeric_limits<float>::quiet_NaN();
      out[NgramOf(m.trie, m.vocab, n, i)] = {m.log_prob[n - 1][i], bo};
    }
  }
  return out;
}

void ExpectSameProbs(const ProbMap& a, const ProbMap& b) {
  ASSERT_EQ(a.size(), b.size());
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    ASSERT_EQ(ia->first, ib->first);
    EXPECT_EQ(ia->second.first, ib->second.first) << Show(ia->first);
    if (std::isnan(ia->second.second)) {
      EXPECT_TRUE(std::isnan(ib->second.second)) << Show(ia->first);
    } else {
      EXPECT_EQ(ia->second.second, ib->second.second) << Show(ia->first);
    }
  }
}

StatusOr<Model> Build(const NgramCounts& counts, std::vector<std::string>* warnings = nullptr) {
  BuildOptions options;
  if (warnings) options.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  return BuildModel(counts, options);
}

// Some ASCII English without spaces mapped yet: a fixed text (and Brown's
// first lines when ../shared is there).
std::vector<std::string> SampleLines(size_t brown_lines) {
  std::vector<std::string> lines = {
      "The quick brown fox jumps over the lazy dog.",
      "Pack my box with five dozen liquor jugs!",
      "How vexingly quick daft zebras jump; the five boxing wizards jump quickly.",
      "",
      "a",
      "aaaa bbbb aaaa",
      "Sphinx of black quartz, judge my vow: 0123456789 (#$%&*+/=?@[]^{|}~).",
      "the the the the the",
  };
  const std::string path = SharedPath("corpora/brown/train.txt");
  if (FileExists(path) && brown_lines > 0) {
    std::istringstream in(ReadFile(path));
    std::string line;
    while (brown_lines-- > 0 && std::getline(in, line)) lines.push_back(line);
  }
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// ---------------------------------------------- char/byte = spaced-out words

// Replaces ASCII whitespace by '_' (the char model's space unit needs a
// stand-in token in the word model), then returns (text, text with every
// character separated by a space).
std::pair<std::string, std::string> CharsAndSpacedWords(const std::vector<std::string>& lines) {
  std::string plain, spaced;
  auto tokenizer = Tokenizer::Create(Settings(Unit::kChar));
  EXPECT_TRUE(tokenizer.ok());
  std::vector<std::string_view> units;
  for (std::string line : lines) {
    for (char& c : line)
      if (IsAsciiSpace(static_cast<unsigned char>(c))) c = '_';
    plain += line + "\n";
    EXPECT_TRUE((*tokenizer)->Tokenize(line, true, &units).ok());
    std::string w;
    for (std::string_view u : units) {
      if (!w.empty()) w += ' ';
      w += u;
    }
    spaced += w + "\n";
  }
  return {plain, spaced};
}

void ExpectSameModel(const Model& a, const Model& b) {
  ASSERT_EQ(a.order(), b.order());
  ASSERT_EQ(a.vocab.size(), b.vocab.size());
  for (WordId id = 0; id < a.vocab.size(); ++id)
    ASSERT_EQ(a.vocab.Word(id), b.vocab.Word(id)) << id;
  for (int n = 1; n <= a.order(); ++n) {
    ASSERT_EQ(a.trie.levels[n - 1].words, b.trie.levels[n - 1].words) << "order " << n;
    ASSERT_EQ(a.trie.levels[n - 1].parents, b.trie.levels[n - 1].parents) << "order " << n;
    // Exact equality: the same counts give the same arithmetic.
    ASSERT_EQ(a.log_prob[n - 1], b.log_prob[n - 1]) << "order " << n;
    ASSERT_EQ(a.log_backoff[n - 1], b.log_backoff[n - 1]) << "order " << n;
  }
  for (int n = 1; n <= a.order(); ++n) {
    const std::string key = "discounts." + std::to_string(n);
    EXPECT_EQ(a.Info(key), b.Info(key)) << key;
  }
}

void CheckUnitModelEqualsWordModel(Unit unit, const std::vector<std::string>& lines, int order) {
  const auto [plain, spaced] = CharsAndSpacedWords(lines);
  auto unit_counts = CountText(plain, Settings(unit), order);
  auto word_counts = CountText(spaced, Settings(Unit::kWord), order);
  ASSERT_TRUE(unit_counts.ok()) << unit_counts.status().ToString();
  ASSERT_TRUE(word_counts.ok()) << word_counts.status().ToString();
  EXPECT_EQ(unit_counts->sentences, word_counts->sentences);
  EXPECT_EQ(unit_counts->tokens, word_counts->tokens);
  EXPECT_EQ(ToMap(*unit_counts), ToMap(*word_counts));
  auto unit_model = Build(*unit_counts);
  auto word_model = Build(*word_counts);
  ASSERT_TRUE(unit_model.ok()) << unit_model.status().ToString();
  ASSERT_TRUE(word_model.ok()) << word_model.status().ToString();
  EXPECT_EQ(unit_model->settings.unit, unit);
  EXPECT_EQ(word_model->settings.unit, Unit::kWord);
  ExpectSameModel(*unit_model, *word_model);
  // And so the same ARPA n-gram sections, number for number (the unit
  // model's file starts with its "# grams-..." comment lines).
  TempDir dir;
  ASSERT_TRUE(WriteArpa(*unit_model, dir.File("unit.arpa")).ok());
  ASSERT_TRUE(WriteArpa(*word_model, dir.File("word.arpa")).ok());
  const std::string unit_arpa = ReadFile(dir.File("unit.arpa"));
  const size_t data = unit_arpa.find("\\data\\\n");
  ASSERT_NE(data, std::string::npos);
  EXPECT_EQ(unit_arpa.rfind("# grams-tokenizer: unit=", 0), 0u);
  EXPECT_TRUE(unit_arpa.substr(data) == ReadFile(dir.File("word.arpa")));
}

TEST(UnitsTest, CharModelEqualsModelOfSpacedOutCharacters) {
  CheckUnitModelEqualsWordModel(Unit::kChar, SampleLines(400), 5);
  CheckUnitModelEqualsWordModel(Unit::kChar, SampleLines(0), 3);
  // Beyond ASCII: code points of 2, 3 and 4 bytes, a combining mark.
  CheckUnitModelEqualsWordModel(
      Unit::kChar,
      {"caf\xC3\xA9 na\xC3\xAFve", "\xE4\xB8\xAD\xE6\x96\x87\xE4\xB8\xAD", "e\xCC\x81t\xC3\xA9",
       "\xF0\x9F\x98\x80\xF0\x9F\x98\x80!", "caf\xC3\xA9"},
      4);
}

TEST(UnitsTest, ByteModelEqualsModelOfSpacedOutAsciiBytes) {
  CheckUnitModelEqualsWordModel(Unit::kByte, SampleLines(400), 5);
  CheckUnitModelEqualsWordModel(Unit::kByte, SampleLines(0), 2);
}

TEST(UnitsTest, ByteAndCharModelsAgreeOnAscii) {
  const std::string text = Join(SampleLines(100));
  auto b = CountText(text, Settings(Unit::kByte), 4);
  auto c = CountText(text, Settings(Unit::kChar), 4);
  ASSERT_TRUE(b.ok() && c.ok());
  EXPECT_EQ(ToMap(*b), ToMap(*c));
}

// ------------------------------------------------------------- round trips

TEST(UnitsTest, SettingsSurviveCountsAndModelFiles) {
  TempDir dir;
  const std::string text = "The Caf\xC3\xA9 sat\nthe cafe\xCC\x81 SAT \xEF\xAC\x81ne\n\n";
  std::vector<TokenizerSettings> all;
  for (Unit u : {Unit::kWord, Unit::kByte, Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    TokenizerSettings s = Settings(u);
    all.push_back(s);
    s.boundaries = Boundaries::kNone;
    s.invalid = InvalidUtf8::kSkip;
    all.push_back(s);
    s.normalize = Normalization::kNfkc;
    s.case_fold = true;
    s.invalid = InvalidUtf8::kReplace;
    all.push_back(s);
    s.normalize = Normalization::kNfc;
    s.boundaries = Boundaries::kLine;
    all.push_back(s);
  }
  for (const TokenizerSettings& s : all) {
    SCOPED_TRACE(s.ToString());
    auto counts = CountText(text, s, 3);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->settings, s);
    ASSERT_TRUE(WriteCountsFile(*counts, dir.File("c.counts")).ok());
    auto read = ReadCountsFile(dir.File("c.counts"));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->settings, s);
    EXPECT_EQ(ToMap(*read), ToMap(*counts));

    auto model = Build(*read);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->settings, s);  // grams-build carries them over
    ASSERT_TRUE(WriteModelFile(*model, dir.File("m.lm")).ok());
    auto back = ReadModelFile(dir.File("m.lm"));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->settings, s);
    auto lm = LanguageModel::Load(dir.File("m.lm"));
    ASSERT_TRUE(lm.ok()) << lm.status().ToString();
    EXPECT_EQ((*lm)->settings(), s);
  }
}

// A line's score under a model's own tokenization, with its units copied
// out of the scorer.
struct Scored {
  double log10_prob = 0;
  uint64_t tokens = 0, oovs = 0;
  std::vector<std::string> words;
};

Scored ScoreLine(const LanguageModel& lm, const std::string& line) {
  TextScorer scorer(&lm);
  TextScorer::LineScore score;
  Status s = scorer.ScoreLine(line, &score);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return {score.log10_prob, score.tokens, score.oovs,
          std::vector<std::string>(score.words.begin(), score.words.end())};
}

std::unique_ptr<LanguageModel> ModelOf(const std::string& text, const TokenizerSettings& s,
                                       int order) {
  auto counts = CountText(text, s, order);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  if (!counts.ok()) return nullptr;
  auto model = Build(*counts);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return nullptr;
  // Through the file, as grams-score would see it.
  TempDir dir;
  EXPECT_TRUE(WriteModelFile(*model, dir.File("m.lm")).ok());
  auto lm = LanguageModel::Load(dir.File("m.lm"));
  EXPECT_TRUE(lm.ok()) << lm.status().ToString();
  return lm.ok() ? std::move(lm).value() : nullptr;
}

TEST(UnitsTest, ScoringAppliesTheModelsCaseFolding) {
  TokenizerSettings s;
  s.case_fold = true;
  auto lm = ModelOf("the cat sat\nThe dog sat\nA CAT\n", s, 3);
  ASSERT_TRUE(lm);
  const auto lower = ScoreLine(*lm, "the cat sat");
  for (const char* variant : {"The cat sat", "THE CAT SAT", "tHe CaT sAt"}) {
    const auto other = ScoreLine(*lm, variant);
    EXPECT_EQ(other.log10_prob, lower.log10_prob) << variant;
    EXPECT_EQ(other.oovs, 0u) << variant;
    EXPECT_EQ(other.tokens, 4u) << variant;
  }
  // Without folding "The" and "the" are different words.
  auto plain = ModelOf("the cat sat\nThe dog sat\nA CAT\n", TokenizerSettings(), 3);
  ASSERT_TRUE(plain);
  EXPECT_NE(ScoreLine(*plain, "THE CAT SAT").log10_prob,
            ScoreLine(*plain, "the cat sat").log10_prob);
  EXPECT_EQ(ScoreLine(*plain, "THE CAT SAT").oovs, 2u);
}

TEST(UnitsTest, ScoringAppliesTheModelsNormalization) {
  TokenizerSettings s = Settings(Unit::kChar);
  s.normalize = Normalization::kNfkc;
  auto lm = ModelOf("fish finds fine figs\nfifty\n", s, 3);
  ASSERT_TRUE(lm);
  const auto fi = ScoreLine(*lm, "fish");
  const auto ligature = ScoreLine(*lm, "\xEF\xAC\x81sh");  // ﬁsh
  EXPECT_EQ(ligature.log10_prob, fi.log10_prob);
  EXPECT_EQ(ligature.tokens, 5u);  // f i s h </s>
  EXPECT_EQ(ligature.oovs, 0u);

  s.normalize = Normalization::kNfc;
  auto nfc = ModelOf("caf\xC3\xA9\n", s, 3);
  ASSERT_TRUE(nfc);
  const auto composed = ScoreLine(*nfc, "caf\xC3\xA9");
  const auto decomposed = ScoreLine(*nfc, "cafe\xCC\x81");
  EXPECT_EQ(decomposed.log10_prob, composed.log10_prob);
  EXPECT_EQ(decomposed.tokens, 5u);
  EXPECT_EQ(decomposed.oovs, 0u);
}

TEST(UnitsTest, ScoringUsesTheModelsUnit) {
  auto chars = ModelOf("abc abd\n", Settings(Unit::kChar), 3);
  ASSERT_TRUE(chars);
  const auto c = ScoreLine(*chars, "abd ab");
  EXPECT_EQ(c.tokens, 7u);
  EXPECT_EQ(c.oovs, 0u);
  ASSERT_EQ(c.words.size(), 6u);
  EXPECT_EQ(c.words[3], " ");

  auto bytes = ModelOf("caf\xC3\xA9\n", Settings(Unit::kByte), 3);
  ASSERT_TRUE(bytes);
  const auto b = ScoreLine(*bytes, "\xC3\xA9");
  EXPECT_EQ(b.tokens, 3u);  // two bytes and </s>
  EXPECT_EQ(b.oovs, 0u);

  auto segments = ModelOf("我喜欢学习中文。\n", Settings(Unit::kSegment), 2);
  ASSERT_TRUE(segments);
  const auto s = ScoreLine(*segments, "学习中文");
  EXPECT_EQ(s.oovs, 0u);
  EXPECT_EQ(s.tokens, 3u);  // 学习 中文 </s>
}

// --------------------------------------------------------------- escaping

TEST(EscapeTest, Examples) {
  EXPECT_EQ(EscapeUnit("\n"), "<0x0A>");
  EXPECT_EQ(EscapeUnit(" "), "<sp>");
  EXPECT_EQ(EscapeUnit(std::string(1, '\0')), "<0x00>");
  EXPECT_EQ(EscapeUnit("\t"), "<0x09>");
  EXPECT_EQ(EscapeUnit("\x7F"), "<0x7F>");
  EXPECT_EQ(EscapeUnit("\xFF"), "<0xFF>");
  EXPECT_EQ(EscapeUnit("<b>"), "<0x3C>b>");
  EXPECT_EQ(EscapeUnit("<sp>"), "<0x3C>sp>");
  EXPECT_EQ(EscapeUnit("<0x41>"), "<0x3C>0x41>");
  EXPECT_EQ(EscapeUnit("a b"), "a<0x20>b");
  EXPECT_EQ(EscapeUnit("caf\xC3\xA9\xFF"), "caf\xC3\xA9<0xFF>");
  // Units that need no escape stand for themselves.
  for (const char* plain : {"the", "caf\xC3\xA9", "\xE4\xB8\xAD", "<s>", "</s>", "<unk>", "<", ">",
                            "a<b", "0x41", "\xC2\xA0"}) {
    EXPECT_EQ(EscapeUnit(plain), plain) << plain;
    EXPECT_FALSE(IsEscapedUnit(plain)) << plain;
  }
  EXPECT_EQ(UnescapeUnit("<0x0A>"), "\n");
  EXPECT_EQ(UnescapeUnit("<sp>"), " ");
  EXPECT_EQ(UnescapeUnit("<0x3C>b>"), "<b>");
  EXPECT_EQ(UnescapeUnit("<0x0a>"), "\n");  // lower-case hex is read too
  EXPECT_EQ(UnescapeUnit("plain"), "plain");
  EXPECT_TRUE(IsEscapedUnit("<0x0A>"));
  EXPECT_TRUE(IsEscapedUnit("<sp>"));
}

bool IsValidUtf8(std::string_view s) {
  static Tokenizer* const t = Tokenizer::Create(Settings(Unit::kChar)).value().release();
  std::vector<std::string_view> units;
  return t->Tokenize(s, false, &units).ok();
}

TEST(EscapeTest, RandomUnitsRoundTrip) {
  // Bytes chosen to hit every rule: controls, space, '<' '0' 'x' 'A' '>',
  // 's' 'p', bytes of valid and invalid UTF-8.
  const std::string alphabet =
      Lit("\0\n\t \r\x7F<>0xAsp/ab") + "\xC3\xA9\xE4\xB8\xAD\xFF\x80\xF0\x9F\x98";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> len(0, 10), pick(0, alphabet.size() - 1), any(0, 255);
  for (int iter = 0; iter < 200000; ++iter) {
    std::string unit;
    const size_t n = len(rng);
    for (size_t k = 0; k < n; ++k) {
      unit.push_back(iter % 4 == 3 ? static_cast<char>(any(rng)) : alphabet[pick(rng)]);
    }
    const std::string escaped = EscapeUnit(unit);
    ASSERT_EQ(UnescapeUnit(escaped), unit) << testing::PrintToString(unit) << " -> " << escaped;
    // The escaped form is printable: valid UTF-8, no controls or spaces.
    for (unsigned char c : escaped)
      ASSERT_FALSE(c < 0x21 || c == 0x7F) << testing::PrintToString(unit);
    ASSERT_TRUE(IsValidUtf8(escaped)) << testing::PrintToString(unit);
    if (escaped != unit) {
      ASSERT_TRUE(IsEscapedUnit(escaped)) << testing::PrintToString(unit);
    }
    if (!unit.empty()) {
      ASSERT_FALSE(escaped.empty());
    }
  }
}

// Every n-gram line of an ARPA file has the fields and the unit count its
// section says (so no unit broke the line apart).
void ExpectWellFormedArpa(const std::string& arpa) {
  std::istringstream in(arpa);
  std::string line;
  int section = 0;
  size_t lines = 0;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line[0] == '\\' && line.find("-grams:") != std::string::npos) {
      section = std::stoi(line.substr(1));
      continue;
    }
    if (section == 0 || line.empty() || line == "\\end\\") continue;
    ASSERT_TRUE(IsValidUtf8(line)) << line;
    std::vector<std::string> fields;
    std::stringstream fs(line);
    std::string f;
    while (std::getline(fs, f, '\t')) fields.push_back(f);
    ASSERT_GE(fields.size(), 2u) << line;
    ASSERT_LE(fields.size(), 3u) << line;
    size_t units = 1;
    for (char c : fields[1]) units += c == ' ';
    ASSERT_EQ(units, static_cast<size_t>(section)) << line;
    for (unsigned char c : fields[1]) ASSERT_FALSE(c < 0x20 || c == 0x7F) << line;
    ++lines;
  }
  EXPECT_GT(lines, 0u);
}

void CheckArpaRoundTrip(const std::string& text, const TokenizerSettings& s, int order,
                        const std::vector<std::string>& must_have) {
  auto counts = CountText(text, s, order);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  auto model = Build(*counts);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  for (const auto& unit : must_have) {
    EXPECT_NE(model->vocab.Find(unit), Vocabulary::kNotFound) << testing::PrintToString(unit);
  }
  TempDir dir;
  ASSERT_TRUE(WriteArpa(*model, dir.File("m.arpa")).ok());
  // Non-word units are escaped into printable text; words are written as
  // they are (KenLM and SRILM write the same bytes).
  if (UnitsNeedEscaping(s)) ExpectWellFormedArpa(ReadFile(dir.File("m.arpa")));
  auto back = ReadArpa(dir.File("m.arpa"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->settings == s) << back->settings.ToString();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  // The same vocabulary, unit for unit, and the same numbers.
  ASSERT_EQ(back->vocab.size(), model->vocab.size());
  for (WordId id = 0; id < model->vocab.size(); ++id) {
    EXPECT_NE(back->vocab.Find(model->vocab.Word(id)), Vocabulary::kNotFound)
        << testing::PrintToString(std::string(model->vocab.Word(id)));
  }
  ExpectSameProbs(ToProbMap(*back), ToProbMap(*model));
  // ARPA -> model file (grams-build --from-arpa) -> ARPA gives the same text.
  ASSERT_TRUE(WriteModelFile(*back, dir.File("m.lm")).ok());
  auto lm = ReadModelFile(dir.File("m.lm"));
  ASSERT_TRUE(lm.ok()) << lm.status().ToString();
  ExpectSameProbs(ToProbMap(*lm), ToProbMap(*model));
  ASSERT_TRUE(WriteArpa(*lm, dir.File("again.arpa")).ok());
  auto again = ReadArpa(dir.File("again.arpa"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectSameProbs(ToProbMap(*again), ToProbMap(*model));
}

TEST(UnitsTest, EscapedByteUnitsSurviveArpa) {
  const std::string text = Lit("ab\0c d\te\xFF\xFE<0x41>\x7F<sp>\n\n<b> \xC3\xA9\x01\r\nx");
  TokenizerSettings s = Settings(Unit::kByte, Boundaries::kNone);
  CheckArpaRoundTrip(text, s, 4,
                     {std::string(1, '\0'), "\n", "\t", " ", "\xFF", "\xFE", "<", ">", "\x7F",
                      "\x01", "\xC3", "\xA9"});
  // Every byte value.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  all += all;
  CheckArpaRoundTrip(all, s, 3, {});
  CheckArpaRoundTrip(all, Settings(Unit::kByte), 2, {});
}

TEST(UnitsTest, EscapedCharUnitsSurviveArpa) {
  TokenizerSettings s = Settings(Unit::kChar, Boundaries::kNone);
  CheckArpaRoundTrip("a b\tc\n<s>\xC2\xA0\xE3\x80\x80\xE4\xB8\xAD\n\n", s, 3,
                     {" ", "\t", "\n", "<", "\xC2\xA0", "\xE3\x80\x80"});
}

TEST(UnitsTest, WordUnitsSurviveArpaAsTheyAre) {
  // Words that look like escapes or markup, and bytes that are not UTF-8:
  // a word model's ARPA is plain (no escapes, no comment lines), as KenLM
  // would write it, and reads back the same.
  const std::string text =
      "<b> <0x41> <sp> a<0x20>b\n<b> x<0x <<>> <> < > \xFF\xFE caf\xC3\xA9\n<0x0A> <sp> <b>\n";
  CheckArpaRoundTrip(
      text, TokenizerSettings(), 3,
      {"<b>", "<0x41>", "<sp>", "a<0x20>b", "x<0x", "<<>>", "<>", "<", ">", "\xFF\xFE", "<0x0A>"});
  auto counts = CountText(text, TokenizerSettings(), 2);
  ASSERT_TRUE(counts.ok());
  auto model = Build(*counts);
  ASSERT_TRUE(model.ok());
  TempDir dir;
  ASSERT_TRUE(WriteArpa(*model, dir.File("m.arpa")).ok());
  const std::string arpa = ReadFile(dir.File("m.arpa"));
  EXPECT_EQ(arpa.rfind("\\data\\\n", 0), 0u) << "a word model's ARPA starts with \\data\\";
  EXPECT_NE(arpa.find("\t<0x41>\t"), std::string::npos);
  EXPECT_NE(arpa.find("\t<b>\t"), std::string::npos);
}

// A KenLM ARPA file over SentencePiece pieces with byte fallback has words
// that are literally "<0x0A>", "<0xE3>": grams did not write the file, so
// they are words, not escapes, and scoring the text "<0x0A>" must find them.
// The reader unescapes only files that carry grams' "# grams-escaped-units:"
// comment line.
TEST(UnitsTest, ForeignArpaKeepsLiteralByteFallbackTokens) {
  TempDir dir;
  WriteFile(dir.File("sp.arpa"),
            "\\data\\\nngram 1=5\n\n\\1-grams:\n-1.0\t<unk>\t0\n0\t<s>\t-0.3\n"
            "-0.5\t</s>\t0\n-0.6\t<0x0A>\t0\n-0.7\t\xE2\x96\x81hello\t0\n\n\\end\\\n");
  auto m = ReadArpa(dir.File("sp.arpa"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NE(m->vocab.Find("<0x0A>"), Vocabulary::kNotFound);
  auto lm = LanguageModel::Load(dir.File("sp.arpa"));
  ASSERT_TRUE(lm.ok());
  EXPECT_EQ(ScoreLine(**lm, "<0x0A>").oovs, 0u);
}

TEST(UnitsTest, CountsTextEscapesUnits) {
  TempDir dir;
  auto counts = CountText(Lit("a b\n\0"), Settings(Unit::kByte, Boundaries::kNone), 2);
  ASSERT_TRUE(counts.ok());
  ASSERT_TRUE(WriteCountsText(*counts, dir.File("c.txt")).ok());
  const std::string text = ReadFile(dir.File("c.txt"));
  EXPECT_NE(text.find("<sp>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("<0x0A>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("<0x00>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("a <sp>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("b <0x0A>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("<0x0A> <0x00>\t1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("<0x00> </s>\t1\n"), std::string::npos) << text;
  for (unsigned char c : text) EXPECT_TRUE(c == '\n' || c == '\t' || c == ' ' || c >= 0x21);
}

// ----------------------------------------------------- segments, graphemes

TEST(UnitsTest, CountsOfSegmentsAndGraphemes) {
  auto seg = CountText("我喜欢学习中文。我学习中文。\n日本語を勉強しています。\nฉันชอบเรียนภาษาไทย\n",
                       Settings(Unit::kSegment), 2);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  const CountMap s = ToMap(*seg);
  EXPECT_EQ(CountOf(s, {"学习"}), 2u);
  EXPECT_EQ(CountOf(s, {"中文"}), 2u);
  EXPECT_EQ(CountOf(s, {"学习", "中文"}), 2u);
  EXPECT_EQ(CountOf(s, {"。"}), 3u);
  EXPECT_EQ(CountOf(s, {"ภาษา"}), 1u);
  EXPECT_EQ(CountOf(s, {"勉強"}), 1u);
  EXPECT_EQ(CountOf(s, {"学"}), 0u);  // not split into characters

  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  const std::string e_acute = "e\xCC\x81";
  const std::string han = "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB";
  auto g =
      CountText(family + e_acute + han + "\n" + han + family + "\n", Settings(Unit::kGrapheme), 2);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const CountMap gm = ToMap(*g);
  EXPECT_EQ(CountOf(gm, {family}), 2u);
  EXPECT_EQ(CountOf(gm, {e_acute}), 1u);
  EXPECT_EQ(CountOf(gm, {han}), 2u);
  EXPECT_EQ(CountOf(gm, {han, family}), 1u);
  EXPECT_EQ(g->vocab.size(), 3u + 3u);  // reserved words and the three clusters
  EXPECT_EQ(g->tokens, 5u + 2u);

  // NFC: e + U+0301 and é are one unit.
  TokenizerSettings nfc = Settings(Unit::kGrapheme);
  nfc.normalize = Normalization::kNfc;
  auto n = CountText("e\xCC\x81\n\xC3\xA9\n", nfc, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(CountOf(ToMap(*n), {"\xC3\xA9"}), 2u);
  EXPECT_EQ(n->vocab.size(), 4u);
  auto raw = CountText("e\xCC\x81\n\xC3\xA9\n", Settings(Unit::kGrapheme), 1);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->vocab.size(), 5u);
}

// ------------------------------------------------ invalid UTF-8, BOM, CRLF

TEST(UnitsTest, InvalidUtf8NamesFileLineAndOffset) {
  // Line 2 starts at byte 3; the bad byte is its 5th (after "ab" and é).
  const std::string text =
      "ok\nab\xC3\xA9\xFF"
      "cd\nmore\n";
  for (Unit u : {Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    auto c = CountText(text, Settings(u), 2, "bad.txt");
    ASSERT_FALSE(c.ok()) << UnitName(u);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    const std::string& m = c.status().message();
    EXPECT_NE(m.find("bad.txt:2: byte offset 7: invalid UTF-8"), std::string::npos) << m;
  }
  // With a BOM, offsets still count the file's bytes.
  auto bom = CountText(
      "\xEF\xBB\xBF"
      "ab\xFF\n",
      Settings(Unit::kChar), 2, "bom.txt");
  ASSERT_FALSE(bom.ok());
  EXPECT_NE(bom.status().message().find("bom.txt:1: byte offset 5:"), std::string::npos)
      << bom.status().message();
  // Byte and plain word units accept anything.
  EXPECT_TRUE(CountText(text, Settings(Unit::kByte), 2).ok());
  EXPECT_TRUE(CountText(text, Settings(Unit::kWord), 2).ok());
}

TEST(UnitsTest, InvalidUtf8ReplaceAndSkip) {
  const std::string text =
      "a\xFF"
      "b\n\xFE\n";
  TokenizerSettings s = Settings(Unit::kChar);
  s.invalid = InvalidUtf8::kReplace;
  auto r = CountText(text, s, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const CountMap rm = ToMap(*r);
  EXPECT_EQ(CountOf(rm, {"\xEF\xBF\xBD"}), 2u);
  EXPECT_EQ(CountOf(rm, {"a", "\xEF\xBF\xBD"}), 1u);
  EXPECT_EQ(r->settings.invalid, InvalidUtf8::kReplace);
  s.invalid = InvalidUtf8::kSkip;
  auto k = CountText(text, s, 2);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  const CountMap km = ToMap(*k);
  EXPECT_EQ(CountOf(km, {"\xEF\xBF\xBD"}), 0u);
  EXPECT_EQ(CountOf(km, {"a", "b"}), 1u);
  EXPECT_EQ(CountOf(km, {"<s>", "</s>"}), 1u);  // the second line had nothing valid
  EXPECT_EQ(k->vocab.size(), 5u);
}

TEST(UnitsTest, ScoringInvalidUtf8FollowsTheModel) {
  auto strict = ModelOf("abc\n", Settings(Unit::kChar), 2);
  ASSERT_TRUE(strict);
  TextScorer scorer(strict.get());
  TextScorer::LineScore score;
  Status s = scorer.ScoreLine("ab\xFF", &score);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("byte offset 2"), std::string::npos) << s.message();
  TokenizerSettings skip = Settings(Unit::kChar);
  skip.invalid = InvalidUtf8::kSkip;
  auto lenient = ModelOf("abc\n", skip, 2);
  ASSERT_TRUE(lenient);
  EXPECT_EQ(ScoreLine(*lenient,
                      "a\xFF"
                      "bc")
                .log10_prob,
            ScoreLine(*lenient, "abc").log10_prob);
}

TEST(UnitsTest, BomIsNotCounted) {
  const std::string text = "ab c\nd\n";
  for (Unit u : {Unit::kWord, Unit::kChar, Unit::kGrapheme, Unit::kSegment, Unit::kByte}) {
    for (Boundaries b : {Boundaries::kLine, Boundaries::kNone}) {
      auto plain = CountText(text, Settings(u, b), 3);
      auto bom = CountText("\xEF\xBB\xBF" + text, Settings(u, b), 3);
      ASSERT_TRUE(plain.ok() && bom.ok()) << UnitName(u);
      EXPECT_EQ(ToMap(*bom), ToMap(*plain)) << UnitName(u) << " " << BoundariesName(b);
      EXPECT_EQ(bom->tokens, plain->tokens);
    }
  }
  // Only at the start of the input: elsewhere U+FEFF is a character.
  auto mid = CountText(
      "a\n\xEF\xBB\xBF"
      "b\n",
      Settings(Unit::kChar), 1);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(CountOf(ToMap(*mid), {"\xEF\xBB\xBF"}), 1u);
}

TEST(UnitsTest, CrlfLinesEqualLfLines) {
  const std::string lf = "the cat\n\nsat \xC3\xA9t\xC3\xA9\nx\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (Unit u : {Unit::kWord, Unit::kByte, Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    for (Boundaries b : {Boundaries::kLine, Boundaries::kNone}) {
      auto a = CountText(lf, Settings(u, b), 4);
      auto c = CountText(crlf, Settings(u, b), 4);
      ASSERT_TRUE(a.ok() && c.ok()) << UnitName(u);
      EXPECT_EQ(ToMap(*c), ToMap(*a)) << UnitName(u) << " " << BoundariesName(b);
      EXPECT_EQ(c->tokens, a->tokens);
      EXPECT_EQ(c->sentences, a->sentences);
    }
  }
}

TEST(UnitsTest, EmptyLinesAndMissingFinalNewline) {
  // Line mode: an empty line is an empty sentence; the last line counts the
  // same with or without its newline.
  for (Unit u : {Unit::kByte, Unit::kChar, Unit::kGrapheme}) {
    auto with = CountText("ab\n\ncd\n", Settings(u), 3);
    auto without = CountText("ab\n\ncd", Settings(u), 3);
    ASSERT_TRUE(with.ok() && without.ok());
    EXPECT_EQ(ToMap(*with), ToMap(*without)) << UnitName(u);
    EXPECT_EQ(with->sentences, 3u);
    EXPECT_EQ(CountOf(ToMap(*with), {"<s>", "</s>"}), 1u);
  }
  // Stream mode: the newlines are units, and a missing final one is missing.
  auto with = CountText("ab\n\ncd\n", Settings(Unit::kChar, Boundaries::kNone), 3);
  auto without = CountText("ab\n\ncd", Settings(Unit::kChar, Boundaries::kNone), 3);
  ASSERT_TRUE(with.ok() && without.ok());
  const CountMap w = ToMap(*with), wo = ToMap(*without);
  EXPECT_EQ(CountOf(w, {"\n"}), 3u);
  EXPECT_EQ(CountOf(wo, {"\n"}), 2u);
  EXPECT_EQ(CountOf(w, {"\n", "\n"}), 1u);
  EXPECT_EQ(CountOf(w, {"b", "\n", "\n"}), 1u);
  EXPECT_EQ(CountOf(w, {"\n", "</s>"}), 1u);
  EXPECT_EQ(CountOf(wo, {"d", "</s>"}), 1u);
  EXPECT_EQ(CountOf(w, {"<s>"}), 1u);
  EXPECT_EQ(CountOf(w, {"</s>"}), 1u);
  EXPECT_EQ(with->sentences, 1u);
  EXPECT_EQ(with->tokens, 7u + 1u);
  EXPECT_EQ(without->tokens, 6u + 1u);
  // An empty input in stream mode: <s> </s>.
  auto empty = CountText("", Settings(Unit::kByte, Boundaries::kNone), 3);
  ASSERT_TRUE(empty.ok());
  const CountMap e = ToMap(*empty);
  EXPECT_LE(e.size(), 3u);
  EXPECT_LE(CountOf(e, {"<s>"}), 1u);
}

TEST(UnitsTest, NulBytesAreByteUnits) {
  const std::string nul(1, '\0');
  auto c = CountText(Lit("a\0b\n\0\n"), Settings(Unit::kByte), 3);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const CountMap m = ToMap(*c);
  EXPECT_EQ(CountOf(m, {nul}), 2u);
  EXPECT_EQ(CountOf(m, {"a", nul, "b"}), 1u);
  EXPECT_EQ(CountOf(m, {"<s>", nul, "</s>"}), 1u);
  EXPECT_EQ(c->sentences, 2u);
  // Chars too: U+0000 is valid UTF-8.
  auto ch = CountText(Lit("a\0b\n"), Settings(Unit::kChar), 2);
  ASSERT_TRUE(ch.ok()) << ch.status().ToString();
  EXPECT_EQ(CountOf(ToMap(*ch), {"a", nul}), 1u);
}

// --------------------------------------------------------------- streams

TEST(UnitsTest, StreamWindowsSlideAcrossLines) {
  for (Unit u : {Unit::kByte, Unit::kChar, Unit::kGrapheme}) {
    auto c = CountText("a\nb\n", Settings(u, Boundaries::kNone), 3);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    const CountMap m = ToMap(*c);
    EXPECT_EQ(CountOf(m, {"a", "\n", "b"}), 1u) << UnitName(u);
    EXPECT_EQ(CountOf(m, {"<s>", "a", "\n"}), 1u);
    EXPECT_EQ(CountOf(m, {"b", "\n", "</s>"}), 1u);
    EXPECT_EQ(CountOf(m, {"<s>"}), 1u);
    EXPECT_EQ(CountOf(m, {"\n"}), 2u);
    EXPECT_EQ(c->sentences, 1u);
  }
  // Word units: lines continue each other, with no newline unit.
  auto w = CountText("a b\nc\n", Settings(Unit::kWord, Boundaries::kNone), 3);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(CountOf(ToMap(*w), {"a", "b", "c"}), 1u);
  EXPECT_EQ(CountOf(ToMap(*w), {"<s>"}), 1u);
}

// A long text of short lines over a small alphabet (1- to 3-byte characters).
std::string LongText(size_t chars, uint32_t seed) {
  const std::vector<std::string> alphabet = {"a", "b", "c", " ", "\xC3\xA9", "\xE4\xB8\xAD", "."};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1), len(0, 40);
  std::string text;
  size_t n = 0;
  while (n < chars) {
    const size_t l = len(rng);
    for (size_t k = 0; k < l; ++k) text += alphabet[pick(rng)];
    text += '\n';
    n += l + 1;
  }
  return text;
}

// Counts every window of orders 1..order over `units` by brute force.
CountMap BruteForce(const std::vector<std::vector<std::string>>& sentences, int order) {
  std::unordered_map<std::string, uint8_t> ids;
  std::vector<std::string> names;
  std::map<std::string, Count> by_key;
  for (const auto& s : sentences) {
    std::string seq;  // one byte per unit
    for (const auto& u : s) {
      auto [it, fresh] = ids.emplace(u, static_cast<uint8_t>(names.size()));
      if (fresh) names.push_back(u);
      seq.push_back(static_cast<char>(it->second));
    }
    for (size_t i = 0; i < seq.size(); ++i) {
      for (int n = 1; n <= order && i + n <= seq.size(); ++n) ++by_key[seq.substr(i, n)];
    }
  }
  CountMap out;
  for (const auto& [key, count] : by_key) {
    Ngram g;
    for (char c : key) g.push_back(names[static_cast<uint8_t>(c)]);
    out[g] = count;
  }
  return out;
}

std::vector<std::string> UnitsOf(const std::string& text, const TokenizerSettings& s) {
  auto t = Tokenizer::Create(s);
  EXPECT_TRUE(t.ok());
  std::vector<std::string_view> units;
  EXPECT_TRUE((*t)->Tokenize(text, false, &units).ok());
  return std::vector<std::string>(units.begin(), units.end());
}

TEST(UnitsTest, StreamCountedInBatchesEqualsBruteForce) {
  // Well over the counter's 64K-unit batches.
  const std::string text = LongText(200000, 7);
  for (Unit u : {Unit::kChar, Unit::kByte}) {
    SCOPED_TRACE(UnitName(u));
    const int order = 5;
    auto c = CountText(text, Settings(u, Boundaries::kNone), order);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    // The stream's units: every unit of the text, newlines included, as
    // the tokenizer splits one line (a stream has no other boundaries).
    std::vector<std::string> units = UnitsOf(text, Settings(u));
    ASSERT_GT(units.size(), size_t{3} << 16);
    std::vector<std::string> stream = {"<s>"};
    stream.insert(stream.end(), units.begin(), units.end());
    stream.push_back("</s>");
    const CountMap want = BruteForce({stream}, order);
    const CountMap got = ToMap(*c);
    EXPECT_EQ(got.size(), want.size());
    size_t shown = 0;
    for (const auto& [g, n] : want) {
      if (CountOf(got, g) != n && shown++ < 10)
        ADD_FAILURE() << Show(g) << ": " << CountOf(got, g) << " != " << n;
    }
    for (const auto& [g, n] : got) {
      if (!want.count(g) && shown++ < 10) ADD_FAILURE() << "extra " << Show(g);
    }
    // Unigram counts sum to the units plus <s> and </s>.
    Count sum = 0;
    for (Count n : c->counts[0]) sum += n;
    EXPECT_EQ(sum, units.size() + 2);
    EXPECT_EQ(c->tokens, units.size() + 1);
    EXPECT_EQ(c->sentences, 1u);
  }
}

TEST(UnitsTest, LinesCountedInBatchesEqualBruteForce) {
  const std::string text = LongText(150000, 11);
  auto c = CountText(text, Settings(Unit::kChar), 4);
  ASSERT_TRUE(c.ok());
  std::vector<std::vector<std::string>> sentences;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> s = {"<s>"};
    for (auto& u : UnitsOf(line, Settings(Unit::kChar))) s.push_back(u);
    s.push_back("</s>");
    sentences.push_back(std::move(s));
  }
  EXPECT_EQ(ToMap(*c), BruteForce(sentences, 4));
  EXPECT_EQ(c->sentences, sentences.size());
}

TEST(UnitsTest, StreamSpansFilesAndSplitsAnywhere) {
  // One stream over several files counts as their concatenation, wherever
  // the files split the text (even inside a line).
  const std::string text = LongText(140000, 3);
  CountOptions options;
  options.order = 4;
  options.tokenizer = Settings(Unit::kByte, Boundaries::kNone);
  TempDir dir;
  WriteFile(dir.File("all.txt"), text);
  auto whole = CountFiles({dir.File("all.txt")}, options);
  ASSERT_TRUE(whole.ok());
  const size_t cut = text.find('\n', 70000) + 1;
  WriteFile(dir.File("a.txt"), text.substr(0, cut));
  WriteFile(dir.File("b.txt"), text.substr(cut));
  auto parts = CountFiles({dir.File("a.txt"), dir.File("b.txt")}, options);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(ToMap(*parts), ToMap(*whole));
  EXPECT_EQ(parts->tokens, whole->tokens);
}

TEST(UnitsTest, StreamPerplexityEqualsScoringOneSpan) {
  const std::string text = LongText(30000, 5);
  TempDir dir;
  WriteFile(dir.File("t.txt"), text);
  for (Unit u : {Unit::kChar, Unit::kByte}) {
    SCOPED_TRACE(UnitName(u));
    auto lm = ModelOf(text, Settings(u, Boundaries::kNone), 4);
    ASSERT_TRUE(lm);
    // Held-out-ish text: another seed, so some contexts back off.
    const std::string other = LongText(20000, 6);
    WriteFile(dir.File("o.txt"), other);
    auto stats = ComputePerplexity(*lm, dir.File("o.txt"));
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    const std::vector<std::string> units = UnitsOf(other, Settings(u));
    std::vector<WordId> ids = {kBosId};
    for (const auto& unit : units) ids.push_back(lm->Index(unit));
    ids.push_back(kEosId);
    std::vector<float> out(ids.size());
    lm->ScoreSpan(ids.data(), ids.size(), out.data());
    double total = 0;
    for (size_t i = 1; i < out.size(); ++i) total += out[i];
    EXPECT_NEAR(stats->log10_prob, total, 1e-6 * std::abs(total));
    EXPECT_EQ(stats->sentences, 1u);
    EXPECT_EQ(stats->words, units.size());
    EXPECT_EQ(stats->tokens(), units.size() + 1);
    EXPECT_NEAR(stats->BitsPerToken(), std::log2(stats->Perplexity()), 1e-9);
  }
}

// ------------------------------------------------------ Kneser-Ney on chars

// ExpectEveryContextNormalized (test_util.h): every context (or every
// step-th of each order) sums to one, by the backoff rule from the model's
// numbers alone.

TEST(UnitsTest, KneserNeyOnFewDistinctCharactersFallsBackAndNormalizes) {
  struct Case {
    std::string text;
    TokenizerSettings settings;
    int order;
    bool fallback;  // certainly needs the fallback discounts
  };
  std::string ab;
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) ab += (rng() & 1) ? 'a' : 'b';
  const std::vector<Case> cases = {
      {"aaaaaaaaaaaa\naaaa\naaaaaaa\n", Settings(Unit::kChar), 5, true},
      {"abababababab\nbababa\n", Settings(Unit::kChar), 6, true},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaa", Settings(Unit::kByte, Boundaries::kNone), 8, true},
      {ab + "\n" + ab.substr(0, 700) + "\n", Settings(Unit::kChar), 7, false},
      {"x\n", Settings(Unit::kChar), 4, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text.substr(0, 20));
    auto counts = CountText(c.text, c.settings, c.order);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    std::vector<std::string> warnings;
    auto model = Build(*counts, &warnings);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    if (c.fallback) {
      EXPECT_FALSE(warnings.empty());
    }
    for (const auto& w : warnings) EXPECT_NE(w.find("fallback"), std::string::npos) << w;
    test::ExpectEveryContextNormalized(*model, 1e-6);
  }
}

TEST(UnitsTest, CharModelsOfRealTextNormalize) {
  std::string text = Join(SampleLines(60));
  auto counts = CountText(text, Settings(Unit::kChar), 6);
  ASSERT_TRUE(counts.ok());
  auto model = Build(*counts);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  test::ExpectEveryContextNormalized(*model, 1e-6, 7);  // sampled contexts
  auto stream = CountText(text, Settings(Unit::kByte, Boundaries::kNone), 6);
  ASSERT_TRUE(stream.ok());
  auto smodel = Build(*stream);
  ASSERT_TRUE(smodel.ok()) << smodel.status().ToString();
  test::ExpectEveryContextNormalized(*smodel, 1e-6, 7);
}

// ------------------------------------------------------------ high orders

TEST(UnitsTest, HighOrderCharModelsBuildAndScore) {
  const std::string text = Join(SampleLines(300));
  TempDir dir;
  WriteFile(dir.File("train.txt"), text);
  std::map<int, double> ppl;
  for (int order : {1, 2, 3, 4, 6, 8, 10, 12}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto lm = ModelOf(text, Settings(Unit::kChar), order);
    ASSERT_TRUE(lm);
    EXPECT_EQ(lm->order(), order);
    auto stats = ComputePerplexity(*lm, dir.File("train.txt"));
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(stats->oovs, 0u);
    ppl[order] = stats->Perplexity();
    EXPECT_TRUE(std::isfinite(ppl[order]));
    EXPECT_GT(ppl[order], 1.0);
    EXPECT_NEAR(stats->BitsPerToken(), std::log2(ppl[order]), 1e-9);
    if (order <= kMaxStateWords + 1) {
      // The State API agrees with whole-sentence scoring.
      const std::vector<std::string> units = UnitsOf("The quick brown fox", Settings(Unit::kChar));
      State state = lm->BeginSentenceState(), next;
      double by_state = 0;
      std::vector<WordId> ids;
      for (const auto& u : units) {
        ids.push_back(lm->Index(u));
        by_state += lm->Score(state, ids.back(), &next);
        state = next;
      }
      ids.push_back(kEosId);
      by_state += lm->Score(state, kEosId, &next);
      std::vector<float> out(ids.size());
      lm->ScoreSentence(ids.data(), ids.size(), out.data());
      double whole = 0;
      for (float f : out) whole += f;
      EXPECT_NEAR(by_state, whole, 1e-4);
    }
  }
  // On its training text, perplexity falls as the order grows (then levels off).
  EXPECT_GT(ppl[1], ppl[2]);
  EXPECT_GT(ppl[2], ppl[3]);
  EXPECT_GT(ppl[3], ppl[4]);
  EXPECT_GT(ppl[4], ppl[6]);
  EXPECT_LT(ppl[10], ppl[3]);
  EXPECT_LT(ppl[12], ppl[3]);
}

// --------------------------------------------------------- key gram lists

struct TextLine {
  int order;
  std::string ngram;
  Count count;
};

std::vector<TextLine> ParseCountsText(const std::string& text) {
  std::vector<TextLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    EXPECT_NE(tab, std::string::npos) << line;
    if (tab == std::string::npos) continue;
    TextLine t;
    t.ngram = line.substr(0, tab);
    t.order = 1 + static_cast<int>(std::count(t.ngram.begin(), t.ngram.end(), ' '));
    t.count = std::stoull(line.substr(tab + 1));
    out.push_back(t);
  }
  return out;
}

TEST(UnitsTest, KeyGramLists) {
  const std::string text = Join(SampleLines(200));
  auto c = CountText(text, Settings(Unit::kChar), 3);
  ASSERT_TRUE(c.ok());
  TempDir dir;
  ASSERT_TRUE(WriteCountsText(*c, dir.File("all.txt")).ok());
  const auto all = ParseCountsText(ReadFile(dir.File("all.txt")));

  // --top 5: per order, the five most frequent, counts descending, ties in
  // trie order (the order of the full listing).
  ASSERT_TRUE(WriteCountsText(*c, dir.File("top.txt"), 0, 5).ok());
  const auto top = ParseCountsText(ReadFile(dir.File("top.txt")));
  ASSERT_EQ(top.size(), 15u);
  for (int n = 1; n <= 3; ++n) {
    std::vector<TextLine> want;
    for (const auto& t : all)
      if (t.order == n) want.push_back(t);
    std::stable_sort(want.begin(), want.end(),
                     [](const TextLine& a, const TextLine& b) { return a.count > b.count; });
    want.resize(5);
    for (int k = 0; k < 5; ++k) {
      const TextLine& got = top[(n - 1) * 5 + k];
      EXPECT_EQ(got.order, n);
      EXPECT_EQ(got.ngram, want[k].ngram) << "order " << n << " rank " << k;
      EXPECT_EQ(got.count, want[k].count);
    }
  }
  // --min-count N: exactly the n-grams seen N times or more, sorted the same way.
  ASSERT_TRUE(WriteCountsText(*c, dir.File("min.txt"), 20).ok());
  const auto min = ParseCountsText(ReadFile(dir.File("min.txt")));
  std::vector<TextLine> want;
  for (int n = 1; n <= 3; ++n) {
    std::vector<TextLine> order_n;
    for (const auto& t : all)
      if (t.order == n && t.count >= 20) order_n.push_back(t);
    std::stable_sort(order_n.begin(), order_n.end(),
                     [](const TextLine& a, const TextLine& b) { return a.count > b.count; });
    want.insert(want.end(), order_n.begin(), order_n.end());
  }
  ASSERT_EQ(min.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(min[k].ngram, want[k].ngram) << k;
    EXPECT_EQ(min[k].count, want[k].count) << k;
  }
  // Both: the top K of those at or above N.
  ASSERT_TRUE(WriteCountsText(*c, dir.File("both.txt"), 1000000, 5).ok());
  EXPECT_TRUE(ParseCountsText(ReadFile(dir.File("both.txt"))).empty());
}

}  // namespace
}  // namespace grams
