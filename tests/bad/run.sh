#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input: each gets a clear message, a non-zero exit, no crash, and no
# output file (an existing one is left as it was).
# usage: tests/bad/run.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ktest.sh"
B=${1:-$top/build}
mkdir -p "$B" && B=$(cd "$B" && pwd)  # absolute: scripts cd around
KS=$B/kstride
W=$B/tests/bad
mkdir -p "$W"

# expect_fail NAME INPUT MESSAGE: instrument must fail saying MESSAGE
expect_fail() {
	local in=$1 msg=$2 out=$W/out.o rc
	rm -f "$out"
	"$KS" instrument "$in" -o "$out" > "$W/msg.txt" 2>&1
	rc=$?
	cat "$W/msg.txt"
	[ $rc -ne 0 ] || die "exit status 0" || return 1
	[ $rc -lt 128 ] || die "crashed (status $rc)" || return 1
	[ ! -e "$out" ] || die "an output file was written" || return 1
	grep -q -- "$msg" "$W/msg.txt" || die "message lacks '$msg'" || return 1
	grep -q -- "$in" "$W/msg.txt" || die "message does not name the file" || return 1
}

t_not_elf() {
	printf 'hello, I am text\n' > "$W/text.o"
	expect_fail "$W/text.o" "not an ELF file"
}

t_empty() {
	: > "$W/empty.o"
	expect_fail "$W/empty.o" "not an ELF file"
}

t_wrong_machine() {
	gcc -c -o "$W/m.o" "$top/tests/bad/unknown.S" || return 1
	cp "$W/m.o" "$W/arm.o"
	# e_machine = 183 (EM_AARCH64) at offset 18
	printf '\xb7\x00' | dd of="$W/arm.o" bs=1 seek=18 conv=notrunc status=none
	expect_fail "$W/arm.o" "is not x86-64"
}

t_elf32() {
	cp "$W/m.o" "$W/e32.o" 2>/dev/null || gcc -c -o "$W/e32.o" "$top/tests/bad/unknown.S"
	printf '\x01' | dd of="$W/e32.o" bs=1 seek=4 conv=notrunc status=none
	expect_fail "$W/e32.o" "not a 64-bit little-endian ELF"
}

t_double_instrumentation() {
	gcc -c -O2 -o "$W/once.o" "$top/tests/real/zlib-test.c" || return 1
	"$KS" instrument "$W/once.o" -o "$W/twice-in.o" > /dev/null 2>&1 ||
		die "the first instrumentation failed" || return 1
	expect_fail "$W/twice-in.o" "already instrumented by kstride" || return 1
	# a module too, in MMIO mode, whose copies carry only device sites
	gcc -c -O2 -fno-asynchronous-unwind-tables -o "$W/mod.o" -x c - <<'EOS' || return 1
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "license=GPL";
int f(volatile int *p) { return *p; }
EOS
	"$KS" instrument --mmio "$W/mod.o" -o "$W/mod-ks.o" > /dev/null 2>&1 ||
		die "the MMIO instrumentation failed" || return 1
	expect_fail "$W/mod-ks.o" "already instrumented by kstride"
}

# an instrumented module says how in its .modinfo (record -m loads such a
# module as it is when both match), read back with objcopy, not kstride
t_modinfo_stamp() {
	local mode opt got
	gcc -c -O2 -fno-asynchronous-unwind-tables -o "$W/stamp.o" -x c - <<'EOS' || return 1
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "license=GPL";
int f(int *p) { return *p; }
int g(int (*h)(int *), int *p) { return h(p) + 1; }
EOS
	for mode in full mmio calls; do
		opt=
		[ $mode = full ] || opt=--$mode
		"$KS" instrument $opt "$W/stamp.o" -o "$W/stamp-$mode.o" > /dev/null 2>&1 ||
			die "instrument $opt failed" || return 1
		got=$(objcopy -O binary --only-section=.modinfo "$W/stamp-$mode.o" /dev/stdout | tr '\0' '\n')
		echo "$got" | grep -qx 'license=GPL' || die "$mode: the module's own .modinfo was lost: $got" || return 1
		echo "$got" | grep -qx "kstride_mode=$mode" || die "$mode: no kstride_mode=$mode in: $got" || return 1
		echo "$got" | grep -qx "kstride_abi=$(sed -n 's/^#define KS_ABI_VERSION \([0-9]*\).*/\1/p' "$top/include/kstride/abi.h")" ||
			die "$mode: no kstride_abi of abi.h in: $got" || return 1
	done
}

