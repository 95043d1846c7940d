#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages (doc/*.1) against the binary:
#   man-render    each page renders with 'man --warnings' and says nothing
#                 on stderr;
#   man-lint      each uses requests only at the start of a line (of the
#                 man(7) macros we allow), no trailing whitespace, and
#                 escaped hyphens in option names (\-);
#   man-pages     every command that 'kstride --help' lists has
#                 doc/kstride-CMD.1 (and 'kstride help' has kstride-help.1),
#                 every doc/kstride-*.1 is such a page, and kstride.1's
#                 SEE ALSO names each;
#   man-options   every long (--name) and short (-x) option that
#                 'kstride CMD --help' prints is in CMD's page, and the
#                 options of its option list in the page's OPTIONS section;
#                 'kstride help CMD' prints what 'kstride CMD --help' does;
#   man-th        each page's .TH and NAME name the page (KSTRIDE-RECORD 1,
#                 kstride-record).
# Then each check is run on copies of the pages (or a stand-in for the
# binary) damaged on purpose, once per kind of damage, and must fail.
# usage: tests/man/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)
KS=$B/kstride
W=$B/tests/man
rm -rf "$W" && mkdir -p "$W"
DOC=$top/doc

# The groff source as text: comments out, fonts and \% \& gone, \- as -.
norm() {
	sed -e '/^\.\\"/d' -e 's/\\f\[[^]]*\]//g' -e 's/\\f(..//g' -e 's/\\f.//g' \
	    -e 's/\\[%&]//g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' \
	    -e 's/\\e/\\/g' "$1"
}

# One section (.SH NAME) of normalised source on stdin.
section() {
	awk -v want="$1" '/^\.SH /{ t = $0; sub(/^\.SH +/, "", t); gsub(/"/, "", t); s = (t == want); next } s'
}

# The commands that 'kstride --help' lists.
commands() {
	"$KS" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }'
}

# The options in a help text on stdin: --long and -x.
opts_of() {
	grep -oE -e '--[A-Za-z0-9][A-Za-z0-9-]*' -e '(^|[^A-Za-z0-9-])-[A-Za-z0-9]([^A-Za-z0-9-]|$)' |
		sed -E 's/^[^-]*//; s/^(-[A-Za-z0-9])[^A-Za-z0-9-]$/\1/' | sort -u
}

# Is option $1 a whole word of text file $2?
has_opt() {
	grep -qE -e "(^|[^A-Za-z0-9-])$1([^A-Za-z0-9-]|$)" "$2"
}

check_render() {
	local d=$1 f n=0
	for f in "$d"/*.1; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		MANWIDTH=80 man --warnings -l "$f" > "$W/render.out" 2> "$W/render.err" ||
			die "${f##*/}: man exits with $?: $(head -3 "$W/render.err")" || return 1
		[ ! -s "$W/render.err" ] ||
			die "${f##*/}: man says: $(head -5 "$W/render.err")" || return 1
		grep -q '^NAME' "$W/render.out" || die "${f##*/}: renders without a NAME section" || return 1
	done
	[ $n -gt 0 ] || die "no pages in $d"
}

check_lint() {
	local d=$1 f bad=
	local macros='TH|SH|SS|TP|IP|PP|P|LP|B|I|BR|RB|IR|RI|BI|IB|RS|RE|EX|EE|nf|fi|br|sp|\\"'
	for f in "$d"/*.1; do
		[ -f "$f" ] || continue
		if grep -n '[[:space:]]$' "$f" > "$W/lint.out"; then
			echo "${f##*/}: trailing whitespace: $(head -3 "$W/lint.out")"
			bad=${bad:-$f}
		fi
		if grep -n "^'" "$f" > "$W/lint.out"; then
			echo "${f##*/}: a line starts with a quote: $(head -3 "$W/lint.out")"
			bad=${bad:-$f}
		fi
		if grep -nE '^\.' "$f" | grep -vE "^[0-9]+:\.($macros)( |$)" > "$W/lint.out"; then
			echo "${f##*/}: not one of our macros: $(head -3 "$W/lint.out")"
			bad=${bad:-$f}
		fi
		# an option name spelled with plain hyphens
		if sed -e '/^\.\\"/d' -e 's/\\f[BIRP]//g' "$f" |
		   grep -nE '(^|[^\\A-Za-z0-9-])--[a-z]' > "$W/lint.out"; then
			echo "${f##*/}: unescaped hyphens (write \\-): $(head -3 "$W/lint.out")"
			bad=${bad:-$f}
		fi
	done
	[ -z "$bad" ] || die "lint: ${bad##*/} and maybe others (above)"
}

