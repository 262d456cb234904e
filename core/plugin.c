/*
 * Plugin loader and registry.  A plugin is trusted only after its
 * descriptor passed every check below; each refusal says exactly why.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fipd.h"

struct fipd_host {
	struct plug *plug;
};

struct plug {
	TAILQ_ENTRY(plug) entry;
	char *path;
	void *dl;
	const struct fipd_plugin *desc;
	struct fipd_host host;
};
TAILQ_HEAD(plug_list, plug);

static struct plug_list plugs = TAILQ_HEAD_INITIALIZER(plugs);
static const struct cfg_global *plug_global;
static void (*plug_count_hook)(const struct fipd_instance *, const char *);
static int (*plug_addr_hook)(unsigned int, const struct fipd_addr *,
    uint8_t *);

static void host_log(struct fipd_host *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* -------------------------------------------------------- host API */

static void
host_log(struct fipd_host *h, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_emit(level, "%s: %s", h != NULL && h->plug != NULL ?
	    h->plug->desc->name : "plugin", buf);
}

static struct fipd_timer *
host_timer_new(struct fipd_host *h, fipd_timer_cb *cb, void *arg)
{
	return ev_timer_new(cb, arg);
}

static struct fipd_io *
host_io_new(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	return ev_io_new(fd, 0, cb, arg);
}

static struct fipd_io *
host_io_new_write(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	return ev_io_new(fd, 1, cb, arg);
}

static uint64_t
host_now_us(struct fipd_host *h)
{
	return ev_now_us();
}

static void
host_count(struct fipd_host *h, const struct fipd_instance *vi,
    const char *counter)
{
	if (plug_count_hook != NULL && vi != NULL && counter != NULL)
		plug_count_hook(vi, counter);
}

static int
host_addr_present(struct fipd_host *h, unsigned int ifindex,
    const struct fipd_addr *a, uint8_t *prefixlen)
{
	if (plug_addr_hook == NULL || a == NULL)
		return -1;
	return plug_addr_hook(ifindex, a, prefixlen);
}


static const char *
host_global(struct fipd_host *h, const char *key)
{
	if (plug_global == NULL || key == NULL)
		return NULL;
	if (strcmp(key, "router_id") == 0)
		return plug_global->router_id;
	if (strcmp(key, "script_user") == 0)
		return plug_global->script_user;
	if (strcmp(key, "plugin_dir") == 0)
		return plug_global->plugin_dir;
	return NULL;
}

static const struct fipd_host_api host_api = {
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.log = host_log,
	.timer_new = host_timer_new,
	.timer_arm = ev_timer_arm,
	.timer_cancel = ev_timer_cancel,
	.timer_free = ev_timer_free,
	.io_new = host_io_new,
	.io_new_write = host_io_new_write,
	.io_free = ev_io_free,
	.now_us = host_now_us,
	.count = host_count,
	.check_done = check_probe_done,
	.global = host_global,
	.check_recheck = check_probe_recheck,
	.addr_present = host_addr_present,
};

const struct fipd_host_api *
plug_api(void)
{
	return &host_api;
}

void
plug_set_global(const struct cfg_global *g)
{
	plug_global = g;
}

void
plug_set_count_hook(void (*fn)(const struct fipd_instance *, const char *))
{
	plug_count_hook = fn;
}

void
plug_set_addr_hook(int (*fn)(unsigned int, const struct fipd_addr *,
    uint8_t *))
{
	plug_addr_hook = fn;
}

/* ------------------------------------------------------------ loader */

static int
valid_ident(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++, n++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return n < 64;
}

/* Size of the field a key of type t writes. */
static size_t
key_field_size(enum fipd_key_type t)
{
	switch (t) {
	case FIPD_KT_STR:
		return sizeof(char *);
	case FIPD_KT_UINT:
	case FIPD_KT_SECONDS:
		return sizeof(unsigned int);
	case FIPD_KT_INT:
	case FIPD_KT_BOOL:
	case FIPD_KT_ENUM:
		return sizeof(int);
	case FIPD_KT_PARSE:
		return 0;
	}
	return 0;
}

/* The loaded action plugin whose table declares key, or NULL. */
static const char *
action_key_owner(const char *key)
{
	const struct fipd_conf_schema *s;
	struct plug *p;
	size_t i;

	TAILQ_FOREACH(p, &plugs, entry) {
		if (p->desc->kind != FIPD_PLUGIN_ACTION ||
		    (s = p->desc->action->conf) == NULL)
			continue;
		for (i = 0; i < s->n_keys; i++)
			if (strcmp(s->keys[i].name, key) == 0)
				return p->desc->name;
	}
	return NULL;
}