# a compressed module (Debian 6.12 ships .ko.xz) is read as its contents:
# the same bytes out as from the plain file; an output named as
# compressed is refused, since kstride writes it plain
t_compressed_module() {
	local z
	cp "$W/stamp.o" "$W/cmod.ko" || return 1
	"$KS" instrument "$W/cmod.ko" -o "$W/cmod-plain-ks.ko" > /dev/null 2>&1 ||
		die "instrument of the plain module failed" || return 1
	for z in xz:xz gzip:gz zstd:zst; do
		local tool=${z%%:*} ext=${z#*:}
		command -v $tool > /dev/null || die "no $tool" || return 1
		rm -f "$W/cmod.ko.$ext"
		$tool -c "$W/cmod.ko" > "$W/cmod.ko.$ext" || return 1
		"$KS" instrument "$W/cmod.ko.$ext" -o "$W/cmod-$ext-ks.ko" > /dev/null 2>&1 ||
			die "instrument of the .$ext module failed" || return 1
		cmp -s "$W/cmod-plain-ks.ko" "$W/cmod-$ext-ks.ko" ||
			die ".$ext: not the bytes of the plain module's output" || return 1
	done
	expect_fail_out() {
		"$KS" instrument "$1" -o "$2" > /dev/null 2> "$W/err.txt" && return 1
		grep -q "$3" "$W/err.txt" && [ ! -e "$2" ]
	}
	expect_fail_out "$W/cmod.ko.xz" "$W/out-ks.ko.xz" "name the output .ko, not .xz" ||
		die "a .xz output name was not refused clearly: $(cat "$W/err.txt")" || return 1
	head -c 200 "$W/cmod.ko.xz" > "$W/cut.ko.xz"
	expect_fail_out "$W/cut.ko.xz" "$W/cut-ks.ko" "cannot decompress (xz): corrupt or truncated" ||
		die "a truncated .xz gave no clear error: $(cat "$W/err.txt")" || return 1
}

# kernel metadata is read in the layout the object has, never misread:
# struct alt_instr is 12 bytes up to 6.1 and 14 bytes later, and 84 bytes
# are both (doc/dev/kernel-6.12.md); a size that fits neither is refused.
# Read right, every entry still names the 5-byte site, copied verbatim.
t_alt_layout() {
	local n
	for n in 12 13 14; do
		{
			printf '.text\n.globl f\n.type f,@function\nf: nop; nop; nop; nop; nop; movl (%%rdi),%%eax; ret\n.size f,.-f\n'
			printf '.section .altinstr_replacement,"ax"\nr: nop\n'
			printf '.section .altinstructions,"a"\n'
			for e in 1 2 3 4 5 6; do # 6 x 14 = 84, also 7 x 12
				printf '.long f - .\n.long r - .\n'
				case $n in
				12) printf '.word 0\n' ;;
				13) printf '.word 0\n.byte 0\n' ;;
				14) printf '.long 0\n' ;;
				esac
				printf '.byte 5, 1\n'
			done
			printf '.section .modinfo,"a"\n.asciz "license=GPL"\n'
		} > "$W/alt$n.s"
		gcc -c -o "$W/alt$n.o" "$W/alt$n.s" || return 1
	done
	for n in 12 14; do
		"$KS" instrument "$W/alt$n.o" -o "$W/alt$n-ks.o" > "$W/alt$n.txt" 2>&1 ||
			die "the $n-byte layout was refused: $(cat "$W/alt$n.txt")" || return 1
		python3 - "$W/alt$n-ks.o" $n <<'EOS' || return 1
