/*
 * Host side of the plugins' key tables: see pconf.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pconf.h"

/* The values given for a KT_PARSE key, sorted after the last key. */
struct pconf_text {
	char **v;
	size_t n;
};

/* ------------------------------------------------------ value parsers */

int
pconf_parse_uint(const char *v, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int
pconf_parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (*v == '\0')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int
pconf_parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

int
pconf_parse_cs(const char *v, unsigned long *out)
{
	unsigned long whole = 0, frac = 0;
	int nd = 0, ndigits = 0;

	while (isdigit((unsigned char)*v)) {
		whole = whole * 10 + (unsigned long)(*v++ - '0');
		if (whole > 10000000)
			return -1;
		ndigits++;
	}
	if (*v == '.') {
		v++;
		while (isdigit((unsigned char)*v)) {
			if (nd == 2)
				return -1;
			frac = frac * 10 + (unsigned long)(*v++ - '0');
			nd++;
		}
		if (nd == 1)
			frac *= 10;
		if (nd == 0 && ndigits == 0)
			return -1;
	} else if (ndigits == 0)
		return -1;
	if (*v != '\0')
		return -1;
	*out = whole * 100 + frac;
	return 0;
}

/* ------------------------------------------------------------ tables */

static void *
pc_alloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL) {
		fprintf(stderr, "fipd: out of memory\n");
		abort();
	}
	return p;
}

#define PC_ALIGN(n)	(((n) + 15) & ~(size_t)15)

/* One allocation: the pconf, its lines, its texts, the plugin's struct. */
struct pconf *
pconf_new(const struct fipd_conf_schema *s)
{
	size_t o_lines = PC_ALIGN(sizeof(struct pconf));
	size_t o_text = o_lines + PC_ALIGN(s->n_keys * sizeof(int));
	size_t o_conf = o_text + PC_ALIGN(s->n_keys *
	    sizeof(struct pconf_text));
	char *b;
	struct pconf *p;

	b = pc_alloc(1, o_conf + s->size);
	p = (struct pconf *)(void *)b;
	p->s = s;
	p->lines = (int *)(void *)(b + o_lines);
	p->text = (struct pconf_text *)(void *)(b + o_text);
	p->conf = b + o_conf;
	if (s->defaults != NULL)
		s->defaults(p->conf);
	return p;
}

const struct fipd_conf_key *
pconf_key(const struct fipd_conf_schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].name, key) == 0)
			return &s->keys[i];
	return NULL;
}

/*
 * A parse() message starts with the key's name: "KEY: msg", unless the
 * plugin's (shared) parser already wrote "KEY ..." or "KEY: ...".
 */
static void
pc_name_err(const char *key, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(key);
	char *msg;

	if (err[0] == '\0') {
		snprintf(err, errlen, "%s: invalid value '%s'", key, v);
		return;
	}
	if (strncmp(err, key, n) == 0 && (err[n] == ':' || err[n] == ' '))
		return;
	if (asprintf(&msg, "%s: %s", key, err) == -1)
		return;
	snprintf(err, errlen, "%s", msg);
	free(msg);
}

