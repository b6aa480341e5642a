// ARPA reader: KenLM's test models, round trips through the ARPA writer and
// the model file, malformed files (every message names file and line),
// missing contexts, and the brown order-3 reference model.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "grams/model.h"
#include "grams/model_io.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace grams {
namespace {

using grams::test::ReadFile;
using grams::test::TempDir;

const std::string kKenlmTest = std::string(GRAMS_SHARED_DIR) + "/reference/kenlm-test/test.arpa";
const std::string kKenlmNoUnk =
    std::string(GRAMS_SHARED_DIR) + "/reference/kenlm-test/test_nounk.arpa";
const std::string kBrownO3 = std::string(GRAMS_SHARED_DIR) + "/reference/brown.o3.kenlm.arpa.zst";

struct Entry {
  float prob = 0;
  float backoff = 0;
  bool has_backoff = false;
  bool blank = false;  // in Model::blanks
};

bool IsBlank(const Model& m, int n, EntryIndex i) {
  if (static_cast<size_t>(n) > m.blanks.size()) return false;
  const std::vector<EntryIndex>& b = m.blanks[n - 1];
  return std::binary_search(b.begin(), b.end(), i);
}

// Every n-gram of the model by its text ("w1 w2 ... wn").
std::map<std::string, Entry> ModelEntries(const Model& m) {
  std::map<std::string, Entry> out;
  for (int n = 1; n <= m.order(); ++n) {
    for (EntryIndex i = 0; i < m.trie.levels[n - 1].size(); ++i) {
      const std::string text = test::NgramString(m, n, i);
      Entry e;
      e.prob = m.log_prob[n - 1][i];
      if (n < m.order()) {
        e.backoff = m.log_backoff[n - 1][i];
        e.has_backoff = true;
      }
      e.blank = IsBlank(m, n, i);
      EXPECT_TRUE(out.emplace(text, e).second) << "n-gram twice in the model: " << text;
    }
  }
  return out;
}

// A naive reading of a well-formed ARPA text: n-gram text -> values.
std::map<std::string, Entry> NaiveEntries(const std::string& text, std::vector<size_t>* counts) {
  std::map<std::string, Entry> out;
  std::istringstream in(text);
  std::string line;
  int order = 0;
  while (std::getline(in, line)) {
    if (line.rfind("\\", 0) == 0) {
      if (line.find("-grams:") != std::string::npos) {
        order = std::stoi(line.substr(1));
        counts->resize(order, 0);
      }
      continue;
    }
    if (order == 0 || line.empty()) continue;
    std::istringstream f(line);
    std::string prob, word, ngram;
    f >> prob;
    for (int k = 0; k < order; ++k) {
      f >> word;
      if (k) ngram += ' ';
      ngram += word;
    }
    Entry e;
    e.prob = std::strtof(prob.c_str(), nullptr);
    std::string bo;
    if (f >> bo) {
      e.backoff = std::strtof(bo.c_str(), nullptr);
      e.has_backoff = true;
    }
    out[ngram] = e;
    ++(*counts)[order - 1];
  }
  return out;
}

uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }

// Checks the trie invariants: level 0 is the vocabulary, each level is sorted
// by (parent, word) without repeats, values are parallel to entries.
void ExpectWellFormed(const Model& m) {
  ASSERT_GE(m.order(), 1);
  ASSERT_GE(m.vocab.size(), 3u);
  EXPECT_EQ(m.vocab.Word(kUnkId), "<unk>");
  EXPECT_EQ(m.vocab.Word(kBosId), "<s>");
  EXPECT_EQ(m.vocab.Word(kEosId), "</s>");
  ASSERT_EQ(m.log_prob.size(), static_cast<size_t>(m.order()));
  ASSERT_EQ(m.log_backoff.size(), static_cast<size_t>(m.order()));
  const TrieLevel& l0 = m.trie.levels[0];
  ASSERT_EQ(l0.size(), m.vocab.size());
  EXPECT_TRUE(l0.parents.empty());
  for (WordId i = 0; i < l0.size(); ++i) ASSERT_EQ(l0.words[i], i);
  for (int n = 1; n <= m.order(); ++n) {
    const TrieLevel& l = m.trie.levels[n - 1];
    EXPECT_EQ(m.log_prob[n - 1].size(), l.size()) << "order " << n;
    EXPECT_EQ(m.log_backoff[n - 1].size(), n < m.order() ? l.size() : 0) << "order " << n;
    if (n == 1) continue;
    ASSERT_EQ(l.parents.size(), l.size());
    for (size_t i = 0; i < l.size(); ++i) {
      ASSERT_LT(l.parents[i], m.trie.levels[n - 2].size());
      ASSERT_LT(l.words[i], m.vocab.size());
      if (i > 0) {
        const bool increasing = l.parents[i - 1] < l.parents[i] ||
                                (l.parents[i - 1] == l.parents[i] && l.words[i - 1] < l.words[i]);
        ASSERT_TRUE(increasing) << "order " << n << " entry " << i;
      }
    }
  }
  // The blanks: none, or a list per order, ascending, of entries that exist,
  // never of order 1 or N.
  if (!m.blanks.empty()) {
    ASSERT_EQ(m.blanks.size(), static_cast<size_t>(m.order()));
    EXPECT_TRUE(m.blanks.front().empty());
    EXPECT_TRUE(m.blanks.back().empty());
    for (int n = 1; n <= m.order(); ++n) {
      const std::vector<EntryIndex>& b = m.blanks[n - 1];
      for (size_t i = 0; i < b.size(); ++i) {
        ASSERT_LT(b[i], m.trie.levels[n - 1].size());
        if (i > 0) {
          ASSERT_LT(b[i - 1], b[i]);
        }
      }
    }
  }
  EXPECT_EQ(m.Info("source"), "arpa");
}