import subprocess, sys
path, n = sys.argv[1], int(sys.argv[2])
out = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True).stdout
sec, sites = None, []
for line in out.splitlines():
    if line.startswith("Relocation section"):
        sec = line.split("'")[1]
    elif sec == ".rela.altinstructions" and line[:1] in "0123456789abcdef" and line.strip():
        w = line.split()
        off, sym, add = int(w[0], 16), w[4], int(w[6], 16) if len(w) > 6 else 0
        if off % n == 0:
            sites.append((sym, add))
if len(sites) != 6:
    sys.exit("%d-byte layout: %d entries name a site, not 6" % (n, len(sites)))
for sym, add in sites:
    # f is instrumented: its copy holds the site, the kernel patches that
    if sym != ".text.kstride":
        sys.exit("%d-byte layout: an entry names %s, not f's copy" % (n, sym))
    d = subprocess.run(["objdump", "-d", "-j", sym, "--start-address=%d" % add,
                        "--stop-address=%d" % (add + 5), path],
                       capture_output=True, text=True).stdout
    if d.count("\tnop") != 5:
        sys.exit("%d-byte layout: an entry names %s+%#x, not the 5 nops" % (n, sym, add))
print("alt_instr, %d bytes: 6 entries, each names the copied 5-byte site" % n)
EOS
	done
	expect_fail "$W/alt13.o" "neither 12-byte (Linux up to 6.1) nor 14-byte"
}

# an empty relocation section, as ld -r may leave: instrumented as usual
t_empty_rela() {
	printf '.text\n.globl f\nf: movl (%%rdi),%%eax\nret\n.section .rela.foo,"",@progbits\n' |
		gcc -c -x assembler -o "$W/er.o" - 2> /dev/null || return 1
	python3 - "$W/er.o" <<'EOS' || return 1
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
shoff = struct.unpack_from('<Q', d, 0x28)[0]
es, num, stri = struct.unpack_from('<HHH', d, 0x3a)
sh = lambda i: shoff + i * es
stro = struct.unpack_from('<Q', d, sh(stri) + 0x18)[0]
idx = {}
for i in range(num):
    n = struct.unpack_from('<I', d, sh(i))[0]
    idx[d[stro + n:d.index(0, stro + n)].decode()] = i
r = sh(idx['.rela.foo'])
struct.pack_into('<I', d, r + 4, 4)  # SHT_RELA
struct.pack_into('<II', d, r + 0x28, idx['.symtab'], idx['.text'])
struct.pack_into('<Q', d, r + 0x38, 24)
open(sys.argv[1], 'wb').write(d)
EOS
	"$KS" instrument "$W/er.o" -o "$W/er-ks.o" || die "an empty SHT_RELA section was refused"
}

# an output nobody can write: said before the program runs
t_record_bad_output() {
	local msg=$W/rec.txt
	rm -f "$W/ran"
	"$KS" record -o /nonexistent/dir/t.trace -- touch "$W/ran" > "$msg" 2>&1
	[ $? -ne 0 ] || die "exit status 0" || return 1
	cat "$msg"
	[ ! -e "$W/ran" ] || die "the program ran" || return 1
	grep -q "/nonexistent/dir/t.trace: cannot write the trace there: No such file or directory" "$msg" ||
		die "the message does not say why"
}

t_truncated() {
	local n
	gcc -c -O2 -o "$W/full.o" "$top/tests/real/zlib-test.c" || return 1
	for n in 10 64 200 1000 $(( $(stat -c %s "$W/full.o") - 16 )); do
		head -c $n "$W/full.o" > "$W/trunc.o"
		expect_fail "$W/trunc.o" "trunc\|not an ELF\|outside the" || return 1
	done
}

t_exec() {
	gcc -no-pie -o "$W/exe" "$top/tests/golden/golden-main.c" -x assembler "$top/tests/golden/fixtures.S" || return 1
	expect_fail "$W/exe" "executable (ET_EXEC)" || return 1
	gcc -pie -fPIE -o "$W/pie" "$top/tests/real/zlib-test.c" -lz || return 1
	expect_fail "$W/pie" "(ET_DYN)"
}

