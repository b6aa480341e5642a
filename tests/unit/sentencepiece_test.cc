// The sentencepiece unit: a SentencePiece model trained here, in memory, on
// the sample corpus; the Tokenizer's units against SentencePiece's own
// pieces; the sp_model setting through the key/value form, the ARPA comment
// lines, counts, model and ARPA files; and the errors of a missing, empty or
// corrupt model.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grams/counts.h"
#include "grams/model.h"
#include "grams/scorer.h"
#include "grams/settings.h"
#include "io/file.h"
#include "test_util.h"
#include "tokenize/tokenizer.h"
#include "util/coding.h"

namespace grams {
namespace {

// The lines of a text, for SentencePiece's trainer.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  bool done() const override { return i_ >= lines_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return lines_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::vector<std::string> lines_;
  size_t i_ = 0;
};

// The lines of the decompressed sample corpus (the test half of the KJV).
std::vector<std::string> SampleLines() {
  std::vector<std::string> lines;
  auto in = io::InputStream::Open(test::SourcePath("data/kjv-test.txt"));
  EXPECT_TRUE(in.ok()) << in.status().ToString();
  if (!in.ok()) return lines;
  auto all = io::ReadAll(in->get());
  EXPECT_TRUE(all.ok());
  if (!all.ok()) return lines;
  std::string_view text = *all;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return lines;
}

// Trains a model on the sample corpus, with `user_symbols` (comma-separated
// pieces) if given; returns its serialized bytes.
std::string Train(const std::string& user_symbols = "") {
  LineIterator it(SampleLines());
  std::unordered_map<std::string, std::string> args = {
      {"vocab_size", "400"}, {"model_type", "unigram"}, {"num_threads", "2"}, {"minloglevel", "2"}};
  if (!user_symbols.empty()) args["user_defined_symbols"] = user_symbols;
  std::string model;
  const auto s = sentencepiece::SentencePieceTrainer::Train(args, &it, &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model;
}

class SentencePieceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new std::string(Train("")); }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }

  static TokenizerSettings Settings() {
    TokenizerSettings s;
    s.unit = Unit::kSentencePiece;
    s.sp_model = *model_;
    return s;
  }

  // The units of `line` under `settings`.
  static std::vector<std::string> Units(const TokenizerSettings& settings, std::string_view line,
                                        bool newline = true) {
    auto t = Tokenizer::Create(settings);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    if (!t.ok()) return {};
    std::vector<std::string_view> views;
    const Status s = (*t)->Tokenize(line, newline, &views);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::vector<std::string>(views.begin(), views.end());
  }

  // SentencePiece's own pieces of `line`.
  static std::vector<std::string> Pieces(const std::string& model, std::string_view line) {
    sentencepiece::SentencePieceProcessor sp;
    EXPECT_TRUE(sp.LoadFromSerializedProto(model).ok());
    std::vector<std::string> pieces;
    EXPECT_TRUE(sp.Encode(line, &pieces).ok());
    return pieces;
  }

  static std::string* model_;
};

std::string* SentencePieceTest::model_ = nullptr;

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

TEST_F(SentencePieceTest, UnitsAreSentencePiecesPieces) {
  ASSERT_FALSE(model_->empty());
  const std::vector<std::string> lines = SampleLines();
  ASSERT_GT(lines.size(), 100u);
  auto t = Tokenizer::Create(Settings());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::vector<std::string_view> views;
  size_t units = 0;
  for (size_t i = 0; i < lines.size(); i += 7) {
    ASSERT_TRUE((*t)->Tokenize(lines[i], true, &views).ok());
    EXPECT_EQ(std::vector<std::string>(views.begin(), views.end()), Pieces(*model_, lines[i]))
        << lines[i];
    units += views.size();
  }
  EXPECT_GT(units, 1000u);
  // Words begin with the piece that holds U+2581, as spm_encode writes it.
  const auto u = Units(Settings(), "In the beginning God created the heaven");
  ASSERT_FALSE(u.empty());
  EXPECT_EQ(u[0].substr(0, kSpace.size()), kSpace);
  std::string joined;
  for (const auto& p : u) joined += p;
  EXPECT_EQ(joined, std::string(kSpace) + "In" + std::string(kSpace) + "the" + std::string(kSpace) +
                        "beginning" + std::string(kSpace) + "God" + std::string(kSpace) +
                        "created" + std::string(kSpace) + "the" + std::string(kSpace) + "heaven");
}

