#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fidelity/valgrind-quirks.sh: show what valgrind lackey records for
# the instructions whose accesses tests/fidelity/compare.py normalises
# (bt-reg, dead-pop, locked-rmw), and check that lackey still behaves as
# compare.py assumes.
#
# Builds tests/fidelity/valgrind-quirks.S (non-PIE), runs it under
# valgrind --tool=lackey --trace-mem=yes, and prints for every q_* label:
# its disassembly, the accesses lackey shows (L load, S store, M modify,
# "xN" = N times over the 5 executions), what the CPU really does, and the
# normalisation that compare.py applies to that class.  A row whose lackey
# accesses differ from the expectation below is marked DIFFERS.
#
# Environment: FIDELITY_OUT (scratch dir, default build/fidelity under the
# tree), CC (default gcc).
# Exit status: 0 when lackey behaves as expected, 1 when some row differs
# (re-check the normalisations in compare.py against the new valgrind),
# 2 when valgrind, the compiler or binutils are missing or fail.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FIDELITY_OUT:-$root/build/fidelity}/quirks
cc=${CC:-gcc}

die() {
	echo "valgrind-quirks: $*" >&2
	exit 2
}

for c in valgrind "$cc" nm objdump awk; do
	command -v "$c" >/dev/null ||
		die "$c not found (scripts/install-deps.sh installs it)"
done
mkdir -p "$out" || die "cannot create $out"
"$cc" -no-pie -o "$out/q" "$here/valgrind-quirks.S" ||
	die "cannot build valgrind-quirks.S"
valgrind --tool=lackey --trace-mem=yes --log-file="$out/lackey.log" \
	"$out/q" || die "the repro failed under valgrind"
echo "valgrind-quirks: $(valgrind --version), each instruction executed 5 times"

# label, what lackey shows (valgrind 3.19), what the CPU does (for bt with
# a memory operand and a register bit offset the access width is the CPU's
# choice, hence no size), compare.py's normalisation ("-" for none: a
# control)
expect='
bt_reg_live	L1x5 S8x5	-	bt-reg: drop lackey
bt_reg32_live	L1x5 S4x5	-	bt-reg: drop lackey
bts_reg	L8x5 M1x5 S8x5	-	bt-reg: drop lackey
btr_reg	L8x5 M1x5 S8x5	-	bt-reg: drop lackey
btc_reg	L8x5 M1x5 S8x5	-	bt-reg: drop lackey
bt_imm	-	-	bt-reg: nothing to drop
bts_imm	-	-	bt-reg: nothing to drop
bt_mem_live	L1x5	Lx5	-
bt_mem_dead	-	Lx5	- (dead load: not normalised)
bts_mem	M1x5	Mx5	-
pop_dead	-	L8x5	dead-pop: R8 x execs
pop_live	L8x5	L8x5	- (lackey has an access)
lock_or	L8x5 M8x5	M8x5	locked-rmw: fold
lock_add	L8x5 M8x5	M8x5	locked-rmw: fold
lock_incl	L4x5 M4x5	M4x5	locked-rmw: fold
lock_decl	L4x5 M4x5	M4x5	locked-rmw: fold
lock_xadd	L8x5 M8x5	M8x5	locked-rmw: fold
xchg_mem	L8x5 M8x5	M8x5	locked-rmw: fold
xchg_mem32	L4x5 M4x5	M4x5	locked-rmw: fold
lock_cmpxchg	M8x5	M8x5	locked-rmw: nothing to fold
or_mem	M8x5	M8x5	-
'

# ADDR LABEL of the q_* symbols, addresses without leading zeros as in
# lackey's log
nm "$out/q" | awk '$3 ~ /^q_/ { a = $1; sub(/^0+/, "", a); print a, substr($3, 3) }' \
	>"$out/syms" || die "nm failed"
objdump -d --no-show-raw-insn "$out/q" |
	awk -F'\t' '/^ *[0-9a-f]+:\t/ { a = $1; sub(/^ +/, "", a); sub(/:$/, "", a);
		t = $2; for (i = 3; i <= NF; i++) t = t " " $i;
		gsub(/ +/, " ", t); sub(/ *#.*/, "", t); print a "\t" t }' \
	>"$out/insns" || die "objdump failed"

# LABEL<tab>"K1xN K2xN ..." (sorted kinds) or "-"
awk 'FILENAME == ARGV[1] { lab[$1] = $2; next }
	/^I  / { split($2, x, ","); cur = x[1]; sub(/^0+/, "", cur); next }
	/^ [LSM] / { if (cur in lab) { split($2, x, ","); n[lab[cur] " " $1 x[2]]++ } }
	END {
		for (k in n) { split(k, y, " "); acc[y[1]] = acc[y[1]] " " y[2] "x" n[k] }
		for (a in lab) {
			m = split(acc[lab[a]], z, " ")
			for (i = 1; i <= m; i++)
				for (j = i + 1; j <= m; j++)
					if (z[j] < z[i]) { t = z[i]; z[i] = z[j]; z[j] = t }
			s = ""
			for (i = 1; i <= m; i++) s = s (i > 1 ? " " : "") z[i]
			print lab[a] "\t" (s == "" ? "-" : s)
		}
	}' "$out/syms" "$out/lackey.log" >"$out/got" || die "cannot read lackey's log"

bad=0
printf '%-14s %-26s %-16s %-10s %s\n' label instruction lackey cpu normalisation
while IFS=$'\t' read -r label want cpu norm; do
	[ -n "$label" ] || continue
	addr=$(awk -v l="$label" '$2 == l { print $1 }' "$out/syms")
	insn=$(awk -F'\t' -v a="$addr" '$1 == a { print $2 }' "$out/insns")
	got=$(awk -F'\t' -v l="$label" '$1 == l { print $2 }' "$out/got")
	[ -n "$addr" ] || { echo "valgrind-quirks: no symbol q_$label" >&2; bad=1; continue; }
	mark=
	[ "$got" = "$want" ] || { mark="  DIFFERS: expected $want"; bad=1; }
	printf '%-14s %-26s %-16s %-10s %s%s\n' "$label" "$insn" "${got:--}" \
		"$cpu" "$norm" "$mark"
done <<<"$expect"

if [ $bad = 0 ]; then
	echo "valgrind-quirks: lackey behaves as compare.py assumes"
else
	echo "valgrind-quirks: lackey differs from what compare.py assumes;" \
		"re-check its normalisations" >&2
fi
exit $bad