check_pages() {
	local d=$1 c f names see=$W/seealso.txt
	names=$(commands | tr "\n" " ")
	[ -n "$names" ] || die "'kstride --help' lists no commands" || return 1
	"$KS" --help | grep -q "kstride help COMMAND" && names="$names help"
	[ -f "$d/kstride.1" ] || die "no kstride.1" || return 1
	norm "$d/kstride.1" | section "SEE ALSO" > "$see"
	[ -s "$see" ] || die "kstride.1 has no SEE ALSO" || return 1
	for c in $names; do
		[ -f "$d/kstride-$c.1" ] || die "'$c' has no page: doc/kstride-$c.1" || return 1
		grep -qE "(^|[^a-z-])kstride-$c ?\(1\)" "$see" ||
			die "kstride.1's SEE ALSO does not name kstride-$c(1)" || return 1
	done
	for f in "$d"/kstride-*.1; do
		[ -f "$f" ] || continue
		c=${f##*/kstride-}
		c=${c%.1}
		echo " $names " | grep -q " $c " ||
			die "${f##*/}: 'kstride --help' has no command '$c'" || return 1
	done
}

check_options() {
	local d=$1 c o page=$W/page.txt sect=$W/options.txt help=$W/help.txt
	"$KS" --help > "$help" || die "kstride --help exits with $?" || return 1
	norm "$d/kstride.1" > "$page"
	for o in $(opts_of < "$help"); do
		has_opt "$o" "$page" || die "kstride.1 lacks '$o', which 'kstride --help' prints" || return 1
	done
	for c in $(commands); do
		[ -f "$d/kstride-$c.1" ] || die "no doc/kstride-$c.1" || return 1
		"$KS" "$c" --help > "$help" || die "kstride $c --help exits with $?" || return 1
		"$KS" help "$c" > "$W/help2.txt" || die "kstride help $c exits with $?" || return 1
		cmp -s "$help" "$W/help2.txt" ||
			die "'kstride help $c' does not print what 'kstride $c --help' does" || return 1
		norm "$d/kstride-$c.1" > "$page"
		section OPTIONS < "$page" > "$sect"
		[ -s "$sect" ] || die "kstride-$c.1 has no OPTIONS section" || return 1
		for o in $(opts_of < "$help"); do
			has_opt "$o" "$page" ||
				die "kstride-$c.1 lacks '$o', which 'kstride $c --help' prints" || return 1
		done
		# the option list: "  -o, --output FILE   what it does"
		for o in $(sed -n '/^Options:/,$p' "$help" | grep -E '^ +-' |
			   sed -E 's/^ +//; s/  .*//' | opts_of); do
			has_opt "$o" "$sect" ||
				die "kstride-$c.1's OPTIONS section lacks '$o'" || return 1
		done
	done
}

check_th() {
	local d=$1 f base want th name
	for f in "$d"/*.1; do
		[ -f "$f" ] || continue
		base=${f##*/}
		base=${base%.1}
		want=$(printf '%s' "$base" | tr a-z A-Z)
		[ "$(grep -c '^\.TH ' "$f")" -eq 1 ] || die "${f##*/}: not one .TH line" || return 1
		th=$(norm "$f" | grep -m1 '^\.TH ')
		set -- $th
		[ "${2:-}" = "$want" ] || die "${f##*/}: .TH names '${2:-}', not $want" || return 1
		[ "${3:-}" = 1 ] || die "${f##*/}: .TH section '${3:-}', not 1" || return 1
		name=$(norm "$f" | section NAME | head -1)
		set -- $name
		[ "${1:-}" = "$base" ] && [ "${2:-}" = - ] ||
			die "${f##*/}: NAME starts '$name', not '$base - ...'" || return 1
	done
}

t_render() { check_render "$DOC"; }
t_lint() { check_lint "$DOC"; }
t_pages() { check_pages "$DOC"; }
t_options() { check_options "$DOC"; }
t_th() { check_th "$DOC"; }

