// Tokenizer (tokenize/): how a line becomes units under each
// TokenizerSettings, and the settings' names and key/value form.
#include <algorithm>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "grams/settings.h"
#include "test_util.h"
#include "tokenize/tokenizer.h"

namespace grams {
namespace {

TokenizerSettings Settings(Unit unit, Normalization normalize = Normalization::kNone,
                           bool case_fold = false, Boundaries boundaries = Boundaries::kLine,
                           InvalidUtf8 invalid = InvalidUtf8::kError) {
  TokenizerSettings s;
  s.unit = unit;
  s.normalize = normalize;
  s.case_fold = case_fold;
  s.boundaries = boundaries;
  s.invalid = invalid;
  return s;
}

// The units of `line`, as owned strings; fails the test on an error.
std::vector<std::string> Units(const TokenizerSettings& settings, std::string_view line,
                               bool newline = true) {
  auto t = Tokenizer::Create(settings);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return {};
  std::vector<std::string_view> views;
  Status s = (*t)->Tokenize(line, newline, &views);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::vector<std::string>(views.begin(), views.end());
}

std::vector<std::string> Units(Unit unit, std::string_view line) {
  return Units(Settings(unit), line);
}

bool Contains(const std::vector<std::string>& units, const std::string& unit) {
  return std::find(units.begin(), units.end(), unit) != units.end();
}

using V = std::vector<std::string>;

// ------------------------------------------------------------------ settings

TEST(TokenizerSettingsTest, DefaultsAreKenlmWords) {
  TokenizerSettings s;
  EXPECT_EQ(s.unit, Unit::kWord);
  EXPECT_EQ(s.normalize, Normalization::kNone);
  EXPECT_FALSE(s.case_fold);
  EXPECT_EQ(s.boundaries, Boundaries::kLine);
  EXPECT_EQ(s.invalid, InvalidUtf8::kError);
  EXPECT_FALSE(s.NeedsUtf8());
  EXPECT_EQ(s.ToString(), "unit=word normalize=none case_fold=0 boundaries=line invalid=error");
}

TEST(TokenizerSettingsTest, NeedsUtf8) {
  EXPECT_FALSE(Settings(Unit::kByte).NeedsUtf8());
  EXPECT_TRUE(Settings(Unit::kChar).NeedsUtf8());
  EXPECT_TRUE(Settings(Unit::kGrapheme).NeedsUtf8());
  EXPECT_TRUE(Settings(Unit::kSegment).NeedsUtf8());
  EXPECT_TRUE(Settings(Unit::kWord, Normalization::kNfc).NeedsUtf8());
  EXPECT_TRUE(Settings(Unit::kByte, Normalization::kNone, /*case_fold=*/true).NeedsUtf8());
}

TEST(TokenizerSettingsTest, NamesParseBack) {
  for (Unit u : {Unit::kWord, Unit::kByte, Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    auto p = ParseUnit(UnitName(u));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, u);
  }
  for (Normalization n : {Normalization::kNone, Normalization::kNfc, Normalization::kNfkc}) {
    auto p = ParseNormalization(NormalizationName(n));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, n);
  }
  for (Boundaries b : {Boundaries::kLine, Boundaries::kNone}) {
    auto p = ParseBoundaries(BoundariesName(b));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, b);
  }
  for (InvalidUtf8 i : {InvalidUtf8::kError, InvalidUtf8::kReplace, InvalidUtf8::kSkip}) {
    auto p = ParseInvalidUtf8(InvalidUtf8Name(i));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, i);
  }
  EXPECT_STREQ(UnitName(Unit::kChar), "char");
  EXPECT_STREQ(NormalizationName(Normalization::kNfkc), "nfkc");
  auto bad = ParseUnit("character");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("word|byte|char|grapheme|segment"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(ParseNormalization("NFC").ok());
  EXPECT_FALSE(ParseBoundaries("lines").ok());
  EXPECT_FALSE(ParseInvalidUtf8("ignore").ok());
}

