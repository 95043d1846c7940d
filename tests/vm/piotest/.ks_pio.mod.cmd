cmd_/work/main/tests/vm/piotest/ks_pio.mod := printf '%s\n'   ks_pio.o | awk '!x[$$0]++ { print("/work/main/tests/vm/piotest/"$$0) }' > /work/main/tests/vm/piotest/ks_pio.mod
