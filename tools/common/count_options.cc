// grams-count's options: see count_options.h.
#include "common/count_options.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <system_error>

#include "grams/files.h"
#include "grams/settings.h"
#include "grams/types.h"

namespace grams::cli {
namespace {

// --unit, --normalize, --case-fold, --boundaries, --invalid into *t.
int ParseTokenizerOptions(const CommandLine& cl, TokenizerSettings* t) {
  auto unit = ParseUnit(cl.Get<std::string>("unit"));
  if (!unit.ok()) return UsageError("--unit: " + unit.status().message());
  t->unit = unit.value();
  auto normalize = ParseNormalization(cl.Get<std::string>("normalize"));
  if (!normalize.ok()) return UsageError("--normalize: " + normalize.status().message());
  t->normalize = normalize.value();
  t->case_fold = cl.Has("case-fold");
  auto boundaries = ParseBoundaries(cl.Get<std::string>("boundaries"));
  if (!boundaries.ok()) return UsageError("--boundaries: " + boundaries.status().message());
  t->boundaries = boundaries.value();
  auto invalid = ParseInvalidUtf8(cl.Get<std::string>("invalid"));
  if (!invalid.ok()) return UsageError("--invalid: " + invalid.status().message());
  t->invalid = invalid.value();
  return kContinue;
}

// "3", "2,3", "1-3" or a mix ("1,3-5") into the orders, ascending.
StatusOr<std::vector<int>> ParseOrderList(const std::string& text) {
  std::vector<int> orders;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const size_t dash = item.find('-');
    int lo = 0, hi = 0;
    auto number = [](const std::string& s, int* v) {
      auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
      return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size() && *v >= 1 &&
             *v <= 255;
    };
    const bool ok = dash == std::string::npos
                        ? number(item, &lo) && (hi = lo, true)
                        : number(item.substr(0, dash), &lo) && number(item.substr(dash + 1), &hi);
    if (!ok || lo > hi) {
      return InvalidArgument("'" + item + "' is not an order (1..255) or a range like 1-3");
    }
    for (int n = lo; n <= hi; ++n) orders.push_back(n);
    at = comma + 1;
  }
  return orders;
}

// --merge-list FILE: one path a line ("-": the list is standard input);
// blank lines are skipped, a carriage return before a line end dropped.
int ReadPathList(const std::string& list, std::vector<std::string>* paths) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (list != "-") {
    file.open(list);
    if (!file)
      return ReportError(list + ": cannot open the list of counts files (" + std::strerror(errno) +
                         ")");
    in = &file;
  }
  std::string line;
  const size_t before = paths->size();
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line == "-" && list == "-") {
      return UsageError("--merge-list -: the list is standard input, so no file listed may be");
    }
    paths->push_back(line);
  }
  if (in->bad()) return ReportError(list + ": cannot read the list of counts files");
  if (paths->size() == before) return UsageError("--merge-list " + list + ": no files listed");
  return kContinue;
}

// --partition I/K, 1 <= I <= K.
int ParsePartition(const std::string& text, MergeSlice* slice) {
  const size_t slash = text.find('/');
  auto number = [](std::string_view s, int* v) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  std::string_view t(text);
  if (slash == std::string::npos || !number(t.substr(0, slash), &slice->index) ||
      !number(t.substr(slash + 1), &slice->count) || slice->count < 1 || slice->count > 65536 ||
      slice->index < 1 || slice->index > slice->count) {
    return UsageError("--partition takes I/K, slice I of K (1 <= I <= K <= 65536), not '" + text +
                      "'");
  }
  return kContinue;
}

