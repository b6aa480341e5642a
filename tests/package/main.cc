// A program outside the grams tree, built against an installed grams by
// tests/cli/install.sh, through the public headers only:
//
//   package_demo TRAIN TEST
//
// counts the 1- to 3-grams of the lines of TRAIN, estimates a Witten-Bell
// model, and scores each line of TEST, printing "log10prob<TAB>tokens<TAB>oovs"
// as grams-score does (so the test can compare the two).
#include <cstdio>
#include <fstream>
#include <string>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/language_model.h"
#include "grams/scorer.h"
#include "grams/version.h"

namespace {

int Fail(const grams::Status& s) {
  std::fprintf(stderr, "package_demo: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: package_demo TRAIN TEST (grams %s)\n", GRAMS_VERSION_STRING);
    return 2;
  }
  grams::CountOptions count_options;
  count_options.order = 3;
  grams::Counter counter(count_options);
  std::ifstream train(argv[1]);
  for (std::string line; std::getline(train, line);) {
    if (grams::Status s = counter.AddLine(line, argv[1]); !s.ok()) return Fail(s);
  }
  auto counts = counter.Finish();
  if (!counts.ok()) return Fail(counts.status());

  grams::BuildOptions build_options;
  build_options.smoothing = grams::Smoothing::kWittenBell;
  auto model = grams::BuildModel(*counts, build_options);
  if (!model.ok()) return Fail(model.status());
  auto lm = grams::LanguageModel::Create(*model);
  if (!lm.ok()) return Fail(lm.status());

  grams::TextScorer scorer(lm->get());
  grams::TextScorer::LineScore score;
  std::ifstream test(argv[2]);
  for (std::string line; std::getline(test, line);) {
    if (grams::Status s = scorer.ScoreLine(line, &score); !s.ok()) return Fail(s);
    std::printf("%.6f\t%llu\t%llu\n", score.log10_prob,
                static_cast<unsigned long long>(score.tokens),
                static_cast<unsigned long long>(score.oovs));
  }
  return 0;
}
