# grams-count reads UTF-16 text with a byte order mark (little- or
# big-endian) as the same text in UTF-8, through ICU's converter; invalid
# UTF-16 is an error naming the file and a byte offset, with nothing written.
# Byte units count the bytes as they are. grams-score and grams-perplexity
# read text as grams-count does: UTF-16 scores as its UTF-8.
source "$(dirname "$0")/lib.bash"
command -v iconv >/dev/null || skip "iconv not found"

printf 'the café is open\n中文 text 😀\n\nthe end\n' > utf8.txt
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE utf8.txt; } > le.txt
{ printf '\xfe\xff'; iconv -f UTF-8 -t UTF-16BE utf8.txt; } > be.txt
grams-count -q --order 3 --text utf8.txt > want.txt
for f in le be; do
  grams-count -q --order 3 --text $f.txt > $f.out
  cmp want.txt $f.out || fail "$f: UTF-16 counts differ from UTF-8: $(diff want.txt $f.out | head)"
  grams-count -q --order 2 --unit char --text $f.txt > $f.char
  grams-count -q --order 2 --unit char --text utf8.txt > want.char
  cmp want.char $f.char || fail "$f: character counts differ"
done
# The scorers read it alike.
grams-count -q --order 3 utf8.txt | grams-build -q -o w.lm - 2>/dev/null
grams-perplexity w.lm utf8.txt > want.ppl
grams-score w.lm utf8.txt > want.score
for f in le be; do
  grams-perplexity w.lm $f.txt > $f.ppl
  cmp want.ppl $f.ppl || fail "$f: UTF-16 perplexity differs from UTF-8's: $(diff want.ppl $f.ppl)"
  grams-score -j2 w.lm $f.txt > $f.score
  cmp want.score $f.score || fail "$f: UTF-16 scores differ from UTF-8's"
done
# Byte units: the bytes themselves (the BOM and the NUL bytes counted).
grams-count -q --order 1 --unit byte --text le.txt > bytes.txt
grep -q '^<0x00>' bytes.txt || fail "byte units should count the NUL bytes of UTF-16"

# An unpaired surrogate (D800 followed by 'a'), and an odd byte at the end.
printf '\xff\xfea\x00\x00\xd8a\x00\n\x00' > bad.txt
run grams-count -q --order 2 -o bad.counts bad.txt
[[ $RC -ne 0 ]] || fail "invalid UTF-16 accepted"
grep -q 'bad.txt: not valid UTF-16 near byte offset' err || fail "message: $(cat err)"
[[ ! -e bad.counts ]] || fail "output left behind"
printf '\xff\xfea\x00b' > odd.txt
run grams-count -q --order 2 -o odd.counts odd.txt
[[ $RC -ne 0 ]] || fail "UTF-16 with an odd byte at the end accepted"
grep -q 'odd.txt: not valid UTF-16' err || fail "message: $(cat err)"
echo PASS
