// Fuzz target: the tokenizer under every unit (word, byte, char, grapheme,
// segment, and sentencepiece with a model trained here once, in memory),
// every --invalid mode, normalization, case folding and both boundaries, as
// the counter and the scorer use it. The
// text is counted (CountFiles, as grams-count), a model is built from the
// counts (BuildModel) and the same text is scored with it (ScoreText, as
// grams-perplexity). Nothing may crash, hang or read out of bounds, and:
//   - counting fails only with InvalidArgument naming the file; then
//     scoring with a model of the same settings fails too (the two read
//     text alike);
//   - otherwise the scorer sees exactly the tokens and sentences the
//     counter counted, none of them out of the vocabulary, and every token's
//     log10 probability is a number <= 0.
//
// Input: two mode bytes, then the text.
//   byte 0  bits 0-2: unit (word, byte, char, grapheme, segment,
//           sentencepiece; 6-7 as 0-1); bits 3-4: invalid UTF-8 (error,
//           replace, skip; 3 as replace); bit 5: boundaries=none; bit 6:
//           case folding
//   byte 1  bits 0-1: normalization (none, nfc, nfkc; 3 as none); bits 2-3:
//           the order - 1 (1-3; 3 as 2); bit 4: Witten-Bell instead of
//           modified Kneser-Ney; bit 5: score on 2 threads
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (tokenizer_replay.cc), which ctest runs.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sentencepiece_trainer.h>

#include "fuzz_files.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/language_model.h"
#include "grams/scorer.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_tokenizer: %s\n", why);
  std::abort();
}

const std::string& Dir() { return grams::fuzz::ScratchDir("tokenizer"); }

// SentencePiece's trainer reads its text from this: `count` lines of a
// few words each, of Latin, Greek and CJK letters and digits, made from a
// fixed sequence so that the model is the same on every run.
class SampleLines : public sentencepiece::SentenceIterator {
 public:
  explicit SampleLines(int count) : left_(count) { Make(); }
  bool done() const override { return left_ <= 0; }
  void Next() override {
    --left_;
    Make();
  }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void Make() {
    static const char* const kWords[] = {"the",
                                         "cat",
                                         "sat",
                                         "on",
                                         "mat",
                                         "and",
                                         "dog",
                                         "ran",
                                         "caf\xc3\xa9",
                                         "stra\xc3\x9f\x65",  // strasse, with a sharp s
                                         "\xce\xb1\xce\xb2\xce\xb3",
                                         "\xe4\xbd\xa0\xe5\xa5\xbd",
                                         "42",
                                         "don't",
                                         "3.14",
                                         "!?"};
    line_.clear();
    for (int w = 0; w < 6; ++w) {
      state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
      if (w) line_ += ' ';
      line_ += kWords[(state_ >> 33) % std::size(kWords)];
    }
  }
  int left_;
  uint64_t state_ = 1;
  std::string line_;
};

