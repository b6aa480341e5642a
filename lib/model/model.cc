// grams/model.h: the info lookups every Info() accessor shares, the Stupid
// Backoff check, and a model's summary and its description.
#include "grams/model.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace grams {
namespace {

// "0.5 1.25" -> each number with at most 6 significant digits.
std::string Rounded(const std::string& numbers) {
  std::istringstream in(numbers);
  std::string out;
  for (double d; in >> d;) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%.6g", out.empty() ? "" : " ", d);
    out += buf;
  }
  return out;
}

// "smoothing mkn (interpolated)", with the method's parameters and pruning.
std::string DescribeMethod(const ModelSummary& model, const std::string& smoothing) {
  std::string line = "smoothing " + smoothing;
  if (smoothing == "mkn" && model.Info("form").empty()) line += " (interpolated)";
  if (!model.Info("form").empty()) line += " (" + model.Info("form") + ")";
  if (!model.Info("add_k").empty()) line += ", k = " + Rounded(model.Info("add_k"));
  if (!model.Info("stupid_alpha").empty())
    line += ", alpha = " + Rounded(model.Info("stupid_alpha"));
  if (!model.Info("prune").empty()) line += ", count pruning " + model.Info("prune");
  if (!model.Info("prune_entropy").empty())
    line += ", entropy pruning " + Rounded(model.Info("prune_entropy"));
  return line;
}

// "order n: N n-grams (of M), discounts ..."
std::string DescribeOrder(const ModelSummary& model, const std::string& smoothing, int n) {
  const std::string suffix = std::string(".").append(std::to_string(n));
  std::string line =
      "order " + std::to_string(n) + ": " + std::to_string(model.ngram_counts[n - 1]) + " n-grams";
  if (!model.Info("counted" + suffix).empty())
    line += " (of " + model.Info("counted" + suffix) + ")";
  if (!model.Info("gt_min" + suffix).empty()) {
    line +=
        ", gt-min " + model.Info("gt_min" + suffix) + ", gt-max " + model.Info("gt_max" + suffix);
  }
  const std::string d = model.Info("discounts" + suffix);
  if (!d.empty()) {
    if (smoothing == "mkn") {
      line += ", discounts D1 D2 D3+ = " + Rounded(d);
    } else if (smoothing == "katz") {
      line += ", discounts d1.. = " + Rounded(d);
    } else {
      line += ", discount D = " + Rounded(d);
    }
  }
  return line;
}

}  // namespace

std::string InfoValue(const ModelInfo& info, std::string_view key) {
  for (const auto& [k, v] : info)
    if (k == key) return v;
  return "";
}

bool IsProperDistribution(const ModelInfo& info) {
  return InfoValue(info, "smoothing") != "stupid";
}

bool IsProperDistribution(const Model& model) { return IsProperDistribution(model.info); }

float StupidLogAlpha(const ModelInfo& info, float bos_backoff) {
  if (IsProperDistribution(info)) return 0.0f;
  const std::string a = InfoValue(info, "stupid_alpha");
  char* end = nullptr;
  const double alpha = a.empty() ? 0.0 : std::strtod(a.c_str(), &end);
  return alpha > 0 && std::isfinite(alpha) && end && *end == '\0'
             ? static_cast<float>(std::log10(alpha))
             : bos_backoff;
}

std::string Model::Info(const std::string& key) const { return InfoValue(info, key); }

std::string ModelSummary::Info(const std::string& key) const { return InfoValue(info, key); }

ModelSummary Summarize(const Model& model) {
  ModelSummary s;
  for (const TrieLevel& level : model.trie.levels) s.ngram_counts.push_back(level.size());
  s.info = model.info;
  return s;
}

std::vector<std::string> DescribeModel(const ModelSummary& summary) {
  std::vector<std::string> lines;
  const std::string smoothing = summary.Info("smoothing");
  if (!smoothing.empty()) lines.push_back(DescribeMethod(summary, smoothing));
  for (int n = 1; n <= summary.order(); ++n) lines.push_back(DescribeOrder(summary, smoothing, n));
  return lines;
}

}  // namespace grams
