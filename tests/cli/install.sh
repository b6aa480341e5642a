#!/usr/bin/env bash
# The installed package works for C++ users: `cmake --install` of this build
# tree into a scratch prefix, then the program of tests/package (counts a few
# lines, estimates a model, scores lines through the public API) is built
# against the installed tree with find_package(grams) and with pkg-config,
# linking libgrams.so, and statically (libgrams.a) both ways; each build must
# score exactly as grams-score does. Also: the shared library exports the
# public API only, and the tree holds what the README says it does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

: "${GRAMS_BUILD_DIR:?set GRAMS_BUILD_DIR to the build tree}"
cmake=${GRAMS_CMAKE:-cmake}
cxx=${GRAMS_CXX:-c++}
pkg_config=${GRAMS_PKG_CONFIG:-pkg-config}
flags=()
if [[ ${GRAMS_SANITIZE:-OFF} == ON ]]; then flags=(-fsanitize=address,undefined); fi
version=$(grams-count --version | awk '{ print $2 }')

prefix=$SCRATCH/prefix
run "$cmake" --install "$GRAMS_BUILD_DIR" --prefix "$prefix"
expect_rc 0 "cmake --install"

# The tree.
pc=$(find "$prefix" -name grams.pc)
[[ -n $pc ]] || fail "no grams.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libgrams.so" "$libdir/libgrams.a" "$libdir/cmake/grams/gramsConfig.cmake" \
         "$libdir/cmake/grams/gramsConfigVersion.cmake" "$libdir/cmake/grams/gramsTargets.cmake" \
         "$libdir/cmake/grams/gramsStaticTargets.cmake" "$prefix/include/grams/version.h" \
         "$prefix/include/grams/scorer.h" "$prefix/share/doc/grams/LICENSE" \
         "$prefix/bin/grams-count" "$prefix/share/man/man1/grams-count.1" \
         "$prefix/share/man/man7/grams.7" \
         "$prefix/share/bash-completion/completions/grams-count" \
         "$prefix/share/bash-completion/completions/grams-info"; do
  [[ -e $f ]] || fail "not installed: ${f#"$prefix"/}"
done
grep -q "Apache License" "$prefix/share/doc/grams/LICENSE" || fail "the installed LICENSE is not Apache-2.0"
grep -q "^Version: $version$" "$pc" || fail "grams.pc does not say version $version"
if find "$prefix/include" -name '*.h' | grep -v "/include/grams/[a-z_]*\.h$"; then
  fail "headers installed outside include/grams/"
fi

# libgrams.so exports the public API (GRAMS_EXPORT), not the internals: its
# functions and classes in namespace grams (the instantiations of std
# templates that mention grams types are not counted).
nm -DC --defined-only "$libdir/libgrams.so" | sed -n 's/^[0-9a-f]* [A-Za-z] \(grams::\)/\1/p' > symbols.txt
for sym in "grams::BuildModel(" "grams::ReadArpa(" "grams::LanguageModel::Load(" "grams::Counter::Finish("; do
  grep -qF "$sym" symbols.txt || fail "libgrams.so does not export $sym"
done
if grep -E "^grams::(io|estimate|query|cli)::|^grams::(BinaryFile|ModelFile|CountsFile|Tokenizer::|AllocationFailure|Decode|Encode)" symbols.txt; then
  fail "libgrams.so exports internal symbols"
fi

# What grams-score says, for comparison.
write_tiny_corpus train.txt
printf 'the cat sat on the log\na bird ate the fish\nzebra\n' > test.txt
grams-count -q --order 3 train.txt | grams-build -q --smoothing wb -o tiny.lm
grams-score tiny.lm test.txt > want.txt

# check_demo BINARY WHAT: BINARY scores as grams-score does.
check_demo() {
  run env LD_LIBRARY_PATH="$libdir" "$1" train.txt test.txt
  expect_rc 0 "$2"
  cmp -s out want.txt || { show; diff want.txt out >&2; fail "$2: scores differ from grams-score's"; }
}

