/work/main/tests/vm/piotest/ks_pio.o
