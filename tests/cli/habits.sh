# Habits from other toolkits (lmplz, SRILM) and files given in the wrong place
# get an error that says what was probably meant, and write nothing.
source "$(dirname "$0")/lib.bash"

write_tiny_corpus corpus.txt

# lmplz's -o is the order; ours is the output file.
run grams-count -o 5 corpus.txt
expect_rc 2 "-o 5 without --order"
expect_error_line grams-count
expect_err "--order 5"
[[ ! -e 5 ]] || fail "-o 5 wrote a file named 5"
run grams-count -o5 corpus.txt
expect_rc 2 "-o5 without --order"
[[ ! -e 5 ]] || fail "-o5 wrote a file named 5"
# Meant as a file name: said explicitly, or with --order given.
run grams-count -o ./5 corpus.txt
expect_rc 0 "-o ./5"
[[ -s 5 ]] || fail "-o ./5 wrote nothing"
rm 5
run grams-count --order 2 -o 5 corpus.txt
expect_rc 0 "--order 2 -o 5"
[[ -s 5 ]] || fail "--order 2 -o 5 wrote nothing"

# SRILM's single-dash long options.
run grams-count -order 3 corpus.txt
expect_rc 2 "-order"
expect_error_line grams-count
expect_err "'--order'"
[[ ! -e rder ]] || fail "-order wrote a file named rder"
run grams-build -output x.lm 5
expect_rc 2 "-output"
expect_err "'--output'"
run grams-score -threads 2 x.lm corpus.txt
expect_rc 2 "-threads"
expect_err "'--threads'"
# Short options and their values are untouched.
run grams-count -q -o c.counts corpus.txt
expect_rc 0 "-q -o c.counts"

# An ARPA, a text file, a model, a mapped model given where counts are expected.
grams-build 5 -o m.lm
grams-build 5 --arpa m.arpa
run grams-build m.arpa -o x.lm
expect_rc 1 "ARPA as counts"
expect_error_line grams-build
expect_err "--from-arpa"
run grams-build corpus.txt -o x.lm
expect_rc 1 "text as counts"
expect_err "grams-count"
run grams-build m.lm -o x.lm
expect_rc 1 "model as counts"
expect_err "grams model file"
grams-convert --to mapped m.lm -o m.map
run grams-build m.map -o x.lm
expect_rc 1 "mapped model as counts"
expect_err "mapped grams model"
no_leftovers x.lm