/* Is a key table sane?  Returns NULL, or why not (in buf). */
static const char *
schema_problem(const struct fipd_conf_schema *s, int action, char *buf,
    size_t len)
{
	const struct fipd_conf_key *k;
	size_t i, j;

	if (s->size == 0 || (s->n_keys > 0 && s->keys == NULL))
		return "key table without a conf size or keys";
	for (i = 0; i < s->n_keys; i++) {
		k = &s->keys[i];
		if (!valid_ident(k->name))
			return "key table: a key without a valid name";
		if (k->type < FIPD_KT_STR || k->type > FIPD_KT_PARSE)
			snprintf(buf, len, "key %s: unknown type", k->name);
		else if (k->type == FIPD_KT_PARSE && k->parse == NULL)
			snprintf(buf, len, "key %s: no parse function",
			    k->name);
		else if ((k->flags & FIPD_KF_REPEAT) &&
		    k->type != FIPD_KT_PARSE)
			snprintf(buf, len, "key %s: only parsed keys repeat",
			    k->name);
		else if (k->type == FIPD_KT_ENUM && k->names == NULL)
			snprintf(buf, len, "key %s: enum without names",
			    k->name);
		else if (k->offset + key_field_size(k->type) > s->size)
			snprintf(buf, len, "key %s: lands outside the conf "
			    "struct", k->name);
		else if ((k->type == FIPD_KT_UINT ||
		    k->type == FIPD_KT_SECONDS) && (k->min < 0 ||
		    k->min > k->max || (unsigned long)k->max > UINT_MAX))
			snprintf(buf, len, "key %s: range %ld-%ld does not fit "
			    "an unsigned int", k->name, k->min, k->max);
		else if (k->type == FIPD_KT_INT && (k->min > k->max ||
		    k->min < INT_MIN || k->max > INT_MAX))
			snprintf(buf, len, "key %s: range %ld-%ld does not fit "
			    "an int", k->name, k->min, k->max);
		else if (action ? cfg_instance_key_known(k->name) :
		    cfg_check_key_known(k->name))
			snprintf(buf, len, "key %s: the core owns it", k->name);
		else if (action && action_key_owner(k->name) != NULL)
			snprintf(buf, len, "key %s: plugin %s owns it", k->name,
			    action_key_owner(k->name));
		else
			buf[0] = '\0';
		for (j = 0; buf[0] == '\0' && j < i; j++)
			if (strcmp(s->keys[j].name, k->name) == 0)
				snprintf(buf, len, "key %s: declared twice",
				    k->name);
		if (buf[0] != '\0')
			return buf;
	}
	return NULL;
}