t_overlap() {
	gcc -c -o "$W/overlap.o" "$top/tests/bad/overlap.S" || return 1
	expect_fail "$W/overlap.o" "overlapping function symbols"
}

t_unknown() {
	gcc -c -o "$W/unknown.o" "$top/tests/bad/unknown.S" || return 1
	# --strict: any unknown instruction fails, named, with its bytes
	if "$KS" instrument --strict "$W/unknown.o" -o "$W/out.o" > "$W/msg.txt" 2>&1; then
		die "--strict accepted an unknown instruction"
		return 1
	fi
	cat "$W/msg.txt"
	grep -q "unknown instruction: 06 c3" "$W/msg.txt" || die "no message" || return 1
	grep -q -- "$W/unknown.o" "$W/msg.txt" || die "the file is not named" || return 1
	[ ! -e "$W/out.o" ] || die "an output file was written" || return 1
	# the closing line says it in words, not as an errno's text
	grep -q "failed (an instruction it cannot decode)" "$W/msg.txt" ||
		die "the closing line: $(tail -1 "$W/msg.txt")" || return 1
	# by default the function is left original, warned about and counted
	"$KS" instrument --stats "$W/unknown.o" -o "$W/unknown-ks.o" > "$W/st.txt" 2> "$W/warn.txt" ||
		die "the default refused it: $(cat "$W/warn.txt")" || return 1
	cat "$W/st.txt" "$W/warn.txt"
	grep -q "bad+0x2 .*unknown instruction: 06 c3 left original" "$W/warn.txt" ||
		die "no warning naming the function" || return 1
	grep -q "undecodable-bytes *1" "$W/st.txt" || die "not counted" || return 1
	grep -q "instrumented: *1" "$W/st.txt" || die "the good function was not instrumented"
}

# A vendor instruction Zydis does not decode (VIA PadLock) beside ordinary
# code: the library still gets instrumented, that function stays original.
t_vendor_instruction() {
	gcc -c -o "$W/vendor.o" "$top/tests/bad/vendor.S" || return 1
	"$KS" instrument --stats "$W/vendor.o" -o "$W/vendor-ks.o" > "$W/st.txt" 2> "$W/warn.txt" ||
		die "refused: $(cat "$W/warn.txt")" || return 1
	grep -q "padlock_sha512+0x3 .*f3 0f a6 e0" "$W/warn.txt" || die "no warning: $(cat "$W/warn.txt")" || return 1
	grep -q "instrumented: *1" "$W/st.txt" && grep -q "undecodable-bytes *1" "$W/st.txt" ||
		die "counts: $(cat "$W/st.txt")"
}

# Bytes that are no code at all are still refused by default.
t_not_code() {
	gcc -c -o "$W/garbage.o" "$top/tests/bad/garbage.S" || return 1
	expect_fail "$W/garbage.o" "none of its 2 functions decodes" || return 1
	# --allow-unknown passes it through
	"$KS" instrument --allow-unknown "$W/garbage.o" -o "$W/garbage-ks.o" 2>/dev/null ||
		die "--allow-unknown refused it" || return 1
	cmp -s "$W/garbage.o" "$W/garbage-ks.o" || die "not passed through unchanged"
}

t_keep_existing() {
	echo "precious" > "$W/keep.o"
	"$KS" instrument "$W/text.o" -o "$W/keep.o" 2>/dev/null && return 1
	[ "$(cat "$W/keep.o")" = precious ] || die "existing output was changed"
	! ls "$W"/keep.o.kstride-tmp.* 2>/dev/null || die "temporary file left behind"
}

t_bad_archive() {
	printf '!<arch>\nfoo.o/          0           0     0     644     999999    `\nxx' > "$W/bad.a"
	expect_fail "$W/bad.a" "truncated or corrupt\|bad size"
}

t_missing() {
	expect_fail "$W/does-not-exist.o" "No such file"
}