// The sentencepiece unit's model: trained once, on SampleLines.
const std::string& SpModel() {
  static const std::string* model = [] {
    SampleLines lines(400);
    const std::unordered_map<std::string, std::string> args = {{"vocab_size", "40"},
                                                               {"model_type", "unigram"},
                                                               {"hard_vocab_limit", "false"},
                                                               {"num_threads", "1"},
                                                               {"minloglevel", "2"}};
    auto* bytes = new std::string;
    if (!sentencepiece::SentencePieceTrainer::Train(args, &lines, bytes).ok()) {
      Die("cannot train the sentencepiece model");
    }
    return bytes;
  }();
  return *model;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  // Compressed input is decompressed by both readers alike; a small frame
  // can claim gigabytes of text, which is not what this target is about.
  for (std::string_view magic : {std::string_view("\x1f\x8b"), std::string_view("BZh"),
                                 std::string_view("\xfd"
                                                  "7zXZ"),
                                 std::string_view("\x28\xb5\x2f\xfd")}) {
    if (StartsWith(text, magic)) return 0;
  }
  grams::TokenizerSettings settings;
  static constexpr grams::Unit kUnits[] = {grams::Unit::kWord,    grams::Unit::kByte,
                                           grams::Unit::kChar,    grams::Unit::kGrapheme,
                                           grams::Unit::kSegment, grams::Unit::kSentencePiece};
  static constexpr grams::InvalidUtf8 kInvalid[] = {
      grams::InvalidUtf8::kError, grams::InvalidUtf8::kReplace, grams::InvalidUtf8::kSkip,
      grams::InvalidUtf8::kReplace};
  static constexpr grams::Normalization kNormalize[] = {
      grams::Normalization::kNone, grams::Normalization::kNfc, grams::Normalization::kNfkc,
      grams::Normalization::kNone};
  settings.unit = kUnits[(data[0] & 7) % 6];
  if (settings.unit == grams::Unit::kSentencePiece) settings.sp_model = SpModel();
  settings.invalid = kInvalid[(data[0] >> 3) & 3];
  settings.boundaries = (data[0] & 32) ? grams::Boundaries::kNone : grams::Boundaries::kLine;
  settings.case_fold = (data[0] & 64) != 0;
  settings.normalize = kNormalize[data[1] & 3];
  const int order = 1 + std::min((data[1] >> 2) & 3, 2);

  const std::string path = Dir() + "/in.txt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  grams::CountOptions count;
  count.order = order;
  count.tokenizer = settings;
  count.threads = 1;
  auto counts = grams::CountFiles({path}, count);

  grams::BuildOptions build;
  build.smoothing =
      (data[1] & 16) ? grams::Smoothing::kWittenBell : grams::Smoothing::kModifiedKneserNey;
  grams::ScoreTextOptions score;
  score.end_stream = true;
  score.threads = (data[1] & 32) ? 2 : 1;

  if (!counts.ok()) {
    if (counts.status().code() != grams::StatusCode::kInvalidArgument) Die("not InvalidArgument");
    if (counts.status().message().find(path) == std::string::npos) Die("error lacks the file");
    // A model of the same settings (from other text) must refuse the text too.
    const std::string other = Dir() + "/other.txt";
    {
      std::ofstream out(other, std::ios::binary | std::ios::trunc);
      out << "a b c\nb c a\n";
    }
    auto other_counts = grams::CountFiles({other}, count);
    if (!other_counts.ok()) Die("cannot count plain text");
    auto model = grams::BuildModel(*other_counts, build);
    if (!model.ok()) Die("cannot build a model of plain text");
    auto lm = grams::LanguageModel::Create(*model);
    if (!lm.ok()) Die("cannot load a model of plain text");
    grams::Status s = grams::ScoreText(**lm, {path}, score,
                                       [](const grams::TextScorer::LineScore&) { return true; });
    if (s.ok()) Die("the counter refused the text, the scorer took it");
    return 0;
  }

  auto model = grams::BuildModel(*counts, build);
  // Text of no units (empty, or blanks only) has nothing to estimate from.
  if (!model.ok() && counts->vocab.size() <= 3) return 0;
  if (!model.ok()) {
    std::fprintf(stderr, "fuzz_tokenizer: BuildModel failed on counts of text: %s\n",
                 model.status().ToString().c_str());
    std::abort();
  }
  auto lm = grams::LanguageModel::Create(*model);
  if (!lm.ok()) Die("LanguageModel::Create failed on a model just built");
  uint64_t tokens = 0, sentences = 0;
  grams::Status s =
      grams::ScoreText(**lm, {path}, score, [&](const grams::TextScorer::LineScore& line) {
        if (line.token_log10.size() != line.tokens) Die("a line's tokens and scores differ");
        for (size_t i = 0; i < line.tokens; ++i) {
          const float p = line.token_log10[i];
          if (std::isnan(p) || p > 0) Die("a log10 probability above 0 or nan");
          if (line.token_oov[i]) Die("a unit of the counted text is out of the vocabulary");
        }
        tokens += line.tokens;
        if (line.has_end) ++sentences;
        return true;
      });
  if (!s.ok()) Die("the counter took the text, the scorer refused it");
  if (tokens != counts->tokens) {
    std::fprintf(stderr, "fuzz_tokenizer: %llu tokens scored, %llu counted\n",
                 static_cast<unsigned long long>(tokens),
                 static_cast<unsigned long long>(counts->tokens));
    std::abort();
  }
  if (settings.boundaries == grams::Boundaries::kLine && sentences != counts->sentences) {
    Die("the scorer's sentences are not the counter's");
  }
  return 0;
}
