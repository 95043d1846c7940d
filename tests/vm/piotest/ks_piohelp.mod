/work/main/tests/vm/piotest/ks_piohelp.o