# -o naming the input itself (or a link to it) is refused; the input stays
t_same_file() {
	gcc -c -o "$W/same.o" "$top/tests/golden/fixtures.S" || return 1
	cp "$W/same.o" "$W/same-orig.o" && ln -sf same.o "$W/same-link.o"
	for out in "$W/same.o" "$W/same-link.o"; do
		"$KS" instrument "$W/same.o" -o "$out" > "$W/msg.txt" 2>&1 &&
			die "instrumenting into $out was accepted" && return 1
		grep -q "the output would replace the input" "$W/msg.txt" ||
			die "message: $(cat "$W/msg.txt")" || return 1
		cmp -s "$W/same.o" "$W/same-orig.o" || die "the input changed" || return 1
	done
}

t_directory() {
	mkdir -p "$W/adir"
	expect_fail "$W/adir" "directory"
}

# a pipe is read to its end, like a file
t_pipe() {
	gcc -c -o "$W/piped.o" "$top/tests/golden/fixtures.S" || return 1
	"$KS" instrument --stats /dev/stdin -o "$W/piped-ks.o" < <(cat "$W/piped.o") > "$W/st.txt" ||
		die "a piped input was refused" || return 1
	grep -q "left original:      0" "$W/st.txt" || die "$(cat "$W/st.txt")"
}

# Corrupt traces: the readers must say what is wrong, never crash.
t_bad_traces() {
	local t=$B/tests/golden/default.trace f rc n
	[ -f "$t" ] || { echo "SKIP: run the golden tests first"; return 4; }
	f=$W/t.trace
	for n in 0 7 40 100 4096 $(( $(stat -c %s "$t") - 8 )); do
		head -c $n "$t" > "$f"
		for cmd in script "report --by-insn"; do
			"$KS" $cmd "$f" > /dev/null 2> "$W/err.txt"
			rc=$?
			[ $rc -ne 0 ] && [ $rc -lt 128 ] || die "$cmd on $n bytes: status $rc" || return 1
			grep -q "kstride" "$W/err.txt" || die "no message for $n bytes" || return 1
		done
	done
	# flip bytes all over the file: any status but a crash
	for n in $(seq 1 40); do
		cp "$t" "$f"
		printf "\\x$(printf %x $((n * 37 % 256)))" | dd of="$f" bs=1 seek=$(( (n * 7919) % $(stat -c %s "$t") )) conv=notrunc status=none
		"$KS" report --by-insn "$f" > /dev/null 2>&1
		rc=$?
		[ $rc -lt 128 ] || die "crash on corrupted trace (status $rc)" || return 1
	done
	# --force reads the complete part of a cut trace
	head -c $(( $(stat -c %s "$t") / 2 )) "$t" > "$f"
	"$KS" script --force "$f" > /dev/null 2>&1
	[ $? -lt 128 ] || die "crash with --force" || return 1
	# ...and when nothing is complete (cut in its first chunk), it says
	# so and fails: an error message never goes with status 0
	head -c 100 "$t" > "$f"
	"$KS" script --force "$f" > /dev/null 2> "$W/err.txt"
	rc=$?
	cat "$W/err.txt"
	[ $rc -ne 0 ] && [ $rc -lt 128 ] || die "--force on a trace cut in its first chunk: status $rc" || return 1
	grep -q "nothing in the trace is complete" "$W/err.txt" || die "no reason given"
}

# the mmiotrace-format checker the VM tests rely on must be able to fail
t_mmioparse() {
	"$B/mmioparse" "$top/tests/bad/mmio/good.log" || die "good log rejected" || return 1
	if "$B/mmioparse" "$top/tests/bad/mmio/bad.log" > "$W/mp.txt" 2>&1; then
		die "bad log accepted"; return 1
	fi
	grep -q "rejected 3" "$W/mp.txt" || die "not 3 rejected lines" || return 1
}

