# grams-count --text writes words as they are (grams-count(1), docs/FORMAT.md
# "Escaped units"): a word <b>, <0x0A> or <sp> is that word, not escaped;
# other units are escaped (a byte unit newline is <0x0A>, a space <sp>).
source "$(dirname "$0")/lib.bash"

printf '<b> <0x0A> <sp> a<b x\n' > words.txt
grams-count -q --order 1 --text words.txt > out.txt
for w in '<b>' '<0x0A>' '<sp>' 'a<b' 'x'; do
  grep -qxF "$w	1" out.txt || fail "word $w is not written as it is: $(cat out.txt)"
done
grep -q '<0x3C>' out.txt && fail "a word was escaped: $(cat out.txt)"

printf 'a b\n' > bytes.txt
grams-count -q --order 1 --unit byte --text bytes.txt > out.txt
grep -qxF '<sp>	1' out.txt || fail "the byte unit space is not <sp>: $(cat out.txt)"
grep -qxF 'a	1' out.txt || fail "the byte unit a: $(cat out.txt)"
echo PASS
