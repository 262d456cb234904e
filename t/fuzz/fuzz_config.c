/*
 * libFuzzer target for the config loader: INI text -> cfg_load_string()
 * -> a validated struct cfg, or FILE:LINE errors (issue 7).
 *
 *   ./configure CC=clang --enable-fuzzing --enable-sanitizers && make
 *   ./t/fuzz/fuzz_config -max_total_time=300 -dict=t/fuzz/config.dict \
 *       t/fuzz/corpus/config
 *
 * `make check` replays t/fuzz/corpus/config through the same function
 * (t/fuzz/replay_config, under the build's sanitizers).
 *
 * Plugins: the loader dlopen()s action plugins from plugin_dir and check
 * plugins by type.  The default plugin_dir is pointed at the build tree's
 * plugins (FUZZ_PLUGIN_DIR), so their key parsers are exercised too, and
 * the "plugin_dir" key is neutralised in every input: a fuzzer must not
 * be able to make us load whatever action_*.so lies around the machine.
 *
 * Invariants checked on every input:
 *  - refused <=> at least one error line, and every error line starts with
 *    the file name ("fuzz.conf:LINE: " or "fuzz.conf: ");
 *  - an accepted config has at least one instance, and every instance has
 *    values inside the documented ranges (VRID 1-255, priority 1-255,
 *    version 2/3, advert interval, at least one VIP of the instance's
 *    family, v2 multiple of a second, unicast peers of the same family);
 *  - loading the same text again gives the same verdict and the same
 *    instances by value (cfg_instance_diff: the reload relies on it).
 */
#include "config.h"

#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fipd.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#ifndef FUZZ_PLUGIN_DIR
#define FUZZ_PLUGIN_DIR "/nonexistent"
#endif
#define FUZZ_NAME "fuzz.conf"
#define FUZZ_MAX_INPUT 65536

static struct cfg *
fz_load(const char *text, char **errs, size_t *elen)
{
	FILE *f;
	struct cfg *c;

	*errs = NULL;
	*elen = 0;
	if ((f = open_memstream(errs, elen)) == NULL)
		abort();
	c = cfg_load_string(text, FUZZ_NAME, f);
	fclose(f);
	return c;
}

static void
fz_check_errors(const struct cfg *c, const char *errs, size_t elen)
{
	const char *line, *nl;

	if ((c == NULL) != (elen > 0))
		abort();
	for (line = errs; line != NULL && *line != '\0'; line = nl + 1) {
		if (strncmp(line, FUZZ_NAME ":", sizeof(FUZZ_NAME)) != 0)
			abort();
		if ((nl = strchr(line, '\n')) == NULL)
			abort();	/* every error ends with a newline */
	}
}

static void
fz_check_cfg(const struct cfg *c)
{
	const struct cfg_instance *ci;
	size_t i;
	int n = 0;

	TAILQ_FOREACH(ci, &c->instances, entry) {
		n++;
		if (ci->vrid == 0 || ci->priority < 1 || ci->priority > 255)
			abort();
		if (ci->version != 2 && ci->version != 3)
			abort();
		if (ci->advert_int_cs < 1 || ci->advert_int_cs > 25500)
			abort();
		if (ci->version == 3 && ci->advert_int_cs > 4095)
			abort();
		if (ci->version == 2 && ci->advert_int_cs % 100 != 0)
			abort();
		if (ci->n_vips < 1 || ci->n_vips > CFG_MAX_VIPS)
			abort();
		if (ci->family != AF_INET && ci->family != AF_INET6)
			abort();
		for (i = 0; i < ci->n_vips; i++)
			if (ci->vips[i].family != ci->family)
				abort();
		if (ci->n_peers > CFG_MAX_PEERS)
			abort();
		for (i = 0; i < ci->n_peers; i++)
			if (ci->peers[i].family != ci->family)
				abort();
		if (ci->name[0] == '\0' || ci->ifname[0] == '\0')
			abort();
		if (memchr(ci->auth_pass, '\0', sizeof(ci->auth_pass)) ==
		    NULL)
			abort();
	}
	if (n == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const struct cfg_instance *a, *b;
	struct cfg *c, *c2;
	char *text, *p, *errs, *errs2;
	size_t elen, elen2;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!inited) {
		log_init("fuzz_config", 0, 0, 0);
		cfg_set_default_plugin_dir(FUZZ_PLUGIN_DIR);
		inited = 1;
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The loader stops at the first NUL, and so does this. */
	for (p = text; (p = strstr(p, "plugin_dir")) != NULL; p++)
		*p = 'P';

	c = fz_load(text, &errs, &elen);
	fz_check_errors(c, errs, elen);
	if (c != NULL)
		fz_check_cfg(c);

	c2 = fz_load(text, &errs2, &elen2);
	if ((c == NULL) != (c2 == NULL) || elen != elen2 ||
	    (elen > 0 && memcmp(errs, errs2, elen) != 0))
		abort();
	if (c != NULL) {
		a = TAILQ_FIRST(&c->instances);
		b = TAILQ_FIRST(&c2->instances);
		for (; a != NULL && b != NULL; a = TAILQ_NEXT(a, entry),
		    b = TAILQ_NEXT(b, entry))
			if (strcmp(a->name, b->name) != 0 ||
			    cfg_instance_diff(a, b, NULL) != CFG_SAME)
				abort();
		if (a != NULL || b != NULL)
			abort();
	}
	cfg_free(c);
	cfg_free(c2);
	free(errs);
	free(errs2);
	free(text);
	return 0;
}