# kstride mmiotrace and mark refuse what they cannot use
t_mmio_cli() {
	"$KS" mmiotrace "$W/none.trace" > /dev/null 2>&1 && { die "a missing trace"; return 1; }
	"$KS" mark > /dev/null 2>&1 && { die "mark without text"; return 1; }
	"$KS" mark "$(printf 'x%.0s' $(seq 1 80))" > "$W/mk.txt" 2>&1 && { die "a long mark"; return 1; }
	grep -q "longer than" "$W/mk.txt" || die "long mark message" || return 1
	"$KS" mmiotrace --help | grep -q "VERSION 20070824" || die "help" || return 1
}

# kstride timeline: what it cannot draw is refused, and no file is left
t_timeline_cli() {
	local t=$B/tests/golden/default.trace rc n
	[ -f "$t" ] || { echo "SKIP: run the golden tests first"; return 4; }
	rm -f "$W/tl.json" "$W/tl.svg"
	"$KS" timeline "$t" > /dev/null 2>&1
	[ $? -eq 2 ] || die "no output named: not a usage error" || return 1
	"$KS" timeline "$t" -o "$W/tl.json" --svg "$W/tl.svg" > "$W/tl.txt" 2>&1
	rc=$?
	cat "$W/tl.txt"
	[ $rc -eq 1 ] || die "a user-space trace: status $rc" || return 1
	grep -q "default.trace: a user-space trace" "$W/tl.txt" || die "no reason given" || return 1
	[ ! -e "$W/tl.json" ] && [ ! -e "$W/tl.svg" ] || die "an output file was written" || return 1
	ls "$W" | grep -q kstride-tmp && { die "a temporary file was left"; return 1; }
	echo keep > "$W/tl.json"
	"$KS" timeline "$t" -o "$W/tl.json" > /dev/null 2>&1
	[ "$(cat "$W/tl.json")" = keep ] || die "an existing output was changed" || return 1
	"$KS" timeline "$t" -o /nonexistent/dir/t.json > "$W/tl.txt" 2>&1
	grep -q "/nonexistent/dir/t.json: cannot write" "$W/tl.txt" || die "bad output dir: $(cat "$W/tl.txt")" || return 1
	"$KS" timeline --map /nonexistent.regs "$t" -o "$W/x.json" > "$W/tl.txt" 2>&1
	grep -q "/nonexistent.regs: cannot read the register map" "$W/tl.txt" || die "bad map" || return 1
	"$KS" timeline --from 5 --to 3 "$t" --svg "$W/x.svg" > /dev/null 2>&1
	[ $? -eq 2 ] || die "--from after --to accepted" || return 1
	"$KS" timeline --from 1x "$t" --svg "$W/x.svg" > /dev/null 2>&1
	[ $? -eq 2 ] || die "--from 1x accepted" || return 1
	for n in 0 7 100 4096; do
		head -c $n "$t" > "$W/cut.trace"
		"$KS" timeline "$W/cut.trace" -o "$W/x.json" --svg "$W/x.svg" > /dev/null 2>&1
		rc=$?
		[ $rc -ne 0 ] && [ $rc -lt 128 ] || die "cut at $n: status $rc" || return 1
		[ ! -e "$W/x.json" ] && [ ! -e "$W/x.svg" ] || die "cut at $n: output written" || return 1
	done
}

# record shows a live line on a terminal only, and the summary replaces it
t_record_live() {
	command -v script > /dev/null || { echo "SKIP: no script(1)"; return 4; }
	printf 'int sum(volatile int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }\n' > "$W/lsum.c"
	cat > "$W/lmain.c" <<'EOS'
#include <time.h>
#include <unistd.h>
int sum(volatile int *p, int n);
int main(void)
{
	static int a[256];
	time_t s = time(0);
	while (time(0) - s < 2) { sum(a, 256); usleep(200); }
	return 0;
}
EOS
	gcc -O2 -c -o "$W/lsum.o" "$W/lsum.c" && "$KS" instrument "$W/lsum.o" -o "$W/lsum-ks.o" &&
	gcc -o "$W/live" "$W/lmain.c" "$W/lsum-ks.o" "$B/libkstride-rt.a" -lpthread || return 1
	script -qc "'$KS' record -o '$W/live.trace' -- '$W/live'" /dev/null > "$W/live-tty.txt" 2>&1 ||
		die "record failed on a terminal" || return 1
	tr '\r' '\n' < "$W/live-tty.txt" | grep -q "^kstride record: [0-9.]* MB written, [0-9.]* MB/s" ||
		die "no live line on a terminal: $(cat -v "$W/live-tty.txt" | head -3)" || return 1
	tr '\r' '\n' < "$W/live-tty.txt" | grep -q "live.trace: [0-9.]* MB written" ||
		die "no summary on a terminal" || return 1
	"$KS" record -o "$W/live.trace" -- "$W/live" 2> "$W/live-file.txt" || return 1
	[ "$(wc -l < "$W/live-file.txt")" = 1 ] && ! grep -q "MB/s" "$W/live-file.txt" ||
		die "a live line when stderr is a file: $(cat -v "$W/live-file.txt")" || return 1
	rm -f "$W/live.trace"
}

