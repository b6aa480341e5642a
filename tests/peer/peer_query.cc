// grams_peer_query MODEL: the State API queries of the peer tests
// (tests/peer/check.py). Reads lines "null|bos W1 ... Wn" on standard input
// and writes, per line, the log10 score of each word scored left to right from
// the null context ("null") or the begin-sentence state ("bos"), TAB-separated,
// then the sum, then (for "null") the sum of the same words through ScoreSpan.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "grams/language_model.h"
#include "grams/scorer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: grams_peer_query MODEL < queries\n");
    return 2;
  }
  auto loaded = grams::LanguageModel::Load(argv[1]);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const grams::LanguageModel& lm = **loaded;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string start, word;
    in >> start;
    std::vector<grams::WordId> ids;
    while (in >> word) ids.push_back(lm.Index(word));
    grams::State state = start == "bos" ? lm.BeginSentenceState() : lm.NullContextState();
    double sum = 0;
    for (grams::WordId id : ids) {
      grams::State next;
      const float p = lm.Score(state, id, &next);
      std::printf("%.9g\t", p);
      sum += p;
      state = next;
    }
    std::printf("%.9g", sum);
    if (start == "null") {
      std::vector<float> span(ids.size());
      lm.ScoreSpan(ids.data(), ids.size(), span.data());
      double total = 0;
      for (float p : span) total += p;
      std::printf("\t%.9g", total);
    }
    std::printf("\n");
  }
  return 0;
}