// --text, --min-count, --top, -o and the inputs (--merge checked too).
int ParseOutputOptions(const CommandLine& cl, CountJob* job) {
  job->text = cl.Has("text");
  for (const char* opt : {"min-count", "top", "orders", "drop-sentence-marks"}) {
    if (cl.Has(opt) && !job->text) {
      return UsageError(std::string("--") + opt +
                        " applies to --text output only (grams-build needs all counts)");
    }
  }
  const int64_t min_count = cl.Has("min-count") ? cl.Get<int64_t>("min-count") : 0;
  if (min_count < 0) return UsageError("--min-count must not be negative");
  const int64_t top = cl.Has("top") ? cl.Get<int64_t>("top") : 0;
  if (cl.Has("top") && top < 1) return UsageError("--top must be at least 1");
  // --min-count N (even 1) asks for the key gram list, sorted by count.
  job->listing.min_count =
      static_cast<Count>(cl.Has("min-count") ? std::max<int64_t>(min_count, 1) : 0);
  job->listing.top = static_cast<size_t>(top);
  if (cl.Has("orders")) {
    auto orders = ParseOrderList(cl.Get<std::string>("orders"));
    if (!orders.ok()) return UsageError("--orders: " + orders.status().message());
    job->listing.orders = orders.value();
  }
  job->listing.skip_boundaries = cl.Has("drop-sentence-marks");
  job->output = cl.Has("output") ? cl.Get<std::string>("output") : "-";
  if (job->output.empty()) return UsageError("-o needs a file name ('-' for standard output)");
  if (!job->text && job->output == "-" && StdoutIsTerminal()) {
    return UsageError(
        "refusing to write a binary counts file to a terminal; use -o FILE or --text");
  }
  job->inputs = cl.Positional("input");
  job->join = cl.Has("join");
  job->merge = cl.Has("merge") || (cl.Has("merge-list") && !job->join);
  job->from_text = cl.Has("from-text");
  if (job->merge && job->from_text) {
    return UsageError("--merge reads counts files, --from-text counts text: give one of them");
  }
  if (job->join && (cl.Has("merge") || job->from_text || cl.Has("partition"))) {
    return UsageError(
        "--join reads the slices of a partitioned merge: --merge, --partition and "
        "--from-text do not go with it");
  }
  if (cl.Has("partition")) {
    if (!job->merge) return UsageError("--partition applies to --merge");
    if (int rc = ParsePartition(cl.Get<std::string>("partition"), &job->slice); rc != kContinue)
      return rc;
  }
  if ((job->join || cl.Has("partition")) && job->text) {
    return UsageError(std::string(job->join ? "--join" : "--partition") +
                      " writes a binary counts file: --text does not go with it");
  }
  if (cl.Has("merge-list")) {
    if (int rc = ReadPathList(cl.Get<std::string>("merge-list"), &job->inputs); rc != kContinue)
      return rc;
  }
  const bool listed = !job->inputs.empty();
  if (job->inputs.empty()) job->inputs.push_back("-");
  if (job->join && !listed) return UsageError("--join needs the slices to join");
  if (job->merge || job->join) {
    for (const char* opt :
         {"order", "unit", "normalize", "case-fold", "boundaries", "invalid", "sp-model"}) {
      if (cl.Has(opt)) {
        return UsageError(std::string("--") + opt + " cannot be given with " +
                          (job->join ? "--join" : "--merge") +
                          ": the counts files carry their own");
      }
    }
    if (!listed) return UsageError("--merge needs the counts files to merge");
  }
  return kContinue;
}

// --sp-model: read the SentencePiece model, which then travels in the files.
int ParseSentencePieceOption(const CommandLine& cl, TokenizerSettings* t) {
  if ((t->unit == Unit::kSentencePiece) != cl.Has("sp-model")) {
    return UsageError(cl.Has("sp-model") ? "--sp-model applies to --unit sentencepiece only"
                                         : "--unit sentencepiece needs --sp-model FILE");
  }
  if (cl.Has("sp-model")) {
    auto sp_model = ReadSentencePieceModel(cl.Get<std::string>("sp-model"));
    if (!sp_model.ok()) return ReportError(sp_model.status());
    t->sp_model = std::move(sp_model).value();
  }
  return kContinue;
}

// --shared-vocab FILE: a counts file whose vocabulary numbers the words
// (CountOptions::shared_vocab reads and checks it).
int ParseSharedVocab(const CommandLine& cl, CountOptions* options) {
  if (cl.Has("shared-vocab")) options->shared_vocab = cl.Get<std::string>("shared-vocab");
  if (cl.Has("shared-vocab") && options->shared_vocab.empty()) {
    return UsageError("--shared-vocab needs a counts file");
  }
  return kContinue;
}

}  // namespace