ktest_run bad-record-live t_record_live
ktest_run bad-timeline t_timeline_cli
ktest_run bad-mmioparse t_mmioparse
ktest_run bad-mmio-cli t_mmio_cli
# kstride help CMD says what CMD --help says, for every command
t_help() {
	local c
	for c in instrument record script report mmiotrace mark doctor diff timeline; do
		"$KS" help $c > "$W/help.txt" 2>&1 || die "help $c: exit $?" || return 1
		grep -q "^usage: kstride $c" "$W/help.txt" || die "help $c: $(head -1 "$W/help.txt")" || return 1
		"$KS" $c --help | cmp -s - "$W/help.txt" || die "help $c differs from $c --help" || return 1
	done
	"$KS" help nosuch > /dev/null 2>&1
	[ $? -eq 2 ] || die "help of an unknown command is not a usage error"
}

# instrument over an archive shows its progress on a terminal only
t_progress() {
	local lib=/usr/lib/x86_64-linux-gnu/libz.a n
	command -v script > /dev/null || { echo "SKIP: no script(1)"; return 4; }
	n=$(ar t "$lib" | wc -l)
	script -qc "'$KS' instrument '$lib' -o '$W/z-tty.a'" /dev/null > "$W/tty.txt" 2>&1 ||
		die "failed on a terminal" || return 1
	tr '\r' '\n' < "$W/tty.txt" | grep -q "kstride instrument: \[$n/$n\] " ||
		die "no progress on a terminal: $(cat -v "$W/tty.txt" | head -3)" || return 1
	"$KS" instrument "$lib" -o "$W/z-file.a" 2> "$W/notty.txt" || return 1
	[ ! -s "$W/notty.txt" ] || die "progress when stderr is a file: $(cat "$W/notty.txt")" || return 1
	cmp -s "$W/z-tty.a" "$W/z-file.a" || die "the outputs differ"
}

ktest_run bad-not-elf t_not_elf
ktest_run bad-empty t_empty
ktest_run bad-wrong-machine t_wrong_machine
ktest_run bad-elf32 t_elf32
ktest_run bad-truncated t_truncated
ktest_run bad-exec-and-dyn t_exec
ktest_run bad-overlapping-symbols t_overlap
ktest_run bad-unknown-instruction t_unknown
ktest_run bad-vendor-instruction t_vendor_instruction
ktest_run bad-not-code t_not_code
ktest_run bad-help t_help
ktest_run bad-progress t_progress
ktest_run bad-output-untouched t_keep_existing
ktest_run bad-archive t_bad_archive
ktest_run bad-missing-input t_missing
ktest_run bad-output-is-input t_same_file
ktest_run bad-directory-input t_directory
ktest_run bad-pipe-input t_pipe
ktest_run bad-traces t_bad_traces
ktest_run bad-double-instrumentation t_double_instrumentation
ktest_run bad-empty-rela t_empty_rela
ktest_run bad-modinfo-stamp t_modinfo_stamp
ktest_run bad-compressed-module t_compressed_module
ktest_run bad-alt-layout t_alt_layout
ktest_run bad-record-output t_record_bad_output
ktest_done bad