# find_package(grams), shared and static.
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix"
            -DGRAMS_VERSION="$version" -DCMAKE_CXX_FLAGS="${flags[*]}")
if [[ -n ${GRAMS_CMAKE_GENERATOR:-} ]]; then cmake_args+=(-G "$GRAMS_CMAKE_GENERATOR"); fi
if [[ -n ${GRAMS_MAKE_PROGRAM:-} ]]; then cmake_args+=(-DCMAKE_MAKE_PROGRAM="$GRAMS_MAKE_PROGRAM"); fi
for kind in shared static; do
  static=OFF
  [[ $kind == static ]] && static=ON
  run "$cmake" -S "$GRAMS_SOURCE_DIR/tests/package" -B "cmake-$kind" "${cmake_args[@]}" -DGRAMS_STATIC=$static
  expect_rc 0 "find_package(grams) ($kind): configure"
  run "$cmake" --build "cmake-$kind"
  expect_rc 0 "find_package(grams) ($kind): build"
  check_demo "cmake-$kind/package_demo" "find_package(grams) ($kind)"
done
# (ldd's output goes to a file first: grep -q could end the pipe early.)
ldd cmake-shared/package_demo > ldd.txt
grep -q "libgrams.so.* => $libdir/" ldd.txt ||
  fail "find_package(grams): the program does not load the installed libgrams.so"
ldd cmake-static/package_demo > ldd.txt
if grep -q libgrams ldd.txt; then fail "grams::grams_static: linked libgrams.so"; fi

# pkg-config, shared and (--static, with libgrams.a named) static.
export PKG_CONFIG_PATH=$libdir/pkgconfig
read -ra cflags <<< "$("$pkg_config" --cflags grams)"
read -ra libs <<< "$("$pkg_config" --libs grams)"
read -ra static_libs <<< "$("$pkg_config" --static --libs grams | sed 's/-lgrams\b/-l:libgrams.a/')"
"$cxx" -std=c++20 "${flags[@]}" "${cflags[@]}" -c "$GRAMS_SOURCE_DIR/tests/package/main.cc" -o main.o ||
  fail "pkg-config: compiling against the installed headers failed"
"$cxx" "${flags[@]}" main.o -o pkg-shared "${libs[@]}" || fail "pkg-config: linking libgrams.so failed"
check_demo ./pkg-shared "pkg-config"
LD_LIBRARY_PATH=$libdir ldd pkg-shared > ldd.txt
grep -q "libgrams.so.* => $libdir/" ldd.txt ||
  fail "pkg-config: the program does not load the installed libgrams.so"
"$cxx" "${flags[@]}" main.o -o pkg-static "${static_libs[@]}" ||
  fail "pkg-config --static: linking libgrams.a with Libs.private and Requires.private failed"
check_demo ./pkg-static "pkg-config --static"
ldd pkg-static > ldd.txt
if grep -q libgrams ldd.txt; then fail "pkg-config --static: linked libgrams.so"; fi

# The Unicode plugin (ICU and SentencePiece) is installed in <libdir>/grams/,
# and the installed tools find it from bin/: they count with the settings
# that need it (no copy of the build tree's is at hand: the tools run from
# the prefix, with the build tree's plugin out of their sight).
[[ -f $libdir/grams/libgrams_unicode.so ]] || fail "not installed: <libdir>/grams/libgrams_unicode.so"
printf 'Ecole \xc3\x89COLE\n' > fr.txt
run "$prefix/bin/grams-count" --order 1 --case-fold --unit grapheme fr.txt --text
expect_rc 0 "the installed grams-count with --case-fold --unit grapheme"
grep -q "^é	" out || { show; fail "the installed grams-count did not fold É through the plugin"; }
ldd "$prefix/bin/grams-score" > ldd.txt
if grep -E "libicu|libsentencepiece" ldd.txt; then fail "the installed grams-score links ICU or SentencePiece"; fi
