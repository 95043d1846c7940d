cmd_/work/main/tests/vm/piotest/modules.order := {   echo /work/main/tests/vm/piotest/ks_pio.ko;   echo /work/main/tests/vm/piotest/ks_piohelp.ko; :; } > /work/main/tests/vm/piotest/modules.order