/* Is the descriptor sane?  Returns NULL, or why not. */
static const char *
desc_problem(const struct fipd_plugin *d)
{
	static char buf[160];
	size_t i;

	if (d->magic != FIPD_PLUGIN_MAGIC)
		return "bad magic (not a fipd plugin)";
	if (d->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return NULL;	/* reported with the numbers by the caller */
	if (!valid_ident(d->name))
		return "invalid name (lower case letters, digits, _)";
	for (i = 0; i < sizeof(d->reserved) / sizeof(d->reserved[0]); i++)
		if (d->reserved[i] != NULL)
			return "reserved fields are not NULL";
	switch (d->kind) {
	case FIPD_PLUGIN_ACTION:
		if (d->action == NULL || d->action->transition == NULL)
			return "action plugin without transition op";
		if (d->check != NULL)
			return "action plugin with check ops";
		if (d->action->conf != NULL)
			return schema_problem(d->action->conf, 1, buf,
			    sizeof(buf));
		break;
	case FIPD_PLUGIN_CHECK:
		if (d->check == NULL || d->check->start == NULL ||
		    d->check->conf == NULL)
			return "check plugin without start op or key table";
		if (d->action != NULL)
			return "check plugin with action ops";
		if (!valid_ident(d->type))
			return "check plugin without a valid type";
		return schema_problem(d->check->conf, 0, buf, sizeof(buf));
	default:
		return "unknown kind";
	}
	return NULL;
}

static void
plug_insert(struct plug *p)
{
	struct plug *o;

	TAILQ_FOREACH(o, &plugs, entry)
		if (o->desc->order > p->desc->order) {
			TAILQ_INSERT_BEFORE(o, p, entry);
			return;
		}
	TAILQ_INSERT_TAIL(&plugs, p, entry);
}

/*
 * May code at path be loaded into the daemon?  The file, its directory
 * (both after resolving links) and the directory it was named in must be
 * owned by root (or by the user fipd runs as) and writable by nobody
 * else: whoever can write them runs code as root (a library's
 * constructors run at dlopen).  Returns: 0, or -1 with err filled.
 */
static int
plug_file_ok(const char *path, char *err, size_t errlen)
{
	char *real, *named, *dir;
	const char *what[3];
	struct stat st;
	int i, rc = -1;

	if ((real = realpath(path, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	named = xstrdup(path);
	dir = xstrdup(real);
	*strrchr(dir, '/') = '\0';
	if (strrchr(named, '/') != NULL)
		*strrchr(named, '/') = '\0';
	what[0] = real;
	what[1] = dir[0] != '\0' ? dir : "/";
	what[2] = named[0] != '\0' ? named : "/";
	for (i = 0; i < 3; i++) {
		if (stat(what[i], &st) == -1) {
			snprintf(err, errlen, "%s: refused: %s: %s", path,
			    what[i], strerror(errno));
			goto out;
		}
		if (i == 0 && !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: refused: not a regular "
			    "file", path);
			goto out;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s: refused: %s is owned by uid "
			    "%u, not root", path, what[i],
			    (unsigned int)st.st_uid);
			goto out;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
			snprintf(err, errlen, "%s: refused: %s is writable by "
			    "%s (mode %04o)", path, what[i],
			    (st.st_mode & S_IWOTH) ? "others" : "its group",
			    (unsigned int)(st.st_mode & 07777));
			goto out;
		}
	}
	rc = 0;
 out:
	free(real);
	free(named);
	free(dir);
	return rc;
}

struct plug *
plug_load_file(const char *path, char *err, size_t errlen)
{
	const struct fipd_plugin *d;
	const char *why;
	struct plug *p, *o;
	void *dl;

	TAILQ_FOREACH(o, &plugs, entry)
		if (strcmp(o->path, path) == 0)
			return o;
	if (plug_file_ok(path, err, errlen) == -1)
		return NULL;
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load %s: %s (check that the "
		    "libraries it needs are installed)", path, dlerror());
		return NULL;
	}
	d = dlsym(dl, FIPD_PLUGIN_SYMBOL);
	if (d == NULL) {
		snprintf(err, errlen, "%s: no symbol %s: not a fipd plugin",
		    path, FIPD_PLUGIN_SYMBOL);
		goto refuse;
	}
	if ((why = desc_problem(d)) != NULL) {
		snprintf(err, errlen, "%s: refused: %s", path, why);
		goto refuse;
	}
	if (d->abi_version != FIPD_PLUGIN_ABI_VERSION) {
		snprintf(err, errlen, "%s: refused: plugin ABI version %u, "
		    "this fipd speaks %u (rebuild the plugin)", path,
		    d->abi_version, FIPD_PLUGIN_ABI_VERSION);
		goto refuse;
	}
	TAILQ_FOREACH(o, &plugs, entry)
		if (strcmp(o->desc->name, d->name) == 0) {
			snprintf(err, errlen, "%s: refused: a plugin named "
			    "'%s' is already loaded from %s", path, d->name,
			    o->path);
			goto refuse;
		}
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(path);
	p->dl = dl;
	p->desc = d;
	p->host.plug = p;
	if (d->init != NULL && d->init(&p->host, &host_api) != 0) {
		snprintf(err, errlen, "%s: refused: init of '%s' failed",
		    path, d->name);
		free(p->path);
		free(p);
		goto refuse;
	}
	plug_insert(p);
	log_debug("loaded plugin %s from %s", d->name, path);
	return p;
refuse:
	dlclose(dl);
	return NULL;
}

static int
is_action_file(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return strncmp(de->d_name, "action_", 7) == 0 && n > 10 &&
	    strcmp(de->d_name + n - 3, ".so") == 0;
}

int
plug_load_actions(const char *dirs, char *err, size_t errlen)
{
	char *list, *dir, *save = NULL, path[PATH_MAX];
	struct dirent **ents;
	int n, i, rc = 0;

	list = xstrdup(dirs);
	for (dir = strtok_r(list, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if ((n = scandir(dir, &ents, is_action_file, alphasort)) < 0)
			continue;
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name);
			if (plug_load_file(path, err, errlen) == NULL)
				rc = -1;
			free(ents[i]);
		}
		free(ents);
	}
	free(list);
	return rc;
}

