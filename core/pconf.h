/*
 * Host side of the plugins' key tables (ABI 2, struct fipd_conf_schema):
 * parse a section's keys into the plugin's conf struct, compare two of
 * them key by key, free them.  Also the value parsers every key table
 * shares (the core's own tables in config.c use them too).
 *
 * Pure: no logging, no daemon state, so that the test drivers link it
 * on its own.
 */
#ifndef FIPD_PCONF_H
#define FIPD_PCONF_H

#include <stddef.h>

#include "fipd/plugin.h"

/* One plugin's keys of one section. */
struct pconf {
	const struct fipd_conf_schema *s;
	void *conf;			/* the plugin's struct, s->size bytes */
	int *lines;			/* first line of each key, 0: absent */
	struct pconf_text *text;	/* KT_PARSE keys: the values given */
	int bad;			/* a key was refused: no conf_check() */
};

/* A zero-filled conf with the plugin's defaults. */
struct pconf *pconf_new(const struct fipd_conf_schema *s);
/*
 * Parse one key.  Returns 0 when taken, 1 when the schema does not know
 * the key, -1 on a bad value or a repetition (err filled, starting with
 * the key's name; the caller adds FILE:LINE).
 */
int pconf_set(struct pconf *p, const char *key, const char *value, int line,
    char *err, size_t errlen);
/*
 * After the last key: required keys present.  Returns 0, or -1 with err
 * naming the first missing key.
 */
int pconf_finish(struct pconf *p, char *err, size_t errlen);
/* Name of the first key whose value differs, or NULL when all are equal. */
const char *pconf_diff(const struct pconf *a, const struct pconf *b);
/* Whether the key named differs only in keys without FIPD_KF_RESTART. */
int pconf_restart_key(const struct pconf *a, const struct pconf *b,
    const char **what);
/*
 * Each key's value(s) as text, as the configuration would write them
 * (typed keys with their defaults; a parse() key as given, n = 0 when
 * absent).
 */
typedef void pconf_value_fn(void *arg, const char *key,
    const char *const *values, size_t n, int list);
void pconf_values(const struct pconf *p, pconf_value_fn *fn, void *arg);
/* conf_free(conf) (may be NULL), then the host's part. NULL-safe. */
void pconf_free(struct pconf *p, fipd_conf_free_fn *conf_free);
const struct fipd_conf_key *pconf_key(const struct fipd_conf_schema *s,
    const char *key);

/* Value parsers: 0, or -1 on syntax or range. */
int pconf_parse_uint(const char *v, unsigned long min, unsigned long max,
    unsigned long *out);
int pconf_parse_int(const char *v, long min, long max, long *out);
int pconf_parse_bool(const char *v, int *out);
/* Seconds with up to two decimals ("1", "0.5", "0.01") -> centiseconds. */
int pconf_parse_cs(const char *v, unsigned long *out);

#endif
