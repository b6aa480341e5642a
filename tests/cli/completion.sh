# Bash completion (completion/grams.bash): sourced, its function completes
# each tool's options (read from the tool's --help, so every option --help
# lists), option arguments that are files or directories, and FILE arguments.
source "$(dirname "$0")/lib.bash"

: "${GRAMS_SOURCE_DIR:?set GRAMS_SOURCE_DIR to the source tree}"
script=$GRAMS_SOURCE_DIR/completion/grams.bash
[[ -f $script ]] || fail "$script missing"
# shellcheck source=/dev/null
source "$script"
complete -p grams-count >/dev/null || fail "no completion registered for grams-count"

# complete_line WORD...: completes the last word of the command line WORD...
# into the array REPLY, sorted.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _grams "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
  REPLY=()
  # Sorted: compgen lists files in directory order.
  if ((${#COMPREPLY[@]})); then mapfile -t REPLY < <(printf '%s\n' "${COMPREPLY[@]}" | sort); fi
}
has() {  # has WORD: WORD is among the completions
  local w
  for w in "${REPLY[@]}"; do [[ $w == "$1" ]] && return 0; done
  return 1
}

for tool in count build score perplexity convert info index predict generate mix; do
  complete -p grams-$tool >/dev/null || fail "no completion registered for grams-$tool"
  complete_line grams-$tool --
  # Every long option --help lists is offered.
  for opt in $(grams-$tool --help | grep -E '^  (-[A-Za-z0-9] \[ )?--' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    has "$opt" || fail "grams-$tool: '--' does not complete to $opt (got: ${REPLY[*]})"
  done
  has --help || fail "grams-$tool: no --help"
done

# A prefix narrows the choice.
complete_line grams-count --ord
[[ ${REPLY[*]} == "--order --orders" ]] || fail "--ord completes to '${REPLY[*]}'"
complete_line grams-count --from-t
[[ ${REPLY[*]} == "--from-text" ]] || fail "--from-t completes to '${REPLY[*]}'"
complete_line grams-build --smooth
[[ ${REPLY[*]} == "--smoothing" ]] || fail "--smooth completes to '${REPLY[*]}'"

# Files: FILE arguments, and the arguments of FILE and DIR options.
mkdir -p sub.d
: > corpus.txt
: > corpus.counts
complete_line grams-count corp
[[ ${REPLY[*]} == "corpus.counts corpus.txt" ]] || fail "a FILE argument completes to '${REPLY[*]}'"
complete_line grams-build -o model.lm corpus.c
[[ ${REPLY[*]} == "corpus.counts" ]] || fail "grams-build's COUNTS completes to '${REPLY[*]}'"
complete_line grams-build --vocab corpus.t
[[ ${REPLY[*]} == "corpus.txt" ]] || fail "--vocab FILE completes to '${REPLY[*]}'"
complete_line grams-count --output=corpus.t
[[ ${REPLY[*]} == "corpus.txt" ]] || fail "--output=FILE completes to '${REPLY[*]}'"
complete_line grams-count -T s
[[ ${REPLY[*]} == "sub.d" ]] || fail "-T DIR completes to '${REPLY[*]}'"
complete_line grams-count --temp-dir co
[[ ${#REPLY[@]} == 0 ]] || fail "--temp-dir DIR offers files: '${REPLY[*]}'"
# A value that is not a file (a number) gets nothing.
complete_line grams-count --order co
[[ ${#REPLY[@]} == 0 ]] || fail "--order N offers '${REPLY[*]}'"
# After a flag, files again.
complete_line grams-count --text corpus.t
[[ ${REPLY[*]} == "corpus.txt" ]] || fail "after --text, files complete to '${REPLY[*]}'"

echo "completion: all checks passed"