int
plug_load_named_actions(const char *dirs, const char *names, char *err,
    size_t errlen)
{
	char *list, *dlist, *name, *dir, *s1 = NULL, *s2 = NULL;
	char path[PATH_MAX];
	struct plug *p;
	int rc = 0, found;

	list = xstrdup(names);
	for (name = strtok_r(list, " \t", &s1); name != NULL && rc == 0;
	    name = strtok_r(NULL, " \t", &s1)) {
		if (!valid_ident(name)) {
			snprintf(err, errlen, "invalid action plugin name "
			    "'%s'", name);
			rc = -1;
			break;
		}
		found = 0;
		dlist = xstrdup(dirs);
		for (dir = strtok_r(dlist, ":", &s2); dir != NULL && !found;
		    dir = strtok_r(NULL, ":", &s2)) {
			snprintf(path, sizeof(path), "%s/action_%s.so", dir,
			    name);
			if (access(path, F_OK) == -1)
				continue;
			found = 1;
			if ((p = plug_load_file(path, err, errlen)) == NULL)
				rc = -1;
			else if (p->desc->kind != FIPD_PLUGIN_ACTION) {
				snprintf(err, errlen, "%s is not an action "
				    "plugin", path);
				rc = -1;
			}
		}
		free(dlist);
		if (!found) {
			snprintf(err, errlen, "no plugin action_%s.so in %s",
			    name, dirs);
			rc = -1;
		}
	}
	free(list);
	return rc;
}

static int is_check_file(const struct dirent *);

/* The types of the check plugins in dirs: "http, script, tcp". */
static void
check_types(const char *dirs, char *out, size_t len)
{
	char *list, *dir, *save = NULL;
	struct dirent **ents;
	size_t n0;
	int n, i;

	out[0] = '\0';
	list = xstrdup(dirs);
	for (dir = strtok_r(list, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if ((n = scandir(dir, &ents, is_check_file, alphasort)) < 0)
			continue;
		for (i = 0; i < n; i++) {
			n0 = strlen(out);
			snprintf(out + n0, len - n0, "%s%.*s", n0 > 0 ? ", " :
			    "", (int)(strlen(ents[i]->d_name) - 9),
			    ents[i]->d_name + 6);
			free(ents[i]);
		}
		free(ents);
	}
	free(list);
}

struct plug *
plug_check_type(const char *dirs, const char *type, char *err,
    size_t errlen)
{
	char *list, *dir, *save = NULL, path[PATH_MAX], avail[256];
	struct plug *p;

	if (!valid_ident(type)) {
		snprintf(err, errlen, "invalid check type '%s'", type);
		return NULL;
	}
	TAILQ_FOREACH(p, &plugs, entry)
		if (p->desc->kind == FIPD_PLUGIN_CHECK &&
		    strcmp(p->desc->type, type) == 0)
			return p;
	check_types(dirs, avail, sizeof(avail));
	snprintf(err, errlen, "no plugin check_%s.so in %s (available: %s)",
	    type, dirs, avail[0] != '\0' ? avail : "none");
	list = xstrdup(dirs);
	for (dir = strtok_r(list, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/check_%s.so", dir, type);
		if (access(path, F_OK) == -1)
			continue;
		p = plug_load_file(path, err, errlen);
		if (p != NULL && (p->desc->kind != FIPD_PLUGIN_CHECK ||
		    strcmp(p->desc->type, type) != 0)) {
			snprintf(err, errlen, "%s is not the check plugin "
			    "for type '%s'", path, type);
			p = NULL;
		}
		break;
	}
	free(list);
	return p;
}

struct plug *
plug_next(struct plug *prev)
{
	return prev == NULL ? TAILQ_FIRST(&plugs) : TAILQ_NEXT(prev, entry);
}

static int
is_check_file(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return strncmp(de->d_name, "check_", 6) == 0 && n > 9 &&
	    strcmp(de->d_name + n - 3, ".so") == 0;
}

int
plug_load_checks(const char *dirs, char *err, size_t errlen)
{
	char *list, *dir, *save = NULL, path[PATH_MAX];
	struct dirent **ents;
	int n, i, rc = 0;

	list = xstrdup(dirs);
	for (dir = strtok_r(list, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if ((n = scandir(dir, &ents, is_check_file, alphasort)) < 0)
			continue;
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name);
			if (plug_load_file(path, err, errlen) == NULL)
				rc = -1;
			free(ents[i]);
		}
		free(ents);
	}
	free(list);
	return rc;
}

struct plug *
plug_next_action(struct plug *prev)
{
	struct plug *p;

	p = prev == NULL ? TAILQ_FIRST(&plugs) : TAILQ_NEXT(prev, entry);
	while (p != NULL && p->desc->kind != FIPD_PLUGIN_ACTION)
		p = TAILQ_NEXT(p, entry);
	return p;
}

const struct fipd_plugin *
plug_desc(struct plug *p)
{
	return p->desc;
}

struct fipd_host *
plug_host(struct plug *p)
{
	return &p->host;
}

const char *
plug_name(struct plug *p)
{
	return p->desc->name;
}

void
plug_unload_all(void)
{
	struct plug *p;

	while ((p = TAILQ_FIRST(&plugs)) != NULL) {
		TAILQ_REMOVE(&plugs, p, entry);
		if (p->desc->fini != NULL)
			p->desc->fini();
		dlclose(p->dl);
		free(p->path);
		free(p);
	}
}
