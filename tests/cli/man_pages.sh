# The man pages match the tools: every option --help lists is documented in
# man/grams-<tool>.1, every page has the standard sections, and groff renders
# each page without warnings.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"

for tool in count build score perplexity convert info index predict generate mix; do
  page=$GRAMS_SOURCE_DIR/man/grams-$tool.1
  [[ -f $page ]] || fail "$page missing"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    grep -q "^\.SH \"\?$section\"\?$" "$page" || fail "$page lacks section $section"
  done
  # Long options as --help prints them ("  --order N", "-o [ --output ] FILE").
  options=$(grams-$tool --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
  [[ -n $options ]] || fail "grams-$tool --help lists no options"
  for opt in $options; do
    roff=${opt//-/\\-}
    grep -qF -- "$roff" "$page" || fail "$page does not document $opt"
  done
  # And the other way round: options in the page's OPTIONS section exist.
  documented=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | grep -E '^\.(B|BI|BR) ' |
               grep -oE '\\-\\-[a-z][a-z0-9\\-]*' | sed 's/\\-/-/g' | sort -u)
  for opt in $documented; do
    grep -qx -- "$opt" <<< "$options" || fail "$page documents $opt, which --help does not list"
  done
  if command -v groff >/dev/null; then
    warnings=$(groff -man -ww -z "$page" 2>&1)
    [[ -z $warnings ]] || fail "$page: groff warnings: $warnings"
  fi
done

# grams(7), the overview: its sections, every tool named (and cross-referenced
# from each tool's page), the flow text -> counts -> model -> scores, and no
# groff warnings.
page=$GRAMS_SOURCE_DIR/man/grams.7
[[ -f $page ]] || fail "$page missing"
for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^\.SH \"\?$section\"\?$" "$page" || fail "$page lacks section $section"
done
for tool in $(cd "$GRAMS_SOURCE_DIR/man" && ls grams-*.1 | sed 's/\.1$//'); do
  grep -q "^\.BR $tool (1)" "$page" || fail "$page does not name $tool"
  grep -q "^\.BR grams (7)" "$GRAMS_SOURCE_DIR/man/$tool.1" || fail "$tool.1 does not refer to grams(7)"
done
for step in "text   \\-> grams-count" "counts \\-> grams-build" "model  \\-> grams-score"; do
  grep -qF -- "$step" "$page" || fail "$page lacks the flow step '$step'"
done
if command -v groff >/dev/null; then
  warnings=$(groff -man -ww -z "$page" 2>&1)
  [[ -z $warnings ]] || fail "$page: groff warnings: $warnings"
fi

echo "man_pages: all checks passed"
