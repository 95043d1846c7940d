// SPDX-License-Identifier: GPL-2.0
/*
 * sqlite workload: create tables, insert, index, join and aggregate, in an
 * in-memory database.  Prints every result row; the native and instrumented
 * builds must print the same bytes.  Usage: sqlite-test [ROWS]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static int row(void *arg, int n, char **val, char **col)
{
	int i;

	for (i = 0; i < n; i++)
		printf("%s%s=%s", i ? " " : "", col[i], val[i] ? val[i] : "NULL");
	putchar('\n');
	return 0;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, row, NULL, &err) != SQLITE_OK) {
		printf("error: %s\n", err);
		sqlite3_free(err);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int rows = argc > 1 ? atoi(argv[1]) : 2000;
	sqlite3_stmt *st;
	sqlite3 *db;
	int i;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	exec(db, "CREATE TABLE dev(id INTEGER PRIMARY KEY, name TEXT, bar INTEGER);"
		 "CREATE TABLE acc(id INTEGER PRIMARY KEY, dev INTEGER, reg INTEGER,"
		 " val INTEGER, kind TEXT);");
	exec(db, "BEGIN");
	for (i = 0; i < 16; i++) {
		char sql[128];

		snprintf(sql, sizeof(sql),
			 "INSERT INTO dev(name, bar) VALUES('dev%02d', %d);", i,
			 i % 6);
		exec(db, sql);
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO acc(dev, reg, val, kind) VALUES(?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return 1;
	for (i = 0; i < rows; i++) {
		sqlite3_bind_int(st, 1, 1 + (i * 7) % 16);
		sqlite3_bind_int(st, 2, (i * 13) % 256 * 4);
		sqlite3_bind_int64(st, 3, (long long)i * 2654435761u % 100000);
		sqlite3_bind_text(st, 4, i % 3 ? "R" : "W", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return 1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
	exec(db, "CREATE INDEX acc_reg ON acc(reg, kind);");
	exec(db, "SELECT count(*) AS n, sum(val) AS s, min(reg) AS lo, max(reg) AS hi FROM acc;");
	exec(db, "SELECT d.name, a.kind, count(*) AS n, avg(a.val) AS m FROM acc a"
		 " JOIN dev d ON d.id = a.dev GROUP BY d.name, a.kind ORDER BY d.name, a.kind;");
	exec(db, "SELECT reg, count(*) AS n FROM acc WHERE reg BETWEEN 64 AND 96"
		 " AND kind = 'W' GROUP BY reg ORDER BY n DESC, reg LIMIT 10;");
	exec(db, "SELECT d.bar, group_concat(DISTINCT d.name) AS devs, total(a.val) AS t"
		 " FROM dev d LEFT JOIN acc a ON a.dev = d.id GROUP BY d.bar ORDER BY d.bar;");
	exec(db, "UPDATE acc SET val = val / 2 WHERE reg % 8 = 0;"
		 "DELETE FROM acc WHERE val < 1000;");
	exec(db, "SELECT count(*) AS left_rows, printf('%.3f', avg(val)) AS mean,"
		 " upper(substr(group_concat(kind, ''), 1, 12)) AS ks FROM acc;");
	exec(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50)"
		 " SELECT sum(x * x) AS sq, hex('ks' || x'00ff') AS h FROM c;");
	sqlite3_close(db);
	return 0;
}
