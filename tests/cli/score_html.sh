# grams-score --html: one self-contained page (nothing fetched), written
# through a temporary file; text escaped; every sentence a row, every token a
# <span> carrying its log10 p, matched n-gram length and OOV flag as
# --per-token --ngram-length prints them. Then the page in a real headless
# browser (Debian's chromium, installed by .ci/deps): the DOM it renders has
# the same rows and values, a screenshot is not blank, and #sort=ppl sorts
# the rows by perplexity.
source "$(dirname "$0")/lib.bash"

write_tiny_corpus corpus.txt
grams-count --order 3 corpus.txt 2>/dev/null | grams-build -o m.lm 2>/dev/null
cat > input.txt <<'EOF'
the cat sat on the mat
the <b>zebra</b> & "friends" sat on 'the' log

a dog ate the fish
the bird sat
dog cat mat log fish
the cat ate a bone
EOF

run grams-score --html page.html m.lm input.txt
expect_rc 0 "--html"
expect_no_err "--html"
grams-score m.lm input.txt > plain.txt
cmp -s out plain.txt || fail "--html changed the score lines on stdout"
[[ -s page.html ]] || fail "no page written"
compgen -G "page.html.tmp-*" > /dev/null && fail "temporary file left behind"
grams-score --per-token --ngram-length m.lm input.txt > tokens.txt

# Self-contained: no URL, no external script, style sheet or image.
for pattern in 'http:' 'https:' '//' 'src=' '<link' '@import' 'url(' '<img' '<iframe'; do
  grep -v '^ *//' page.html | grep -qiF -- "$pattern" && fail "the page refers outside itself: $pattern"
done
grep -q '<b>' page.html && fail "input text not escaped: <b>"
grep -qF '&lt;b&gt;zebra&lt;/b&gt;' page.html || fail "escaped text missing"

