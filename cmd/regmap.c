// SPDX-License-Identifier: GPL-2.0
/*
 * Register maps (see regmap.h).
 */
#include "regmap.h"

static const char name_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.[]-";

static int regmap__add(struct regmap *m, const struct regname *r)
{
	struct regname *v = realloc(m->v, (m->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->v = v;
	m->v[m->n++] = *r;
	return 0;
}

int regmap__load(struct regmap *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int ln = 0, err = 0;

	if (!f) {
		err = -errno;
		ks_err("%s: cannot read the register map: %s", path, strerror(errno));
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		struct regname r = {};
		unsigned int bar, width;
		unsigned long long off;
		char *h = strchr(line, '#');

		ln++;
		if (h)
			*h = 0;
		line[strcspn(line, "\r\n")] = 0;
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (sscanf(line, "BAR%u %llx %u %47s", &bar, &off, &width, r.name) != 4 ||
		    bar > 6 || !width || width > 8) {
			ks_err("%s:%d: not 'BARn OFFSET WIDTH NAME': %s", path, ln, line);
			err = -EINVAL;
			break;
		}
		if (strspn(r.name, name_chars) != strlen(r.name)) {
			ks_err("%s:%d: a register name is letters, digits and _.[]-: %s",
			       path, ln, r.name);
			err = -EINVAL;
			break;
		}
		r.bar = bar;
		r.off = off;
		r.width = width;
		err = regmap__add(m, &r);
	}
	if (!err && ferror(f)) {
		ks_err("%s: read error", path);
		err = -EIO;
	}
	fclose(f);
	return err;
}

const char *regmap__name(const struct regmap *m, u8 bar, u64 off, u8 width)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].bar == bar && m->v[i].off == off && m->v[i].width == width)
			return m->v[i].name;
	return NULL;
}

void regmap__free(struct regmap *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