# selftest CHECK DAMAGE...: CHECK passes on a copy of the pages, and fails
# on a copy that DAMAGE (run in the copy) changed.
selftest() {
	local check=$1 rc
	shift
	rm -rf "$W/good" "$W/bad" && cp -r "$DOC" "$W/good" && cp -r "$DOC" "$W/bad" || return 1
	"$check" "$W/good" > "$W/selftest.log" 2>&1 ||
		die "$check fails on the pages as they are: $(tail -3 "$W/selftest.log")" || return 1
	(cd "$W/bad" && eval "$*") || die "the damage failed: $*" || return 1
	! diff -r -q "$W/good" "$W/bad" > /dev/null || die "the damage changed nothing: $*" || return 1
	"$check" "$W/bad" > "$W/selftest.log" 2>&1
	rc=$?
	[ $rc -ne 0 ] || die "$check passes pages damaged by: $*" || return 1
	echo "$check fails as it must: $(head -1 "$W/selftest.log")"
}

# The same with a stand-in for the binary, whose $1 $2 print $3 instead.
selftest_bin() {
	local check=$1 a1=$2 a2=$3 real=$KS rc
	printf '%s\n' "$4" > "$W/fake-says.txt"
	cat > "$W/fake-kstride" <<EOF
#!/bin/bash
if [ "\${1:-}" = "$a1" ] && [ "\${2:-}" = "$a2" ]; then
	cat "$W/fake-says.txt"
	exit 0
fi
exec "$real" "\$@"
EOF
	chmod +x "$W/fake-kstride"
	KS=$W/fake-kstride "$check" "$DOC" > "$W/selftest.log" 2>&1
	rc=$?
	[ $rc -ne 0 ] || die "$check passes a kstride whose '$a1 $a2' prints something else" || return 1
	echo "$check fails as it must: $(head -1 "$W/selftest.log")"
}

t_selftest_render() {
	selftest check_render 'echo ".XX an unknown macro" >> kstride-diff.1'
}

t_selftest_lint() {
	selftest check_lint 'sed -i "s/^\(\.SH NAME\)$/\1 /" kstride-mark.1' || return 1
	selftest check_lint 'sed -i "s/^\.PP$/.ft B/" kstride-report.1' || return 1
	selftest check_lint 'echo "use --force to read it" >> kstride-script.1'
}

t_selftest_pages() {
	selftest check_pages 'rm kstride-timeline.1' || return 1
	selftest check_pages 'awk "/^\.SH SEE ALSO/ { s = 1 } !(s && /kstride\\\\-mark \(1\)/)" kstride.1 > x &&
		mv x kstride.1' || return 1
	selftest check_pages 'cp kstride-mark.1 kstride-frobnicate.1' || return 1
	local h
	h=$("$KS" --help | sed 's/^  doctor /  frobnicate  a command with no page\n&/')
	selftest_bin check_pages --help "" "$h"
}

t_selftest_options() {
	# a long option gone from the page, then a short one, then one that
	# is only mentioned outside OPTIONS
	selftest check_options 'sed -i "s/\\\\-\\\\-no\\\\-net/no net/g" kstride-record.1' || return 1
	selftest check_options 'sed -i "s/\\\\-U/U/g" kstride-diff.1' || return 1
	selftest check_options 'awk "/^\.SH /{ s = /OPTIONS/ } { if (s) gsub(/\\\\-\\\\-svg/, \"svg\"); print }" \
		kstride-timeline.1 > x && mv x kstride-timeline.1' || return 1
	selftest check_options 'sed -i "s/\\\\-\\\\-version/version/g" kstride.1' || return 1
	selftest_bin check_options help diff "usage: kstride diff (something else)"
}

t_selftest_th() {
	selftest check_th 'sed -i "s/^\.TH KSTRIDE\\\\-DIFF /.TH KSTRIDE\\\\-DIF /" kstride-diff.1' || return 1
	selftest check_th 'sed -i "s/^\.TH KSTRIDE\\\\-MARK 1 /.TH KSTRIDE\\\\-MARK 8 /" kstride-mark.1' || return 1
	selftest check_th 'sed -i "s/^kstride\\\\-help \\\\- /kstride\\\\-helper \\\\- /" kstride-help.1'
}

[ -x "$KS" ] || { echo "$KS: not built (make BUILD=$B)"; exit 1; }
ktest_run man-render t_render
ktest_run man-lint t_lint
ktest_run man-pages t_pages
ktest_run man-options t_options
ktest_run man-th t_th
ktest_run man-selftest-render t_selftest_render
ktest_run man-selftest-lint t_selftest_lint
ktest_run man-selftest-pages t_selftest_pages
ktest_run man-selftest-options t_selftest_options
ktest_run man-selftest-th t_selftest_th
ktest_done man