# check_dom HTML: rows and tokens of the page (or the DOM a browser
# rendered) against --per-token --ngram-length; prints the rows' data-ppl in
# page order.
check_dom() {
  python3 - "$1" tokens.txt <<'EOF' || fail "$1: rows or tokens differ from --per-token"
import html.parser, sys

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.span = [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-ppl" in a:
            self.rows.append((a, []))
        elif tag == "span" and "t" in a.get("class", "").split() and self.rows:
            self.span = [a, ""]
            self.rows[-1][1].append(self.span)
    def handle_endtag(self, tag):
        if tag == "span":
            self.span = None
    def handle_data(self, data):
        if self.span is not None:
            self.span[1] += data

page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
want = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
assert len(page.rows) == len(want), (len(page.rows), len(want))
rows = sorted(page.rows, key=lambda r: int(r[0]["data-line"]))
for (attrs, spans), w in zip(rows, want):
    assert attrs["data-tokens"] == w[1] and attrs["data-oovs"] == w[2], (attrs, w[:3])
    assert abs(float(attrs["data-lp"]) - float(w[0])) < 1e-6, (attrs, w[0])
    assert len(spans) == int(w[1]), (len(spans), w)
    for (a, text), field in zip(spans, w[3:]):
        token, value = field.rsplit("=", 1)
        parts = value.split(":")
        oov = parts[0] == "<unk>"
        assert text == token, (text, token)
        assert a["data-lp"] == parts[-2], (a, field)
        assert a["data-ngram"] == parts[-1], (a, field)
        assert a["data-oov"] == ("1" if oov else "0"), (a, field)
        assert ("log10 p = " + parts[-2]) in a["title"] and (parts[-1] + "-gram") in a["title"], a
        assert ("OOV" in a["title"]) == oov, a
        assert any(c.startswith("s") and c[1:].isdigit() for c in a["class"].split()), a
for attrs, _ in page.rows:
    print(attrs["data-ppl"])
EOF
}
check_dom page.html > order.txt
[[ $(wc -l < order.txt) == 7 ]] || fail "the page does not have 7 rows"

# The same page, in a real browser.
command -v chromium >/dev/null ||
  fail "chromium is not installed (bash .ci/deps installs it; Debian package chromium)"
browser() {  # browser ARGS...: headless chromium, bounded in time
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-extensions --disable-background-networking --disable-sync \
    --user-data-dir="$SCRATCH/chromium-profile" "$@" 2> browser.err
}
url="file://$SCRATCH/page.html"
browser --dump-dom "$url" > dom.html || { cat browser.err >&2; fail "chromium --dump-dom failed"; }
grep -q '<tbody>' dom.html || { head -c 2000 dom.html >&2; fail "chromium rendered no table"; }
check_dom dom.html > dom-order.txt
cmp -s dom-order.txt order.txt || fail "the rendered rows are not in input order without #sort"
grep -q 'data-sorted=' dom.html && fail "sorted without being asked"

# Sorting, by the page's script, as a click or a URL hash asks.
for hash in ppl -ppl; do
  browser --dump-dom "$url#sort=$hash" > sorted.html || fail "chromium --dump-dom #sort=$hash failed"
  grep -q "<body data-sorted=\"$hash\"" sorted.html || fail "#sort=$hash: the page did not sort"
  check_dom sorted.html > sorted-order.txt
  python3 - sorted-order.txt "$hash" <<'EOF' || fail "#sort=$hash: rows not sorted by perplexity"
import math, sys
values = [float(v) for v in open(sys.argv[1])]
assert len(values) == 7
key = [v if not math.isnan(v) else math.inf for v in values]
assert key == sorted(key, reverse=sys.argv[2].startswith("-")), values
EOF
  cmp -s sorted-order.txt order.txt && fail "#sort=$hash left the input order"
done

# A screenshot that is not blank: the token colours are there.
browser --hide-scrollbars --window-size=900,600 --screenshot="$SCRATCH/shot.png" "$url" ||
  fail "chromium --screenshot failed"
[[ -s shot.png ]] || fail "no screenshot"
python3 - shot.png <<'EOF' || fail "the screenshot looks blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
width, height, depth, color, _, _, interlace = header
assert depth == 8 and color in (2, 6) and interlace == 0, header
bpp = 3 if color == 2 else 4
raw, stride = zlib.decompress(idat), width * bpp
prev, colours = bytearray(stride), {}
for y in range(height):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours[px] = colours.get(px, 0) + 1
    prev = line
# The surprisal classes' backgrounds (score_format.cc), each over many pixels.
classes = {bytes.fromhex(h) for h in ("d7ffd7", "afffaf", "ffffd7", "ffd7af", "ffaf87", "ff8787", "ff5f5f")}
seen = [c.hex() for c in classes if colours.get(c, 0) >= 50]
white = colours.get(b"\xff\xff\xff", 0) / (width * height)
assert len(colours) > 20 and len(seen) >= 4 and white < 0.97, (len(colours), seen, white)
print(f"  screenshot: {len(colours)} colours, {len(seen)} surprisal classes visible")
EOF

# --html -: the page alone on stdout. An error: no page, no temporary file.
run grams-score --html - m.lm input.txt
expect_rc 0 "--html -"
cmp -s out page.html || fail "--html - differs from the page written to a file"
grams-count --order 3 --unit char corpus.txt 2>/dev/null | grams-build -o chars.lm 2>/dev/null
printf 'the cat\nbad \xff\n' > bad.txt
run grams-score --html bad.html chars.lm bad.txt
expect_rc 1 "--html with invalid UTF-8"
expect_err "bad.txt:2: byte offset 12: invalid UTF-8"
[[ $(wc -l < out) == 1 ]] || fail "the line before the error was not written"
no_leftovers bad.html
run grams-score --html no-such-dir/page.html m.lm input.txt
expect_rc 1 "--html into a missing directory"
expect_err "no-such-dir/page.html"

echo "score_html: all checks passed"