int ParseTokenizerSettings(const CommandLine& cl, TokenizerSettings* t) {
  if (int rc = ParseTokenizerOptions(cl, t); rc != kContinue) return rc;
  return ParseSentencePieceOption(cl, t);
}

// A table of declarations, hence its length.
void AddCountOptions(CommandLine* cl) {
  // clang-format off
  cl->options().add_options()
      ("order", po::value<int>()->default_value(3)->value_name("N"),
       "highest n-gram order to count, 1..255")
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "write to FILE ('-' = standard output); by default standard output, "
       "which must not be a terminal unless --text is given")
      ("unit", po::value<std::string>()->default_value("word")->value_name("UNIT"),
       "word (split at ASCII whitespace), byte, char (Unicode code point), grapheme "
       "(extended grapheme cluster), segment (ICU word segmentation, for Chinese, "
       "Japanese, Thai...; whitespace dropped, punctuation kept) or sentencepiece (the "
       "pieces of the --sp-model model, as spm_encode writes them)")
      ("sp-model", po::value<std::string>()->value_name("FILE"),
       "with --unit sentencepiece: the SentencePiece model (spm_train's FILE.model); it is "
       "recorded in the counts and the model, so scoring needs no other file")
      ("normalize", po::value<std::string>()->default_value("none")->value_name("FORM"),
       "Unicode normalization before segmentation: none, nfc or nfkc")
      ("case-fold", "fold case (Unicode full case folding) before segmentation")
      ("boundaries", po::value<std::string>()->default_value("line")->value_name("MODE"),
       "line: each line is a sentence in <s> ... </s>; none: the input is one stream "
       "whose windows slide across lines, the newline being a unit of its own")
      ("invalid", po::value<std::string>()->default_value("error")->value_name("ACTION"),
       "invalid UTF-8 with a Unicode unit (char, grapheme, segment, sentencepiece, or with "
       "--normalize/--case-fold): error (name file, line and byte offset), replace "
       "(with U+FFFD) or skip")
      ("skip-markers", "skip <s> and </s> found in the text, as if they were whitespace "
                       "(lmplz's --skip_symbols); without it they are an error")
      ("text", "write \"w1 ... wn<TAB>count\" lines instead of a binary counts file "
               "(non-word units holding bytes below 0x21 or 0x7F, or bytes that are not "
               "UTF-8, are written escaped: <0x0A>, <sp>, <0xFF>)")
      ("min-count", po::value<int64_t>()->value_name("N"),
       "with --text: the key gram list: only n-grams seen at least N times, most "
       "frequent first in each order")
      ("quiet,q", "show no progress nor summary (by default both are shown when stderr is a terminal)")
      ("verbose,v", "print each stage's time and the peak memory to stderr")
      ("threads,j", po::value<int>()->default_value(0)->value_name("N"),
       "counting threads (0 = one per core); the output is the same for any N")
      ("memory,S", po::value<std::string>()->default_value("80%")->value_name("SIZE"),
       "memory budget for counting and sorting, e.g. 200M, 2G or 50% of the physical "
       "memory; beyond it sorted runs spill to the temporary directory (the output is the "
       "same)")
      ("temp-dir,T", po::value<std::string>()->value_name("DIR"),
       "directory for spilled runs (default: $TMPDIR, else /tmp); they are removed however "
       "grams-count ends")
      ("merge", "FILE... are counts files (same order and tokenization) to add together "
                "into one, as if their texts had been counted at once")
      ("merge-list", po::value<std::string>()->value_name("FILE"),
       "read the counts files to merge (or with --join the slices) from FILE, one path a "
       "line ('-' = standard input), after any FILE... given; implies --merge")
      ("shared-vocab", po::value<std::string>()->value_name("FILE"),
       "number the words as the counts file FILE does (the same tokenization; every word "
       "of the text must be in it): shards of a corpus counted with the vocabulary of the "
       "whole (grams-count --order 1 of it, or the merge of the shards' order-1 counts) "
       "merge by the trie merge, without renumbering or sorting. With --merge: number the "
       "merged words so too, so that a merge of some of the shards merges again with the "
       "rest by the trie merge")
      ("partition", po::value<std::string>()->value_name("I/K"),
       "with --merge: write slice I of K (1..K) of the merge, the n-grams of the I-th of K "
       "ranges of first words (the same cut in every reducer); --join puts the K slices "
       "together. Each counts file is read twice, so none may be standard input")
      ("join", "FILE... are the K slices of a partitioned merge (any order): write the whole "
               "counts file, the same bytes as the merge without --partition")
      ("top", po::value<int64_t>()->value_name("K"),
       "with --text: the key gram list: the K most frequent n-grams of each order, "
       "most frequent first")
      ("orders", po::value<std::string>()->value_name("LIST"),
       "with --text: list only these orders, e.g. 3, 2,3 or 1-3")
      ("drop-sentence-marks", "with --text: leave out the n-grams holding <s> or </s>")
      ("from-text", "FILE... are counts text (\"w1 ... wn<TAB>count\" lines, as --text writes "
                    "them or SRILM's ngram-count -write; any order; repeated n-grams add up) to "
                    "turn back into a counts file. The counts are taken as given: every "
                    "n-gram's prefix and suffix must be listed. The unit options say what the "
                    "units are (word by default; non-word units are unescaped); --order N "
                    "skips lines above order N");
  // clang-format on
  cl->AddPositional("input", -1);
  cl->set_epilog(
      "Examples:\n"
      "  grams-count --order 5 -o corpus.counts corpus.txt\n"
      "  grams-count --order 5 corpus.txt.zst | grams-build -o corpus.lm\n"
      "  grams-count --order 2 --text --min-count 10 corpus.txt\n"
      "  grams-count --unit char --order 3 --top 300 --text doc.txt   # a character-trigram "
      "profile\n"
      "  grams-count --order 3 --text --top 20 --orders 3 --drop-sentence-marks corpus.txt\n"
      "  grams-count --unit byte --boundaries none --order 4 -o bytes.counts file.bin\n"
      "  grams-count --merge part1.counts part2.counts -o all.counts\n"
      "  grams-count --merge-list shards.txt -S 2G -o all.counts\n"
      "  grams-count --order 5 --shared-vocab vocab.counts shard07.txt -o shard07.counts\n"
      "  grams-count --merge --partition 2/4 shard-*.counts -o slice2.counts   # one of 4 "
      "reducers\n"
      "  grams-count --join slice1.counts slice2.counts slice3.counts slice4.counts -o "
      "all.counts\n"
      "  grams-count --order 3 --text corpus.txt | grep -vw lorem | grams-count --from-text -o "
      "edited.counts\n");
}