TEST(TokenizerSettingsTest, KeyValuesRoundTrip) {
  for (Unit u : {Unit::kWord, Unit::kByte, Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    for (Normalization n : {Normalization::kNone, Normalization::kNfc, Normalization::kNfkc}) {
      for (bool fold : {false, true}) {
        for (Boundaries b : {Boundaries::kLine, Boundaries::kNone}) {
          for (InvalidUtf8 i : {InvalidUtf8::kError, InvalidUtf8::kReplace, InvalidUtf8::kSkip}) {
            const TokenizerSettings s = Settings(u, n, fold, b, i);
            auto back = TokenizerSettings::FromKeyValues(s.ToKeyValues());
            ASSERT_TRUE(back.ok()) << s.ToString();
            EXPECT_EQ(*back, s) << s.ToString();
          }
        }
      }
    }
  }
  const auto kv =
      Settings(Unit::kChar, Normalization::kNfc, true, Boundaries::kNone, InvalidUtf8::kSkip)
          .ToKeyValues();
  const std::vector<std::pair<std::string, std::string>> want = {{"unit", "char"},
                                                                 {"normalize", "nfc"},
                                                                 {"case_fold", "1"},
                                                                 {"boundaries", "none"},
                                                                 {"invalid", "skip"}};
  EXPECT_EQ(kv, want);
}

TEST(TokenizerSettingsTest, MissingKeysKeepDefaultsUnknownKeysFail) {
  // Files of the first version carry only the unit.
  auto old = TokenizerSettings::FromKeyValues({{"unit", "word"}});
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, TokenizerSettings());
  auto none = TokenizerSettings::FromKeyValues({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, TokenizerSettings());

  auto unknown = TokenizerSettings::FromKeyValues({{"unit", "char"}, {"script", "latin"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnsupportedVersion);
  EXPECT_FALSE(TokenizerSettings::FromKeyValues({{"unit", "letters"}}).ok());
  EXPECT_FALSE(TokenizerSettings::FromKeyValues({{"case_fold", "yes"}}).ok());
  EXPECT_FALSE(TokenizerSettings::FromKeyValues({{"boundaries", "page"}}).ok());
}

// --------------------------------------------------------------------- units

TEST(TokenizerTest, WordsSplitAtAsciiWhitespaceOnly) {
  EXPECT_EQ(Units(Unit::kWord, "  the\tcat \v sat\f on\r"), (V{"the", "cat", "sat", "on"}));
  // A no-break space (U+00A0) is not ASCII whitespace.
  EXPECT_EQ(Units(Unit::kWord,
                  "a\xC2\xA0"
                  "b c"),
            (V{"a\xC2\xA0"
               "b",
               "c"}));
  EXPECT_EQ(Units(Unit::kWord, ""), V{});
  EXPECT_EQ(Units(Unit::kWord, " \t "), V{});
}

TEST(TokenizerTest, BytesIncludeEverything) {
  const std::string line("a\0 \t\xFF\xC3", 6);
  V want;
  for (char c : line) want.push_back(std::string(1, c));
  EXPECT_EQ(Units(Unit::kByte, line), want);
  // UTF-8 is split into its bytes.
  EXPECT_EQ(Units(Unit::kByte, "\xC3\xA9"), (V{"\xC3", "\xA9"}));
  // Byte units never fail, whatever the invalid-UTF-8 setting.
  EXPECT_EQ(Units(Settings(Unit::kByte, Normalization::kNone, false, Boundaries::kLine,
                           InvalidUtf8::kError),
                  "\xFF"),
            V{"\xFF"});
}

TEST(TokenizerTest, CharsAreCodePoints) {
  EXPECT_EQ(Units(Unit::kChar, "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80 b"),
            (V{"a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", " ", "b"}));
  // A combining mark is a code point of its own.
  EXPECT_EQ(Units(Unit::kChar, "e\xCC\x81"), (V{"e", "\xCC\x81"}));
  EXPECT_EQ(Units(Unit::kChar, std::string("a\0b", 3)), (V{"a", std::string(1, '\0'), "b"}));
}

TEST(TokenizerTest, CarriageReturnBeforeTheNewlineIsDropped) {
  for (Unit u : {Unit::kByte, Unit::kChar, Unit::kGrapheme, Unit::kWord, Unit::kSegment}) {
    EXPECT_EQ(Units(u, "ab\r"), Units(u, "ab")) << UnitName(u);
  }
  // Only the last one: a \r inside the line is a unit.
  EXPECT_EQ(Units(Unit::kChar, "a\rb\r"), (V{"a", "\r", "b"}));
}

TEST(TokenizerTest, GraphemeClusters) {
  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // 👨‍👩‍👧
  const std::string e_acute = "e\xCC\x81";                                         // e + U+0301
  const std::string han = "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB";  // ᄒ ᅡ ᆫ: 한 from jamo
  const std::string flag = "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7";     // regional indicators F R
  const std::string thumbs = "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD";   // 👍🏽 (skin tone modifier)
  EXPECT_EQ(Units(Unit::kGrapheme, family + e_acute + han + flag + thumbs + "x"),
            (V{family, e_acute, han, flag, thumbs, "x"}));
  EXPECT_EQ(Units(Unit::kChar, family).size(), 5u);
  EXPECT_EQ(Units(Unit::kChar, han).size(), 3u);
  // Spaces are units too; \r\n at the end is a line end, not a cluster.
  EXPECT_EQ(Units(Unit::kGrapheme, "a b\r"), (V{"a", " ", "b"}));
}

TEST(TokenizerTest, NfcMakesDecomposedAndPrecomposedTheSame) {
  const std::string decomposed = "e\xCC\x81t\xC3\xA9";  // e + U+0301, t, é
  const auto nfc = Settings(Unit::kChar, Normalization::kNfc);
  EXPECT_EQ(Units(nfc, decomposed), (V{"\xC3\xA9", "t", "\xC3\xA9"}));
  EXPECT_EQ(Units(Settings(Unit::kGrapheme, Normalization::kNfc), decomposed),
            (V{"\xC3\xA9", "t", "\xC3\xA9"}));
  // Without normalization they are different units.
  EXPECT_EQ(Units(Unit::kChar, decomposed), (V{"e", "\xCC\x81", "t", "\xC3\xA9"}));
  // NFC keeps compatibility characters; NFKC maps them.
  EXPECT_EQ(Units(nfc, "\xEF\xAC\x81"), (V{"\xEF\xAC\x81"}));  // ﬁ
  EXPECT_EQ(Units(Settings(Unit::kChar, Normalization::kNfkc), "\xEF\xAC\x81sh"),
            (V{"f", "i", "s", "h"}));
  EXPECT_EQ(Units(Settings(Unit::kWord, Normalization::kNfkc), "\xEF\xAC\x81sh \xEF\xBC\xA1"),
            (V{"fish", "A"}));  // ﬁsh, fullwidth Ａ
}

TEST(TokenizerTest, CaseFolding) {
  const auto fold = Settings(Unit::kWord, Normalization::kNone, /*case_fold=*/true);
  EXPECT_EQ(Units(fold, "The CAT sat"), (V{"the", "cat", "sat"}));
  // Full case folding: ß -> ss, Σ/σ/ς -> σ, É -> é.
  EXPECT_EQ(Units(fold,
                  "Stra\xC3\x9F"
                  "e \xCE\xA3\xCE\xBF\xCF\x82 \xC3\x89t\xC3\xA9"),
            (V{"strasse", "\xCF\x83\xCE\xBF\xCF\x83", "\xC3\xA9t\xC3\xA9"}));
  const auto fold_chars = Settings(Unit::kChar, Normalization::kNone, true);
  EXPECT_EQ(Units(fold_chars, "Ab"), (V{"a", "b"}));
  // Byte units with folding: the folded text's bytes.
  EXPECT_EQ(Units(Settings(Unit::kByte, Normalization::kNone, true), "\xC3\x89"),
            (V{"\xC3", "\xA9"}));
}

TEST(TokenizerTest, SegmentsChineseJapaneseThaiIntoWords) {
  const auto zh = Units(Unit::kSegment, "我喜欢学习中文。");
  EXPECT_TRUE(Contains(zh, "学习")) << testing::PrintToString(zh);
  EXPECT_TRUE(Contains(zh, "中文")) << testing::PrintToString(zh);
  EXPECT_TRUE(Contains(zh, "。")) << testing::PrintToString(zh);  // punctuation kept
  EXPECT_LT(zh.size(), 8u);                                       // fewer segments than characters

  const auto ja = Units(Unit::kSegment, "日本語を勉強しています。");
  EXPECT_TRUE(Contains(ja, "日本語")) << testing::PrintToString(ja);
  EXPECT_TRUE(Contains(ja, "勉強")) << testing::PrintToString(ja);
  EXPECT_LT(ja.size(), 12u);

  const auto th = Units(Unit::kSegment, "ฉันชอบเรียนภาษาไทย");
  EXPECT_TRUE(Contains(th, "ภาษา")) << testing::PrintToString(th);
  EXPECT_TRUE(Contains(th, "ไทย")) << testing::PrintToString(th);
  EXPECT_GE(th.size(), 4u);
  for (const auto& u : th) EXPECT_GT(u.size(), 3u) << "a single Thai character: " << u;

  // Every segment is more than one character somewhere: not a char split.
  size_t multi = 0;
  for (const auto& u : zh) multi += Units(Unit::kChar, u).size() > 1;
  EXPECT_GE(multi, 3u) << testing::PrintToString(zh);
}

TEST(TokenizerTest, SegmentsDropWhitespaceKeepPunctuation) {
  EXPECT_EQ(Units(Unit::kSegment, "Hello, world!  It's 3.5 km\t(ok)"),
            (V{"Hello", ",", "world", "!", "It's", "3.5", "km", "(", "ok", ")"}));
  // Unicode whitespace too (no-break space, ideographic space).
  EXPECT_EQ(Units(Unit::kSegment,
                  "a\xC2\xA0"
                  "b\xE3\x80\x80"
                  "c"),
            (V{"a", "b", "c"}));
  EXPECT_EQ(Units(Unit::kSegment, "   "), V{});
  EXPECT_EQ(Units(Unit::kSegment, ""), V{});
}

TEST(TokenizerTest, StreamNewlineUnit) {
  const auto stream = [](Unit u) {
    return Settings(u, Normalization::kNone, false, Boundaries::kNone);
  };
  EXPECT_EQ(Units(stream(Unit::kChar), "ab", true), (V{"a", "b", "\n"}));
  EXPECT_EQ(Units(stream(Unit::kChar), "ab\r", true), (V{"a", "b", "\n"}));  // CRLF = LF
  EXPECT_EQ(Units(stream(Unit::kChar), "ab", false), (V{"a", "b"}));         // last line, no \n
  EXPECT_EQ(Units(stream(Unit::kByte), "", true), (V{"\n"}));                // empty line
  EXPECT_EQ(Units(stream(Unit::kGrapheme), "e\xCC\x81", true), (V{"e\xCC\x81", "\n"}));
  // Words and segments have no newline unit: lines just continue the stream.
  EXPECT_EQ(Units(stream(Unit::kWord), "a b", true), (V{"a", "b"}));
  EXPECT_EQ(Units(stream(Unit::kSegment), "a b", true), (V{"a", "b"}));
  // With line boundaries there is never a newline unit.
  EXPECT_EQ(Units(Settings(Unit::kChar), "ab", true), (V{"a", "b"}));
}

TEST(TokenizerTest, InvalidUtf8IsAnErrorWithItsOffset) {
  for (Unit u : {Unit::kChar, Unit::kGrapheme, Unit::kSegment}) {
    auto t = Tokenizer::Create(Settings(u));
    ASSERT_TRUE(t.ok());
    std::vector<std::string_view> units;
    Status s = (*t)->Tokenize(
        "ab\xC3\xA9"
        "c\xFF"
        "d",
        true, &units);
    ASSERT_FALSE(s.ok()) << UnitName(u);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*t)->bad_offset(), 5u) << UnitName(u);
    // Truncated sequence, overlong encoding, surrogate.
    for (const auto& [bad, offset] : std::vector<std::pair<std::string, size_t>>{
             {"x\xE4\xB8", 1}, {"\xC0\xAF", 0}, {"ab\xED\xA0\x80", 2}, {"\x80", 0}}) {
      EXPECT_FALSE((*t)->Tokenize(bad, true, &units).ok()) << testing::PrintToString(bad);
      EXPECT_EQ((*t)->bad_offset(), offset) << testing::PrintToString(bad);
    }
    // The tokenizer is usable after an error.
    ASSERT_TRUE((*t)->Tokenize("ok", true, &units).ok());
  }
  // Word units with normalization or folding need UTF-8 too.
  auto t = Tokenizer::Create(Settings(Unit::kWord, Normalization::kNone, true));
  ASSERT_TRUE(t.ok());
  std::vector<std::string_view> units;
  EXPECT_FALSE((*t)->Tokenize("A \xFF", true, &units).ok());
  EXPECT_EQ((*t)->bad_offset(), 2u);
  // Plain word units take any bytes.
  EXPECT_EQ(Units(Unit::kWord, "a\xFF b"), (V{"a\xFF", "b"}));
}

// Issue 13: with a Unicode unit, a line of 2^31 bytes or more was cast to
// int32_t and checked (and split) as if empty: its invalid UTF-8 passed.
// Needs 2 GiB; skipped where that cannot be had.
TEST(TokenizerTest, LineOf2To31BytesIsCheckedWhole) {
  const size_t n = (size_t{1} << 31) + 2;
  // Memory the kernel would grant only to kill the process later (overcommit)
  // is not asked for: the test needs 2 GiB free, and a margin.
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kb = 0, available_kb = 0;
  while (meminfo >> key >> kb) {
    if (key == "MemAvailable:") available_kb = kb;
    meminfo.ignore(64, '\n');
  }
  if (available_kb < (uint64_t{4} << 20)) GTEST_SKIP() << "less than 4 GiB of memory available";
  std::string line;
  try {
    line.assign(n, 'a');
  } catch (const std::bad_alloc&) {
    GTEST_SKIP() << "cannot allocate a line of 2^31 bytes";
  }
  line[n - 2] = '\xC3';  // a truncated sequence in the last bytes, past 2^31
  line[n - 1] = ' ';
  auto t = Tokenizer::Create(Settings(Unit::kWord, Normalization::kNone, true));
  ASSERT_TRUE(t.ok());
  std::vector<std::string_view> units;
  Status s = (*t)->Tokenize(line, true, &units);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ((*t)->bad_offset(), n - 2);
}

TEST(TokenizerTest, InvalidUtf8ReplaceOrSkip) {
  const auto replace =
      Settings(Unit::kChar, Normalization::kNone, false, Boundaries::kLine, InvalidUtf8::kReplace);
  const auto skip =
      Settings(Unit::kChar, Normalization::kNone, false, Boundaries::kLine, InvalidUtf8::kSkip);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Units(replace,
                  "a\xFF"
                  "b"),
            (V{"a", fffd, "b"}));
  EXPECT_EQ(Units(skip,
                  "a\xFF"
                  "b"),
            (V{"a", "b"}));
  EXPECT_EQ(Units(skip, "\xFF\xFE"), V{});
  // Valid characters around the bad bytes survive.
  EXPECT_EQ(Units(replace, "\xC3\xA9\x80\xC3\xA9"), (V{"\xC3\xA9", fffd, "\xC3\xA9"}));
  EXPECT_EQ(Units(Settings(Unit::kWord, Normalization::kNfc, false, Boundaries::kLine,
                           InvalidUtf8::kSkip),
                  "ab\xFF"
                  "c d"),
            (V{"abc", "d"}));
  EXPECT_EQ(Units(Settings(Unit::kGrapheme, Normalization::kNone, false, Boundaries::kLine,
                           InvalidUtf8::kReplace),
                  "e\xFF\xCC\x81"),
            (V{"e", fffd + "\xCC\x81"}));
}

}  // namespace
}  // namespace grams