// Everything a model holds, bit for bit.
void ExpectSameModel(const Model& a, const Model& b) {
  ASSERT_EQ(a.order(), b.order());
  ASSERT_EQ(a.vocab.size(), b.vocab.size());
  for (WordId i = 0; i < a.vocab.size(); ++i) ASSERT_EQ(a.vocab.Word(i), b.vocab.Word(i));
  for (int n = 1; n <= a.order(); ++n) {
    const TrieLevel& la = a.trie.levels[n - 1];
    const TrieLevel& lb = b.trie.levels[n - 1];
    ASSERT_EQ(la.words, lb.words) << "order " << n;
    ASSERT_EQ(la.parents, lb.parents) << "order " << n;
    ASSERT_EQ(a.log_prob[n - 1].size(), b.log_prob[n - 1].size());
    for (size_t i = 0; i < a.log_prob[n - 1].size(); ++i) {
      ASSERT_EQ(Bits(a.log_prob[n - 1][i]), Bits(b.log_prob[n - 1][i]))
          << "order " << n << " entry " << i;
    }
    ASSERT_EQ(a.log_backoff[n - 1].size(), b.log_backoff[n - 1].size());
    for (size_t i = 0; i < a.log_backoff[n - 1].size(); ++i) {
      ASSERT_EQ(Bits(a.log_backoff[n - 1][i]), Bits(b.log_backoff[n - 1][i]))
          << "order " << n << " entry " << i;
    }
  }
  EXPECT_EQ(a.blanks, b.blanks);
  EXPECT_EQ(a.info, b.info);
  EXPECT_EQ(a.settings.ToKeyValues(), b.settings.ToKeyValues());
}

std::vector<size_t> Sizes(const Model& m) {
  std::vector<size_t> s;
  for (const auto& l : m.trie.levels) s.push_back(l.size());
  return s;
}

StatusOr<Model> Read(const std::string& path, std::vector<std::string>* warnings = nullptr) {
  return ReadArpa(path, [warnings](const std::string& w) {
    if (warnings) warnings->push_back(w);
  });
}

