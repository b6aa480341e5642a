// SplitWords (8 bytes at a time) finds the tokens a byte-at-a-time split on
// KenLM's separators finds, for every byte value, every alignment and every
// token length around the 8-byte steps.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tokenize/tokenizer.h"

namespace grams {
namespace {

std::vector<std::string> ByteByByte(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (IsAsciiSpace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> Split(std::string_view line) {
  std::vector<std::string> out;
  SplitWords(line, [&](std::string_view t) {
    // Views into the line itself, never outside it.
    EXPECT_GE(t.data(), line.data());
    EXPECT_LE(t.data() + t.size(), line.data() + line.size());
    out.emplace_back(t);
  });
  return out;
}

TEST(SplitWordsTest, EqualsTheByteByByteSplit) {
  std::mt19937_64 rng(7);
  // Separators, the other bytes below 0x21, bytes above 0x7f, and letters.
  const std::string alphabet =
      std::string(" \t\n\v\f\r\x01\x1f\x20\x21\x7f\x80\xc3\xa9\xff", 15) + "abcdefgh";
  std::string buffer;
  for (int round = 0; round < 20000; ++round) {
    const size_t n = rng() % 40;
    std::string line;
    const bool runs = rng() % 2;  // long tokens, or any mix
    for (size_t i = 0; i < n; ++i) {
      line += runs && rng() % 8 ? 'x' : alphabet[rng() % alphabet.size()];
    }
    // At every alignment, and with no byte after the line it could read.
    const size_t shift = rng() % 8;
    buffer.assign(shift, 'q');
    buffer += line;
    const std::string_view view(buffer.data() + shift, line.size());
    ASSERT_EQ(ByteByByte(view), Split(view)) << "round " << round;
  }
  EXPECT_TRUE(Split("").empty());
  EXPECT_TRUE(Split(" \t \n").empty());
  EXPECT_EQ(Split("abcdefghijklmnop"), std::vector<std::string>{"abcdefghijklmnop"});
  EXPECT_EQ(Split("abcdefgh ijklmnop\x01q"),
            (std::vector<std::string>{"abcdefgh", "ijklmnop\x01q"}));
}

}  // namespace
}  // namespace grams