static int
pc_value(const struct fipd_conf_key *k, void *conf, const char *v,
    char *err, size_t errlen)
{
	char *field = (char *)conf + k->offset, *dup, *old;
	unsigned long u;
	long l;
	int b;
	unsigned int ui;
	size_t i;

	switch (k->type) {
	case FIPD_KT_STR:
		if ((dup = strdup(v)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", k->name);
			return -1;
		}
		memcpy(&old, field, sizeof(old));
		free(old);
		memcpy(field, &dup, sizeof(dup));
		return 0;
	case FIPD_KT_UINT:
		if (pconf_parse_uint(v, (unsigned long)k->min,
		    (unsigned long)k->max, &u) == -1)
			break;
		ui = (unsigned int)u;
		memcpy(field, &ui, sizeof(ui));
		return 0;
	case FIPD_KT_INT:
		if (pconf_parse_int(v, k->min, k->max, &l) == -1)
			break;
		b = (int)l;
		memcpy(field, &b, sizeof(b));
		return 0;
	case FIPD_KT_BOOL:
		if (pconf_parse_bool(v, &b) == -1)
			break;
		memcpy(field, &b, sizeof(b));
		return 0;
	case FIPD_KT_SECONDS:
		if (pconf_parse_cs(v, &u) == -1 || u < (unsigned long)k->min ||
		    u > (unsigned long)k->max)
			break;
		ui = (unsigned int)u;
		memcpy(field, &ui, sizeof(ui));
		return 0;
	case FIPD_KT_ENUM:
		for (i = 0; k->names != NULL && k->names[i] != NULL; i++)
			if (strcasecmp(v, k->names[i]) == 0) {
				b = (int)i;
				memcpy(field, &b, sizeof(b));
				return 0;
			}
		break;
	case FIPD_KT_PARSE:
		if (k->parse == NULL) {
			snprintf(err, errlen, "%s: no parser", k->name);
			return -1;
		}
		err[0] = '\0';
		if (k->parse(conf, k, v, err, errlen) == 0)
			return 0;
		pc_name_err(k->name, v, err, errlen);
		return -1;
	}
	snprintf(err, errlen, "%s: expected %s, got '%s'", k->name,
	    k->doc != NULL ? k->doc : "a valid value", v);
	return -1;
}

int
pconf_set(struct pconf *p, const char *key, const char *value, int line,
    char *err, size_t errlen)
{
	const struct fipd_conf_key *k;
	struct pconf_text *t;
	size_t i;

	if ((k = pconf_key(p->s, key)) == NULL)
		return 1;
	i = (size_t)(k - p->s->keys);
	if (p->lines[i] != 0 && !(k->flags & FIPD_KF_REPEAT)) {
		snprintf(err, errlen, "duplicate key '%s' (first at line %d)",
		    key, p->lines[i]);
		p->bad = 1;
		return -1;
	}
	if (p->lines[i] == 0)
		p->lines[i] = line > 0 ? line : -1;
	if (pc_value(k, p->conf, value, err, errlen) == -1) {
		p->bad = 1;
		return -1;
	}
	if (k->type == FIPD_KT_PARSE) {
		t = &p->text[i];
		t->v = realloc(t->v, (t->n + 1) * sizeof(*t->v));
		if (t->v == NULL || (t->v[t->n] = strdup(value)) == NULL) {
			fprintf(stderr, "fipd: out of memory\n");
			abort();
		}
		t->n++;
	}
	return 0;
}

static int
pc_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pconf_finish(struct pconf *p, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < p->s->n_keys; i++) {
		if (p->text[i].n > 1)
			qsort(p->text[i].v, p->text[i].n, sizeof(char *),
			    pc_strcmp);
		if ((p->s->keys[i].flags & FIPD_KF_REQUIRED) &&
		    p->lines[i] == 0) {
			snprintf(err, errlen, "%s is required",
			    p->s->keys[i].name);
			return -1;
		}
	}
	return 0;
}

/* 0 when key i has the same value in a and b (same schema). */
static int
pc_key_cmp(const struct pconf *a, const struct pconf *b, size_t i)
{
	const struct fipd_conf_key *k = &a->s->keys[i];
	const char *fa = (const char *)a->conf + k->offset;
	const char *fb = (const char *)b->conf + k->offset;
	const struct pconf_text *ta = &a->text[i], *tb = &b->text[i];
	const char *sa, *sb;
	size_t j;

	switch (k->type) {
	case FIPD_KT_STR:
		memcpy(&sa, fa, sizeof(sa));
		memcpy(&sb, fb, sizeof(sb));
		if (sa == NULL || sb == NULL)
			return sa != sb;
		return strcmp(sa, sb) != 0;
	case FIPD_KT_UINT:
	case FIPD_KT_INT:
	case FIPD_KT_BOOL:
	case FIPD_KT_SECONDS:
	case FIPD_KT_ENUM:
		return memcmp(fa, fb, sizeof(int)) != 0;
	case FIPD_KT_PARSE:
		if (ta->n != tb->n)
			return 1;
		for (j = 0; j < ta->n; j++)
			if (strcmp(ta->v[j], tb->v[j]) != 0)
				return 1;
		return 0;
	}
	return 1;
}