TEST(ArpaReader, KenlmTestModel) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  std::vector<std::string> warnings;
  auto m = Read(kKenlmTest, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  // The file's 37, 47, 11, 6 and 4 n-grams, and 8 blanks (arpa_blanks_test.cc).
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{37, 52, 13, 7, 4}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("added 8 "), std::string::npos) << warnings[0];
  // Ids: the reserved words, then the 1-gram section's order.
  EXPECT_EQ(m->vocab.Word(3), ",");
  EXPECT_EQ(m->vocab.Word(4), ".");
  EXPECT_EQ(m->vocab.Word(5), "a");
  EXPECT_EQ(m->vocab.Word(36), "baz");

  auto e = ModelEntries(*m);
  EXPECT_EQ(e[","].prob, -1.383514f);
  EXPECT_EQ(e[","].backoff, -0.30103f);
  EXPECT_EQ(e["<s>"].prob, -99.0f);  // kept as written
  EXPECT_EQ(e["<s>"].backoff, -0.4149733f);
  EXPECT_EQ(e["<unk>"].prob, -1.995635f);
  EXPECT_EQ(e["<unk>"].backoff, -20.0f);
  EXPECT_EQ(e["</s>"].backoff, 0.0f);  // absent
  EXPECT_EQ(e["bar"].backoff, 3.0f);
  EXPECT_EQ(Bits(e["baz"].backoff), Bits(-0.0f));
  EXPECT_EQ(e["foo"].prob, -3.141592f);
  EXPECT_EQ(e["<s> looking"].prob, -0.4846522f);
  EXPECT_EQ(e["<s> looking"].backoff, -0.4771214f);
  EXPECT_EQ(e["<unk> <unk>"].prob, -15.0f);
  EXPECT_EQ(e["<unk> <unk>"].backoff, -2.0f);
  EXPECT_EQ(e["looking on a"].prob, -0.04835128f);
  EXPECT_EQ(e["looking on a"].backoff, -0.4771212f);
  EXPECT_EQ(e["to look a"].backoff, 0.0f);
  EXPECT_EQ(e["also would consider higher"].prob, -4.0f);
  EXPECT_EQ(e["also would consider higher"].backoff, -8.0f);
  EXPECT_EQ(e["also would consider higher looking"].prob, -5.0f);
  EXPECT_FALSE(e["on a little more loin"].has_backoff);
  EXPECT_EQ(e["on a little more loin"].prob, -0.0432557f);

  // Every line of the file, exactly, and nothing else but the blanks.
  std::vector<size_t> counts;
  auto naive = NaiveEntries(ReadFile(kKenlmTest), &counts);
  EXPECT_EQ(counts, (std::vector<size_t>{37, 47, 11, 6, 4}));
  size_t blanks = 0;
  for (const auto& [text, entry] : e) blanks += entry.blank;
  EXPECT_EQ(blanks, 8u);
  EXPECT_EQ(naive.size() + blanks, e.size());
  for (const auto& [text, want] : naive) {
    auto it = e.find(text);
    ASSERT_NE(it, e.end()) << text;
    EXPECT_FALSE(it->second.blank) << text;
    EXPECT_EQ(Bits(it->second.prob), Bits(want.prob)) << text;
    if (want.has_backoff) {
      EXPECT_EQ(Bits(it->second.backoff), Bits(want.backoff)) << text;
    }
  }
}

TEST(ArpaReader, KenlmTestModelWithoutUnk) {
  if (!std::filesystem::exists(kKenlmNoUnk)) GTEST_SKIP() << kKenlmNoUnk << " not found";
  std::vector<std::string> warnings;
  auto m = Read(kKenlmNoUnk, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  // <unk> is added to the 36 1-grams; 4 2-grams, 2 3-grams and a 4-gram are
  // blanks.
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{37, 49, 12, 7, 4}));
  EXPECT_EQ(m->log_prob[0][kUnkId], -100.0f);
  EXPECT_EQ(m->log_backoff[0][kUnkId], 0.0f);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[1].find("added 7 "), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[0].find("<unk>"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find(kKenlmNoUnk), std::string::npos) << warnings[0];
  auto e = ModelEntries(*m);
  EXPECT_EQ(e["<s>"].prob, -99.0f);
  EXPECT_EQ(e["<s> looking on a little"].prob, -0.003061223f);
  EXPECT_EQ(m->vocab.Word(3), ",");
  // The one-argument form reads it too.
  auto m2 = ReadArpa(kKenlmNoUnk);
  ASSERT_TRUE(m2.ok()) << m2.status().ToString();
  ExpectSameModel(*m, *m2);
}

TEST(ArpaReader, WriteArpaRoundTripIsExact) {
  if (!std::filesystem::exists(kKenlmNoUnk)) GTEST_SKIP() << kKenlmNoUnk << " not found";
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  TempDir dir;
  for (const std::string& src : {kKenlmTest, kKenlmNoUnk}) {
    auto m = ReadArpa(src);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const std::string out = dir.File("round.arpa");
    Status w = WriteArpa(*m, out);
    ASSERT_TRUE(w.ok()) << w.ToString();
    auto back = ReadArpa(out);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectWellFormed(*back);
    ExpectSameModel(*m, *back);
  }
}

TEST(ArpaReader, ModelFileRoundTripIsExact) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  TempDir dir;
  auto m = ReadArpa(kKenlmTest);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string out = dir.File("model.grams");
  Status w = WriteModelFile(*m, out);
  ASSERT_TRUE(w.ok()) << w.ToString();
  auto back = ReadModelFile(out);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameModel(*m, *back);
  EXPECT_EQ(back->Info("source"), "arpa");
  // LoadModel tells the two apart.
  auto loaded = LoadModel(kKenlmTest);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameModel(*m, *loaded);
}