TEST_F(SentencePieceTest, EmptyLinesCrlfAndStreams) {
  EXPECT_TRUE(Units(Settings(), "").empty());
  EXPECT_TRUE(Units(Settings(), "\r").empty());
  EXPECT_EQ(Units(Settings(), "And God said\r"), Units(Settings(), "And God said"));
  // No newline unit in a stream: like words, pieces carry no line breaks.
  TokenizerSettings stream = Settings();
  stream.boundaries = Boundaries::kNone;
  EXPECT_EQ(Units(stream, "And God said", true), Units(Settings(), "And God said"));
}

TEST_F(SentencePieceTest, NormalizationAndFoldingComeFirst) {
  TokenizerSettings folded = Settings();
  folded.case_fold = true;
  EXPECT_EQ(Units(folded, "AND GOD SAID"), Pieces(*model_, "and god said"));
  TokenizerSettings nfc = Settings();
  nfc.normalize = Normalization::kNfc;
  // "e" + COMBINING ACUTE is NFC "é" before SentencePiece sees it.
  EXPECT_EQ(Units(nfc, "cafe\xCC\x81"), Pieces(*model_, "caf\xC3\xA9"));
}

TEST_F(SentencePieceTest, InvalidUtf8FollowsTheInvalidSetting) {
  auto t = Tokenizer::Create(Settings());
  ASSERT_TRUE(t.ok());
  std::vector<std::string_view> views;
  const Status s = (*t)->Tokenize("God \xFF said", true, &views);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*t)->bad_offset(), 4u);
  TokenizerSettings skip = Settings();
  skip.invalid = InvalidUtf8::kSkip;
  EXPECT_EQ(Units(skip, "God \xFF said"), Pieces(*model_, "God  said"));
}

TEST_F(SentencePieceTest, PiecesWithSpacesAreSplitThere) {
  // A model that keeps spaces as they are (escape_whitespaces = false) has
  // pieces such as " " and "in the"; the units are what a word reader makes
  // of spm_encode's output. The trainers refuse that option, so it is set
  // afterwards: a NormalizerSpec (ModelProto field 3) appended to the
  // serialized model is merged into it, and sets escape_whitespaces (its
  // field 5) to false.
  const std::string raw = Train("in the,of the") + std::string("\x1a\x02\x28\x00", 4);
  TokenizerSettings s = Settings();
  s.sp_model = raw;
  const std::string line = "And in the earth of the form, and void";
  const std::vector<std::string> pieces = Pieces(raw, line);
  ASSERT_NE(std::find(pieces.begin(), pieces.end(), "in the"), pieces.end());
  std::string joined_pieces;
  for (const auto& p : pieces) joined_pieces += p + " ";
  std::vector<std::string> expected;
  SplitWords(joined_pieces, [&](std::string_view w) { expected.emplace_back(w); });
  const auto units = Units(s, line);
  EXPECT_EQ(units, expected);
  EXPECT_EQ(std::count(units.begin(), units.end(), "in"), 1);
  for (const auto& u : units) {
    EXPECT_FALSE(u.empty());
    for (char c : u) EXPECT_FALSE(IsAsciiSpace(static_cast<unsigned char>(c))) << u;
  }
}

TEST_F(SentencePieceTest, KeyValuesCarryTheModel) {
  const TokenizerSettings s = Settings();
  const auto kv = s.ToKeyValues();
  ASSERT_EQ(kv.size(), 6u);
  EXPECT_EQ(kv[0], (std::pair<std::string, std::string>("unit", "sentencepiece")));
  EXPECT_EQ(kv[5].first, "sp_model");
  EXPECT_EQ(kv[5].second, *model_);
  auto back = TokenizerSettings::FromKeyValues(kv);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  // Other units have no sp_model key: their files are unchanged.
  EXPECT_EQ(TokenizerSettings().ToKeyValues().size(), 5u);

  // People see the length and CRC-32, not the bytes.
  char crc[16];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32(model_->data(), model_->size()));
  const std::string summary = std::to_string(model_->size()) + ":" + crc;
  EXPECT_EQ(s.ToString(),
            "unit=sentencepiece normalize=none case_fold=0 boundaries=line "
            "invalid=error sp_model=" +
                summary);
  EXPECT_EQ(s.DisplayKeyValues()[5].second, summary);
}

