/* SPDX-License-Identifier: GPL-2.0 */
extern long cxx_dtors;
int cxx_thrower(int *p, int n, int limit);
int cxx_cleanup(int *p, int n, int limit);
int cxx_rethrow(int *p, int n, int limit);
int cxx_catcher(int *p, int n, int limit);
