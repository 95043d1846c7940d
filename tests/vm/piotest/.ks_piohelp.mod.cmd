cmd_/work/main/tests/vm/piotest/ks_piohelp.mod := printf '%s\n'   ks_piohelp.o | awk '!x[$$0]++ { print("/work/main/tests/vm/piotest/"$$0) }' > /work/main/tests/vm/piotest/ks_piohelp.mod