// A small model exercising the format's freedoms: text before \data\, spaces
// and tabs, CRLF, blank lines, -inf spellings, exponents, a '+' backoff.
const char kSmall[] =
    "Written by hand.\n"
    "\\data\\\n"
    "ngram 1=6\n"
    "ngram  2 = 4\n"
    "ngram 3=2\n"
    "\n"
    "\\1-grams:\n"
    "-1.0\t<unk>\n"
    "-inf <s>   -0.5\n"
    "-0.5\t</s>\r\n"
    "\n"
    "-0.25 a -0.125\n"
    "-Infinity\tb\t+0.25\n"
    "-2.5e-1  c  -1E-1\n"
    "\n"
    "\\2-grams:\n"
    "-0.3 <s> a -0.2\n"
    "-0.4 a b\n"
    "\n"
    "-0.6 b c -0.7\n"
    "-0.5 a c\n"
    "\n"
    "\\3-grams:\n"
    "-0.05 <s> a b\n"
    "-0.01 b c </s>\n"
    "\n"
    "\\end\\\n"
    "trailing text is ignored\n";

TEST(ArpaReader, AcceptsFormatVariations) {
  TempDir dir;
  auto m = ReadArpa(dir.Write("small.arpa", kSmall));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  // "c </s>" is a blank: "b c </s>" ends with it.
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{6, 5, 2}));
  auto e = ModelEntries(*m);
  EXPECT_TRUE(e["c </s>"].blank);
  EXPECT_FLOAT_EQ(e["c </s>"].prob, -0.1f + -0.5f);
  EXPECT_EQ(e["c </s>"].backoff, 0.0f);
  EXPECT_EQ(e["<s>"].prob, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(e["<s>"].backoff, -0.5f);
  EXPECT_EQ(e["b"].prob, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(e["b"].backoff, 0.25f);
  EXPECT_EQ(e["c"].prob, -0.25f);
  EXPECT_EQ(e["c"].backoff, -0.1f);
  EXPECT_EQ(e["</s>"].prob, -0.5f);
  EXPECT_EQ(e["b c"].backoff, -0.7f);
  EXPECT_EQ(e["a c"].prob, -0.5f);
  EXPECT_EQ(e["b c </s>"].prob, -0.01f);
  EXPECT_EQ(m->vocab.Word(3), "a");
  EXPECT_EQ(m->vocab.Word(5), "c");
}

TEST(ArpaReader, ExtremeNumbers) {
  TempDir dir;
  auto m = ReadArpa(dir.Write("extreme.arpa",
                              "\\data\\\nngram 1=5\nngram 2=1\n\n\\1-grams:\n"
                              "-1e-50 <unk> -1e50\n"
                              "-1e999 <s> 1e-999\n"
                              "-0 </s> -INF\n"
                              "-1e-40 a 3.4028235e38\n"
                              "-99 b 1e38\n"
                              "\n\\2-grams:\n-1e-45 a b\n"
                              "\n\\end\\\n"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(m->log_prob[0][kUnkId], 0.0f);  // underflows to -0
  EXPECT_EQ(m->log_prob[0][kBosId], -inf);
  EXPECT_EQ(m->log_prob[0][kEosId], 0.0f);
  EXPECT_TRUE(std::signbit(m->log_prob[0][kEosId]));
  EXPECT_EQ(m->log_prob[0][4], -99.0f);
  EXPECT_EQ(m->log_backoff[0][kUnkId], -inf);
  EXPECT_EQ(m->log_backoff[0][kBosId], 0.0f);
  EXPECT_EQ(m->log_backoff[0][kEosId], -inf);
  EXPECT_EQ(m->log_backoff[0][3], std::numeric_limits<float>::max());
  EXPECT_EQ(m->log_backoff[0][4], 1e38f);  // beyond the floats, +inf: refused (issue 13)
  EXPECT_LT(m->log_prob[0][3], 0.0f);      // a denormal
  EXPECT_LT(m->log_prob[1][0], 0.0f);
}

// Words of every length around the 8-byte steps and the inline limit of the
// word table, UTF-8, and control bytes that are not separators.
TEST(ArpaReader, OddWords) {
  std::vector<std::string> words;
  for (int len = 1; len <= 40; ++len)
    words.push_back(std::string(len, static_cast<char>('a' + len % 26)));
  words.push_back("x\x01y");
  words.push_back("\x02");
  words.push_back("caf\xC3\xA9");
  words.push_back(
      "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE7\xAC\xA6\xE4\xB8\xB2\xE5\xBE\x88\xE9\x95\xBF\xE5\xBE"
      "\x88\xE9\x95\xBF");
  words.push_back(std::string(24, 'q') + "r");  // differs after the inline part
  words.push_back(std::string(24, 'q') + "s");
  std::string text = "\\data\\\nngram 1=" + std::to_string(words.size() + 3) +
                     "\nngram 2=" + std::to_string(2 * words.size()) + "\n\n\\1-grams:\n";
  text += "-1 <unk>\n-1 <s>\n-1 </s>\n";
  for (size_t i = 0; i < words.size(); ++i) {
    text += "-" + std::to_string(i + 2) + "\t" + words[i] + "\t-0.5\n";
  }
  text += "\n\\2-grams:\n";
  for (size_t i = 0; i < words.size(); ++i) {
    text += "-0." + std::to_string(i + 1) + "\t" + words[i] + " " + words[(i + 7) % words.size()] +
            "\n";
    text += "-1." + std::to_string(i + 1) + "\t<s> " + words[i] + "\n";
  }
  text += "\n\\end\\\n";
  TempDir dir;
  const std::string path = dir.Write("odd.arpa", text);
  auto m = ReadArpa(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  ASSERT_EQ(m->vocab.size(), words.size() + 3);
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(m->vocab.Word(i + 3), words[i]);
  std::vector<size_t> counts;
  auto naive = NaiveEntries(text, &counts);
  auto e = ModelEntries(*m);
  EXPECT_EQ(naive.size(), e.size());
  for (const auto& [ngram, want] : naive) {
    auto it = e.find(ngram);
    ASSERT_NE(it, e.end()) << ngram;
    EXPECT_EQ(Bits(it->second.prob), Bits(want.prob)) << ngram;
  }
  // Words the table must not confuse with a longer or shorter one.
  for (const std::string& bad : {std::string(24, 'q'), std::string(24, 'q') + "t",
                                 std::string(41, 'p'), std::string("x"), std::string("x\x01")}) {
    std::string with_bad = text;
    const std::string count = "ngram 2=" + std::to_string(2 * words.size());
    with_bad.replace(with_bad.find(count), count.size(),
                     "ngram 2=" + std::to_string(2 * words.size() + 1));
    with_bad.insert(with_bad.find("\n\\end\\"), "\n-1\t<s> " + bad);
    auto r = ReadArpa(dir.Write("bad.arpa", with_bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("is not in the 1-grams"), std::string::npos)
        << r.status().message();
  }
}

TEST(ArpaReader, OrderOne) {
  TempDir dir;
  auto m = ReadArpa(dir.Write("o1.arpa",
                              "\\data\\\nngram 1=3\n\n\\1-grams:\n-1 <s>\n-0.5 </s>\n-0.7 <unk>\n"
                              "\n\\end\\\n"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{3}));
  EXPECT_EQ(m->log_prob[0][kUnkId], -0.7f);
}

// The error of reading `text` from a file; checks the message starts with
// "<path>:<line>: " and contains `what`.
void ExpectError(const std::string& text, int line, const std::string& what) {
  TempDir dir;
  const std::string path = dir.Write("bad.arpa", text);
  auto m = ReadArpa(path);
  ASSERT_FALSE(m.ok()) << "accepted:\n" << text;
  const std::string& msg = m.status().message();
  const std::string prefix = path + ":" + std::to_string(line) + ": ";
  EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg << "\n  expected prefix " << prefix;
  EXPECT_NE(msg.find(what), std::string::npos) << msg << "\n  expected to contain " << what;
}

// kSmall with line `line` (1-based) replaced by `replacement` lines.
std::string EditSmall(int line, const std::string& replacement) {
  std::istringstream in(kSmall);
  std::string out, l;
  for (int i = 1; std::getline(in, l); ++i) {
    if (i == line) {
      out += replacement;
    } else {
      out += l + "\n";
    }
  }
  return out;
}

TEST(ArpaReader, TruncatedFile) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  const std::string full = ReadFile(kKenlmTest);
  // Cut after line 100 (inside the 3-grams).
  std::istringstream in(full);
  std::string cut, l;
  for (int i = 1; i <= 100 && std::getline(in, l); ++i) cut += l + "\n";
  ExpectError(cut, 100, "truncated");
  // Every n-gram but no \end\.
  const std::string no_end = full.substr(0, full.find("\\end\\"));
  ExpectError(no_end, 123, "truncated");
  ExpectError(no_end, 123, "\\end\\");
  // Empty file and no \data\.
  ExpectError("", 0, "\\data\\");
  ExpectError("hello\nworld\n", 2, "\\data\\");
  ExpectError("\\data\\\nngram 1=3\n", 2, "truncated");
}

TEST(ArpaReader, CountMismatch) {
  // Fewer 2-grams than declared: reported at the next section header.
  ExpectError(EditSmall(4, "ngram 2=5\n"), 23, "declares 5");
  // More than declared: reported at the first extra line.
  ExpectError(EditSmall(4, "ngram 2=3\n"), 21, "more n-grams");
  // A section not declared, and a missing one.
  ExpectError(EditSmall(5, ""), 22, "not declared");
  ExpectError(EditSmall(23, "\\end\\\n"), 23, "\\3-grams:");
  // Sections out of order.
  ExpectError(EditSmall(16, "\\3-grams:\n"), 16, "expected \\2-grams:");
}

TEST(ArpaReader, BadNumbers) {
  ExpectError(EditSmall(12, "-0.2x5 a -0.125\n"), 12, "malformed log probability '-0.2x5'");
  ExpectError(EditSmall(12, "-0.25 a -0.1.25\n"), 12, "malformed backoff");
  ExpectError(EditSmall(17, "-0.3 <s> a nan\n"), 17, "malformed backoff");
  ExpectError(EditSmall(18, "0.4 a b\n"), 18, "positive log probability");
  ExpectError(EditSmall(24, "- b c </s>\n"), 24, "malformed log probability");
  ExpectError(EditSmall(3, "ngram 1=six\n"), 3, "ngram N=count");
  ExpectError(EditSmall(3, "ngrams 1=6\n"), 3, "ngram N=count");
}

// Issue 13: an infinite backoff was accepted (nan was refused), and the
// perplexity came out 0. -inf stays legal, as for log10 probabilities.
TEST(ArpaReader, InfiniteBackoffIsRefused) {
  ExpectError(EditSmall(17, "-0.3 <s> a inf\n"), 17, "infinite backoff 'inf'");
  ExpectError(EditSmall(17, "-0.3 <s> a +Infinity\n"), 17, "infinite backoff");
  ExpectError(EditSmall(12, "-0.25 a inf\n"), 12, "infinite backoff");
  ExpectError(EditSmall(12, "-0.25 a 1e99\n"), 12, "infinite backoff");
  ExpectError(EditSmall(12, "-0.25 a NaN\n"), 12, "malformed backoff");
  TempDir dir;
  auto m = ReadArpa(dir.Write("minus_inf.arpa", EditSmall(17, "-0.3 <s> a -inf\n")));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
}

TEST(ArpaReader, WrongNumberOfWords) {
  ExpectError(EditSmall(18, "-0.4 a b c d\n"), 18, "too many fields");
  ExpectError(EditSmall(18, "-0.4\n"), 18, "too few fields");
  ExpectError(EditSmall(24, "-0.01 c </s>\n"), 24, "too few fields");
  // Two words and a backoff in a 3-gram section: the number is read as a word.
  ExpectError(EditSmall(24, "-0.01 c </s> -0.5\n"), 24, "not in the 1-grams");
}

TEST(ArpaReader, UnknownWords) {
  if (!std::filesystem::exists(kKenlmNoUnk)) GTEST_SKIP() << kKenlmNoUnk << " not found";
  ExpectError(EditSmall(18, "-0.4 a zz\n"), 18, "word 'zz' of this 2-gram is not in the 1-grams");
  ExpectError(EditSmall(24, "-0.01 zz c </s>\n"), 24, "'zz'");
  // <unk> absent from the 1-grams is unknown in higher orders.
  std::string no_unk = ReadFile(kKenlmNoUnk);
  no_unk.replace(no_unk.find("-6\tfoo bar"), 10, "-6\tfoo <unk>");
  ExpectError(no_unk, 92, "'<unk>'");
}

TEST(ArpaReader, MissingSentenceMarkers) {
  // A missing <s> is added as a context (tests/unit/peer_differences_test.cc);
  // a missing </s> is an error.
  ExpectError(EditSmall(10, "-0.7 d\n"), 16, "</s>");
}

TEST(ArpaReader, DuplicateNgrams) {
  // In the 1-grams, a middle order (while reading) and the highest order
  // (after sorting); the blank lines shift the line numbers.
  ExpectError(EditSmall(14, "-0.5 a\n"), 14, "duplicate 1-gram 'a' (first at line 12)");
  ExpectError(EditSmall(20, "-0.5 <s> a\n"), 20, "duplicate 2-gram '<s> a' (first at line 17)");
  ExpectError(EditSmall(25, "-0.01 <s> a b\n"), 25,
              "duplicate 3-gram '<s> a b' (first at line 24)");
  // The reserved words too.
  ExpectError(EditSmall(14, "-0.5 <unk>\n"), 14, "duplicate 1-gram '<unk>' (first at line 8)");
}

TEST(ArpaReader, ErrorsComeInFileOrder) {
  // A duplicate before a malformed number in the same batch of lines.
  ExpectError(EditSmall(20, "-0.5 <s> a\n-x a b\n"), 20, "duplicate");
  // A duplicate before an unknown word.
  ExpectError(EditSmall(20, "-0.5 <s> a\n-0.1 a zz\n"), 20, "duplicate");
}

TEST(ArpaReader, MissingFileAndDirectory) {
  auto m = ReadArpa("/nonexistent/dir/x.arpa");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  TempDir dir;
  auto d = ReadArpa(dir.File(""));
  ASSERT_FALSE(d.ok());
}

TEST(ArpaReader, AddsMissingContexts) {
  // "a b c" needs "a b" (missing); "x a b c" needs "x a" and "x a b"
  // (both missing).
  const std::string text =
      "\\data\\\n"
      "ngram 1=7\n"
      "ngram 2=3\n"
      "ngram 3=2\n"
      "ngram 4=1\n"
      "\n\\1-grams:\n"
      "-1 <unk>\n"
      "-99 <s> -0.1\n"
      "-1.5 </s>\n"
      "-1.25 a -0.5\n"
      "-1.75 b -0.25\n"
      "-2 c -0.125\n"
      "-2.5 x -0.75\n"
      "\n\\2-grams:\n"
      "-0.5 b c -0.0625\n"
      "-0.75 <s> a\n"
      "-0.875 a c\n"
      "\n\\3-grams:\n"
      "-0.25 a b c -0.03125\n"
      "-0.375 <s> a c\n"
      "\n\\4-grams:\n"
      "-0.125 x a b c\n"
      "\n\\end\\\n";
  TempDir dir;
  const std::string path = dir.Write("missing.arpa", text);
  std::vector<std::string> warnings;
  auto m = Read(path, &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  // Added: "a b" (for line 22), "x a" and "x a b" (for line 26).
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{7, 5, 3, 1}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path + ":22:"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("added 3 "), std::string::npos) << warnings[0];
  auto e = ModelEntries(*m);
  // p(b | a) = bo(a) + p(b)
  EXPECT_FLOAT_EQ(e["a b"].prob, -0.5f + -1.75f);
  EXPECT_EQ(e["a b"].backoff, 0.0f);
  // p(a | x) = bo(x) + p(a)
  EXPECT_FLOAT_EQ(e["x a"].prob, -0.75f + -1.25f);
  EXPECT_EQ(e["x a"].backoff, 0.0f);
  // p(b | x a) = bo(x a) [0, just added] + p(b | a) [itself added]
  EXPECT_FLOAT_EQ(e["x a b"].prob, 0.0f + (-0.5f + -1.75f));
  EXPECT_EQ(e["x a b"].backoff, 0.0f);
  // What the file had is untouched.
  EXPECT_EQ(e["a b c"].prob, -0.25f);
  EXPECT_EQ(e["x a b c"].prob, -0.125f);
  EXPECT_EQ(e["b c"].backoff, -0.0625f);

  // A deeper back-off: p(c | <s> b) with "<s> b" missing and "b c" present
  // = bo(<s> b) [0] + p(c | b); and "<s> x" missing -> bo(<s>) + p(x).
  const std::string text2 =
      "\\data\\\n"
      "ngram 1=7\n"
      "ngram 2=1\n"
      "ngram 3=1\n"
      "ngram 4=1\n"
      "\n\\1-grams:\n"
      "-1 <unk>\n"
      "-99 <s> -0.1\n"
      "-1.5 </s>\n"
      "-1.25 a -0.5\n"
      "-1.75 b -0.25\n"
      "-2 c -0.125\n"
      "-2.5 x -0.75\n"
      "\n\\2-grams:\n"
      "-0.5 b c -0.0625\n"
      "\n\\3-grams:\n"
      "-0.25 <s> b c\n"
      "\n\\4-grams:\n"
      "-0.125 <s> x b c\n"
      "\n\\end\\\n";
  warnings.clear();
  auto m2 = Read(dir.Write("missing2.arpa", text2), &warnings);
  ASSERT_TRUE(m2.ok()) << m2.status().ToString();
  ExpectWellFormed(*m2);
  auto e2 = ModelEntries(*m2);
  EXPECT_FLOAT_EQ(e2["<s> b"].prob, -0.1f + -1.75f);
  EXPECT_FLOAT_EQ(e2["<s> x"].prob, -0.1f + -2.5f);
  // p(b | <s> x) = bo(<s> x) [0] + p(b | x) ["x b" missing: bo(x) + p(b)]
  EXPECT_FLOAT_EQ(e2["<s> x b"].prob, 0.0f + (-0.75f + -1.75f));
  EXPECT_EQ(e2["<s> b c"].prob, -0.25f);
  EXPECT_EQ(e2["<s> b"].backoff, 0.0f);
  // And the blanks "x b" and "x b c", the suffixes of "<s> x b" (an added
  // context) and "<s> x b c" (line 23, the first that needs one).
  EXPECT_TRUE(e2["x b"].blank);
  EXPECT_FLOAT_EQ(e2["x b"].prob, -0.75f + -1.75f);
  EXPECT_TRUE(e2["x b c"].blank);
  EXPECT_FLOAT_EQ(e2["x b c"].prob, -0.5f);  // bo(x b) [0] + p(c | b)
  EXPECT_EQ(Sizes(*m2), (std::vector<size_t>{7, 4, 3, 1}));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("added 3 "), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("missing2.arpa:23: added 2 "), std::string::npos) << warnings[1];
}

TEST(ArpaReader, IgnoresBackoffsOfHighestOrder) {
  std::vector<std::string> warnings;
  TempDir dir;
  auto m = Read(dir.Write("topbo.arpa", EditSmall(25, "-0.01 b c </s> 0\n")), &warnings);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  // The blank "c </s>" first, then the backoff.
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[1].find(":25: ignored 1 backoffs"), std::string::npos) << warnings[1];
}

TEST(ArpaReader, UnsortedInputIsSorted) {
  if (!std::filesystem::exists(kKenlmTest)) GTEST_SKIP() << kKenlmTest << " not found";
  // The n-grams of each order reversed: same model.
  const std::string text = ReadFile(kKenlmTest);
  std::istringstream in(text);
  std::string out, l;
  std::vector<std::string> section;
  auto flush = [&] {
    for (auto it = section.rbegin(); it != section.rend(); ++it) out += *it + "\n";
    section.clear();
  };
  bool in_section = false;
  while (std::getline(in, l)) {
    if (l.rfind("\\", 0) == 0) {
      flush();
      in_section = l.find("-grams:") != std::string::npos && l != "\\1-grams:";
      out += l + "\n";
    } else if (in_section && !l.empty()) {
      section.push_back(l);
    } else {
      out += l + "\n";
    }
  }
  flush();
  TempDir dir;
  auto a = ReadArpa(kKenlmTest);
  auto b = ReadArpa(dir.Write("reversed.arpa", out));
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().ToString();
  ExpectWellFormed(*b);
  ExpectSameModel(*a, *b);
}

TEST(ArpaReader, BrownOrder3) {
  if (!std::filesystem::exists(kBrownO3)) GTEST_SKIP() << kBrownO3 << " not found";
  auto m = ReadArpa(kBrownO3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExpectWellFormed(*m);
  EXPECT_EQ(Sizes(*m), (std::vector<size_t>{53450, 419824, 798721}));
  EXPECT_EQ(m->vocab.size(), 53450u);
  EXPECT_EQ(m->log_prob[0][kUnkId], -5.6465836f);
  EXPECT_EQ(m->log_prob[0][kBosId], 0.0f);
  EXPECT_EQ(m->log_backoff[0][kBosId], -0.96013695f);
  EXPECT_EQ(m->vocab.Word(3), "The");
  // Spot checks through the trie: "of the" and "one of the".
  const WordId the = m->vocab.Find("the"), of = m->vocab.Find("of"), one = m->vocab.Find("one");
  ASSERT_NE(the, Vocabulary::kNotFound);
  EXPECT_EQ(m->log_prob[0][the], -1.9992415f);
  auto child = [&](int n, EntryIndex parent, WordId w) -> EntryIndex {
    const TrieLevel& l = m->trie.levels[n - 1];
    for (size_t i = 0; i < l.size(); ++i)
      if (l.parents[i] == parent && l.words[i] == w) return static_cast<EntryIndex>(i);
    return UINT32_MAX;
  };
  const EntryIndex of_the = child(2, of, the);
  ASSERT_NE(of_the, UINT32_MAX);
  EXPECT_EQ(m->log_prob[1][of_the], -0.8715154f);
  EXPECT_EQ(m->log_backoff[1][of_the], -0.32515317f);
  const EntryIndex one_of = child(2, one, of);
  ASSERT_NE(one_of, UINT32_MAX);
  const EntryIndex one_of_the = child(3, one_of, the);
  ASSERT_NE(one_of_the, UINT32_MAX);
  EXPECT_EQ(m->log_prob[2][one_of_the], -0.2580734f);

  // Through our writer and back, exactly.
  TempDir dir;
  Status w = WriteArpa(*m, dir.File("brown.arpa"));
  ASSERT_TRUE(w.ok()) << w.ToString();
  auto back = ReadArpa(dir.File("brown.arpa"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameModel(*m, *back);
}

}  // namespace
}  // namespace grams