const char *
pconf_diff(const struct pconf *a, const struct pconf *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b ? NULL : "(keys)";
	if (a->s != b->s)
		return "(schema)";
	for (i = 0; i < a->s->n_keys; i++)
		if (pc_key_cmp(a, b, i) != 0)
			return a->s->keys[i].name;
	return NULL;
}

int
pconf_restart_key(const struct pconf *a, const struct pconf *b,
    const char **what)
{
	size_t i;

	if (a == NULL || b == NULL || a->s != b->s) {
		*what = "(schema)";
		return a != b;
	}
	for (i = 0; i < a->s->n_keys; i++)
		if ((a->s->keys[i].flags & FIPD_KF_RESTART) &&
		    pc_key_cmp(a, b, i) != 0) {
			*what = a->s->keys[i].name;
			return 1;
		}
	return 0;
}

void
pconf_values(const struct pconf *p, pconf_value_fn *fn, void *arg)
{
	const struct fipd_conf_key *k;
	const char *field, *v[1];
	char buf[32];
	unsigned int u;
	int i32;
	size_t i, j;

	for (i = 0; p != NULL && i < p->s->n_keys; i++) {
		k = &p->s->keys[i];
		field = (const char *)p->conf + k->offset;
		v[0] = buf;
		switch (k->type) {
		case FIPD_KT_STR:
			memcpy(&v[0], field, sizeof(v[0]));
			fn(arg, k->name, v, v[0] != NULL, 0);
			continue;
		case FIPD_KT_UINT:
			memcpy(&u, field, sizeof(u));
			snprintf(buf, sizeof(buf), "%u", u);
			break;
		case FIPD_KT_INT:
			memcpy(&i32, field, sizeof(i32));
			snprintf(buf, sizeof(buf), "%d", i32);
			break;
		case FIPD_KT_BOOL:
			memcpy(&i32, field, sizeof(i32));
			v[0] = i32 ? "yes" : "no";
			break;
		case FIPD_KT_SECONDS:
			memcpy(&u, field, sizeof(u));
			snprintf(buf, sizeof(buf), "%u.%02u", u / 100, u % 100);
			break;
		case FIPD_KT_ENUM:
			memcpy(&i32, field, sizeof(i32));
			v[0] = "?";
			for (j = 0; k->names[j] != NULL; j++)
				if ((int)j == i32)
					v[0] = k->names[j];
			break;
		case FIPD_KT_PARSE:
			fn(arg, k->name, (const char *const *)p->text[i].v,
			    p->text[i].n, (k->flags & FIPD_KF_REPEAT) != 0);
			continue;
		}
		fn(arg, k->name, v, 1, 0);
	}
}

void
pconf_free(struct pconf *p, fipd_conf_free_fn *conf_free)
{
	size_t i, j;
	char *s;

	if (p == NULL)
		return;
	if (conf_free != NULL)
		conf_free(p->conf);
	for (i = 0; i < p->s->n_keys; i++) {
		if (p->s->keys[i].type == FIPD_KT_STR) {
			memcpy(&s, (char *)p->conf + p->s->keys[i].offset,
			    sizeof(s));
			free(s);
		}
		for (j = 0; j < p->text[i].n; j++)
			free(p->text[i].v[j]);
		free(p->text[i].v);
	}
	free(p);	/* lines, text and conf with it */
}