int ParseCountOptions(const CommandLine& cl, CountJob* job) {
  CountOptions& options = job->options;
  options.order = cl.Get<int>("order");
  job->order_given = cl.Has("order");
  options.skip_markers = cl.Has("skip-markers");
  options.threads = cl.Get<int>("threads");
  if (options.threads < 0 || options.threads > 64)
    return UsageError("--threads must be between 0 and 64");
  if (int rc = ParseMemoryOptions(cl, &options.memory, &options.temp_dir); rc != kContinue)
    return rc;
  if (options.order < 1 || options.order > kMaxOrder) {
    return UsageError("--order must be between 1 and " + std::to_string(kMaxOrder) + ", not " +
                      std::to_string(options.order));
  }
  if (int rc = ParseTokenizerOptions(cl, &options.tokenizer); rc != kContinue) return rc;
  if (int rc = ParseOutputOptions(cl, job); rc != kContinue) return rc;
  if (cl.Has("shared-vocab") && (job->join || job->from_text || cl.Has("partition"))) {
    return UsageError(
        "--shared-vocab applies to counting text and to --merge, not to --join, --partition "
        "or --from-text");
  }
  if (int rc = ParseSharedVocab(cl, &options); rc != kContinue) return rc;
  if (job->merge || job->join) return kContinue;  // the counts files carry their own model
  return ParseSentencePieceOption(cl, &options.tokenizer);
}

}  // namespace grams::cli
