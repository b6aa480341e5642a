# bash completion for the grams tools (grams-count, grams-build, grams-score,
# grams-perplexity, grams-convert, grams-info, grams-index, grams-predict,
# grams-generate, grams-mix).
#
# The options are read from the tool's own --help when completing, so they are
# always those of the tool that runs (whatever its version) and this file never
# lists an option itself: boost::program_options prints --help from the same
# option table the tool parses. An option line of --help is
#   "  -o [ --output ] FILE   ..." or "  --order N (=3)   ..." or "  --text   ...":
# an option with a value name takes an argument. Arguments named FILE (and
# MODEL, COUNTS...) complete as file names, DIR as directories; the tools'
# FILE arguments complete as file names.
#
# Installed as completions/grams-TOOL (one copy per tool, as bash-completion
# loads completions by command name) in bash-completion's completionsdir.

# _grams_options TOOL: "NAME ARG" lines, ARG being the value name or "-".
_grams_options() {
  "$1" --help 2>/dev/null | sed -nE \
    -e 's/^  -[A-Za-z0-9] \[ (--[a-z0-9][a-z0-9-]*) \] ([A-Z][A-Z0-9_.]*)( .*)?$/\1 \2/p' \
    -e 's/^  -[A-Za-z0-9] \[ (--[a-z0-9][a-z0-9-]*) \]( .*)?$/\1 -/p' \
    -e 's/^  (--[a-z0-9][a-z0-9-]*) ([A-Z][A-Z0-9_.]*)( .*)?$/\1 \2/p' \
    -e 's/^  (--[a-z0-9][a-z0-9-]*)( .*)?$/\1 -/p'
}

# _grams_short TOOL: "-o --output" lines: each short option and its long name.
_grams_short() {
  "$1" --help 2>/dev/null | sed -nE 's/^  (-[A-Za-z0-9]) \[ (--[a-z0-9][a-z0-9-]*) \].*/\1 \2/p'
}

_grams() {
  local cur prev tool=$1
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  local options
  options=$(_grams_options "$tool")

  # The argument of the option before, if it takes one.
  local opt=$prev arg=
  if [[ $opt == -[A-Za-z0-9] ]]; then
    opt=$(_grams_short "$tool" | awk -v s="$opt" '$1 == s { print $2 }')
  fi
  if [[ $opt == --* ]]; then
    arg=$(awk -v o="$opt" '$1 == o { print $2; exit }' <<< "$options")
  fi
  # --opt=value
  if [[ $cur == --*=* ]]; then
    opt=${cur%%=*}
    arg=$(awk -v o="$opt" '$1 == o { print $2; exit }' <<< "$options")
    cur=${cur#*=}
  fi
  if [[ -n $arg && $arg != - ]]; then
    case $arg in
      DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
      FILE | MODEL | COUNTS | OUTPUT | DEV | ARPA | *FILE) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
      *) ;;  # a number, a size, a word: nothing to offer
    esac
    if [[ $arg =~ ^(DIR|.*FILE|MODEL|COUNTS|OUTPUT|DEV|ARPA)$ ]]; then
      compopt -o filenames 2>/dev/null || true
    fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(cut -d' ' -f1 <<< "$options") $(_grams_short "$tool" | cut -d' ' -f1)" -- "$cur")
    return 0
  fi
  # Anything else is a FILE argument.
  compopt -o filenames 2>/dev/null || true
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  return 0
}

complete -F _grams grams-count grams-build grams-score grams-perplexity grams-convert grams-info \
  grams-index grams-predict grams-generate grams-mix