TEST_F(SentencePieceTest, KeyValueErrors) {
  auto missing = TokenizerSettings::FromKeyValues({{"unit", "sentencepiece"}});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("sp_model"), std::string::npos);
  EXPECT_FALSE(
      TokenizerSettings::FromKeyValues({{"unit", "sentencepiece"}, {"sp_model", ""}}).ok());
  auto stray = TokenizerSettings::FromKeyValues({{"unit", "char"}, {"sp_model", *model_}});
  EXPECT_FALSE(stray.ok());
  EXPECT_NE(stray.status().message().find("unit=char"), std::string::npos);
  // Key order does not matter.
  auto reordered =
      TokenizerSettings::FromKeyValues({{"sp_model", *model_}, {"unit", "sentencepiece"}});
  ASSERT_TRUE(reordered.ok());
  EXPECT_EQ(*reordered, Settings());
}

// Splits the ARPA lines of SpModelArpaLines() and returns their base64 text.
std::string ArpaBase64(const std::string& lines, size_t* count) {
  std::string b64;
  *count = 0;
  const std::string prefix = std::string(kArpaSpModelComment) + " ";
  size_t pos = 0;
  while (pos < lines.size()) {
    const size_t nl = lines.find('\n', pos);
    EXPECT_NE(nl, std::string::npos);
    const std::string line = lines.substr(pos, nl - pos);
    EXPECT_EQ(line.substr(0, prefix.size()), prefix);
    EXPECT_LE(line.size() - prefix.size(), 76u);
    b64 += line.substr(prefix.size());
    ++*count;
    pos = nl + 1;
  }
  return b64;
}

std::vector<std::pair<std::string, std::string>> Displayed(const TokenizerSettings& s) {
  return s.DisplayKeyValues();
}

TEST_F(SentencePieceTest, ArpaLinesRoundTrip) {
  EXPECT_EQ(TokenizerSettings().SpModelArpaLines(), "");
  const TokenizerSettings s = Settings();
  size_t count = 0;
  const std::string b64 = ArpaBase64(s.SpModelArpaLines(), &count);
  EXPECT_EQ(count, (b64.size() + 75) / 76);
  EXPECT_EQ(b64.size(), (model_->size() + 2) / 3 * 4);
  auto back = TokenizerSettings::FromArpaKeyValues(Displayed(s), b64);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  // Spaces (as between "# grams-sp-model:" and the text) are ignored.
  auto spaced = TokenizerSettings::FromArpaKeyValues(
      Displayed(s), " " + b64.substr(0, 76) + " " + b64.substr(76));
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_EQ(*spaced, s);

  // Every length modulo 3 (padding), through a settings object that is not
  // a valid model: the base64 layer alone.
  for (const std::string& bytes : {std::string("a"), std::string("ab"), std::string("abc"),
                                   std::string("\x00\xFF\x10\x80", 4)}) {
    TokenizerSettings t = Settings();
    t.sp_model = bytes;
    auto r = TokenizerSettings::FromArpaKeyValues(Displayed(t),
                                                  ArpaBase64(t.SpModelArpaLines(), &count));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->sp_model, bytes);
  }
}

