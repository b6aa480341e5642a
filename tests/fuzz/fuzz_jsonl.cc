// Fuzz target: the JSON Lines reader of grams-score --jsonl (ScoreJsonlLine,
// lib/query/jsonl.h, and ScoreJsonl around it) on arbitrary bytes. Nothing
// may crash, hang or read out of bounds; a line is either a document, whose
// object written back parses as the same object plus its scores, or an
// InvalidArgument naming what is wrong; and ScoreJsonl gives the same bytes
// and the same verdict on one thread and on three.
//
// Input: one options byte, then the lines.
//   bit 0  the field is "t" instead of "text"
//   bit 1  no <s> (fragments); bit 2  no </s>
//   bit 3  a character model instead of a word model
//   bit 4  skip bad lines (ScoreJsonl)
//   bit 5  also run ScoreJsonl on 1 and 3 threads and compare
// Built with -fsanitize=fuzzer under GRAMS_FUZZ=ON (clang), and always as a
// replay driver (jsonl_replay.cc), which ctest runs.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_files.h"
#include "grams/build.h"
#include "grams/counts.h"
#include "grams/documents.h"
#include "query/jsonl.h"

namespace {

using grams::fuzz::MemoryFile;

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz_jsonl: %s\n", why);
  std::abort();
}

const grams::LanguageModel& Model(bool chars) {
  static std::unique_ptr<grams::LanguageModel> models[2];
  auto& m = models[chars ? 1 : 0];
  if (!m) {
    grams::CountOptions options;
    options.order = 3;
    options.tokenizer.unit = chars ? grams::Unit::kChar : grams::Unit::kWord;
    grams::Counter counter(options);
    for (const char* line : {"the cat sat on the mat\n", "the dog sat on the log\n",
                             "na\xc3\xafve caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87\n"}) {
      if (!counter.AddLine(line).ok()) Die("counting");
    }
    auto counts = counter.Finish();
    if (!counts.ok()) Die("counts");
    auto model = grams::BuildModel(*counts, grams::BuildOptions());
    if (!model.ok()) Die("model");
    auto lm = grams::LanguageModel::Create(*model);
    if (!lm.ok()) Die("language model");
    m = std::move(lm).value();
  }
  return *m;
}

// The bytes in a memory file, named by its /proc path.
void CheckLine(std::string_view line, const std::string& field, grams::TextScorer* scorer) {
  grams::DocumentScore doc;
  std::string out;
  grams::Status s = grams::query::ScoreJsonlLine(line, 0, field, scorer, &doc, &out);
  if (!s.ok()) {
    if (s.code() != grams::StatusCode::kInvalidArgument || s.message().empty()) Die("bad status");
    return;
  }
  using Json = nlohmann::ordered_json;
  // What nlohmann keeps of the line: numbers in a canonical form (an
  // integer beyond 64 bits becomes a double).
  const Json parsed = Json::parse(line.begin(), line.end(), nullptr, false);
  const Json in = Json::parse(parsed.dump(-1, ' ', false, Json::error_handler_t::replace));
  const Json back = Json::parse(out, nullptr, false);
  if (!in.is_object() || !back.is_object()) Die("a document that is not an object");
  if (!back.contains("log10prob") || !back.contains("tokens") || !back.contains("oovs") ||
      !back.contains("perplexity")) {
    Die("score members missing");
  }
  for (const auto& [key, value] : in.items()) {
    if (key == "log10prob" || key == "tokens" || key == "oovs" || key == "perplexity") continue;
    if (!back.contains(key) || back[key] != value) Die("a member changed");
  }
  if (back["tokens"].get<uint64_t>() != doc.tokens || doc.oovs > doc.tokens) Die("counts");
  const std::string& text = in[field].get_ref<const std::string&>();
  uint64_t lines = 1;
  for (char c : text) lines += c == '\n';
  if (doc.sentences != lines) Die("sentences");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string field = mode & 1 ? "t" : "text";
  grams::SentenceOptions sentence;
  sentence.bos = !(mode & 2);
  sentence.eos = !(mode & 4);
  const grams::LanguageModel& lm = Model(mode & 8);
  grams::TextScorer scorer(&lm, sentence);
  for (size_t begin = 0; begin <= input.size();) {
    size_t end = input.find('\n', begin);
    if (end == std::string_view::npos) end = input.size();
    CheckLine(input.substr(begin, end - begin), field, &scorer);
    begin = end + 1;
  }
  if (!(mode & 32)) return 0;
  MemoryFile file(input);
  if (!file.ok()) return 0;
  grams::JsonlOptions jsonl;
  jsonl.field = field;
  jsonl.skip_bad_lines = mode & 16;
  std::string outputs[2];
  grams::Status statuses[2];
  grams::JsonlStats stats[2];
  for (int k = 0; k < 2; ++k) {
    grams::ScoreTextOptions options;
    options.threads = k == 0 ? 1 : 3;
    options.sentence = sentence;
    statuses[k] = grams::ScoreJsonl(
        lm, {file.path()}, options, jsonl,
        [](const grams::DocumentScore& d, std::string* o) {
          o->append(d.with_scores);
          o->push_back('\n');
        },
        [&](std::string_view t) {
          outputs[k].append(t);
          return true;
        },
        &stats[k]);
  }
  if (outputs[0] != outputs[1] || statuses[0].message() != statuses[1].message() ||
      stats[0].skipped != stats[1].skipped || stats[0].documents != stats[1].documents) {
    Die("one thread and three differ");
  }
  return 0;
}