TEST_F(SentencePieceTest, ArpaLineErrors) {
  const TokenizerSettings s = Settings();
  size_t count = 0;
  const std::string b64 = ArpaBase64(s.SpModelArpaLines(), &count);
  const auto kv = Displayed(s);
  // A line lost: the length does not match.
  auto lost = TokenizerSettings::FromArpaKeyValues(kv, b64.substr(76));
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find("corrupt or truncated"), std::string::npos)
      << lost.status().message();
  // One character changed: the CRC does not match.
  std::string changed = b64;
  changed[100] = changed[100] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues(kv, changed).ok());
  // Not base64 at all, or data after the padding.
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues(kv, "not*base64").ok());
  TokenizerSettings two = Settings();
  two.sp_model = "ab";
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues(Displayed(two), "YWI=YWI=").ok());
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues(Displayed(two), "YWI").ok());
  // No model lines, or model lines without the setting.
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues(kv, "").ok());
  EXPECT_FALSE(TokenizerSettings::FromArpaKeyValues({{"unit", "word"}}, b64).ok());
  // Settings without a model need no lines.
  auto plain = TokenizerSettings::FromArpaKeyValues({{"unit", "char"}}, "");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->unit, Unit::kChar);
}

TEST_F(SentencePieceTest, CorruptEmbeddedModelIsAnError) {
  TokenizerSettings s = Settings();
  s.sp_model = "this is not a model";
  auto t = Tokenizer::Create(s);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
  EXPECT_NE(t.status().message().find("SentencePiece model"), std::string::npos);
  s.sp_model.clear();
  EXPECT_FALSE(Tokenizer::Create(s).ok());
}

TEST_F(SentencePieceTest, ReadSentencePieceModel) {
  test::TempDir dir;
  const std::string good = dir.Write("good.model", *model_);
  auto read = ReadSentencePieceModel(good);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, *model_);

  const std::string missing = dir.File("missing.model");
  const std::string empty = dir.Write("empty.model", "");
  const std::string text = dir.Write("text.model", "In the beginning God created the heaven\n");
  const std::string half = dir.Write("half.model", model_->substr(0, model_->size() / 2));
  for (const std::string& path : {missing, empty, text, half}) {
    auto r = ReadSentencePieceModel(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
  EXPECT_NE(ReadSentencePieceModel(text).status().message().find("not a valid SentencePiece model"),
            std::string::npos);
}

TEST_F(SentencePieceTest, FilesCarryTheModel) {
  test::TempDir dir;
  const std::string corpus = dir.Write("corpus.txt",
                                       "And God said , Let there be light\n"
                                       "and there was light .\n"
                                       "And God saw the light , that it was good\n");
  CountOptions options;
  options.order = 3;
  options.tokenizer = Settings();
  auto counts = CountFiles({corpus}, options);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->settings, Settings());
  ASSERT_TRUE(WriteCountsFile(*counts, dir.File("c.counts")).ok());
  auto counts_back = ReadCountsFile(dir.File("c.counts"));
  ASSERT_TRUE(counts_back.ok()) << counts_back.status().ToString();
  EXPECT_EQ(counts_back->settings, Settings());

  auto model = BuildModel(*counts_back, BuildOptions());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE(WriteModelFile(*model, dir.File("m.lm")).ok());
  ASSERT_TRUE(WriteArpa(*model, dir.File("m.arpa")).ok());
  for (const char* name : {"m.lm", "m.arpa"}) {
    auto lm = LanguageModel::Load(dir.File(name));
    ASSERT_TRUE(lm.ok()) << name << ": " << lm.status().ToString();
    EXPECT_EQ((*lm)->settings(), Settings()) << name;
    TextScorer scorer(lm->get());
    TextScorer::LineScore score;
    ASSERT_TRUE(scorer.ScoreLine("And God said , Let there be light", &score).ok()) << name;
    // Scored as pieces, so every unit of a training line is known.
    EXPECT_EQ(score.oovs, 0u) << name;
    EXPECT_EQ(score.words.size(), Pieces(*model_, "And God said , Let there be light").size());
  }
  // The ARPA file holds the model's pieces as plain words.
  const std::string arpa = test::ReadFile(dir.File("m.arpa"));
  EXPECT_NE(arpa.find("# grams-tokenizer: unit=sentencepiece "), std::string::npos);
  EXPECT_NE(arpa.find(kArpaSpModelComment), std::string::npos);
  EXPECT_EQ(arpa.find("# grams-escaped-units:"), std::string::npos);
  EXPECT_NE(arpa.find(std::string(kSpace) + "God"), std::string::npos);
}

}  // namespace
}  // namespace grams
