/*
 * Open-addressing hash of names (linear probing, FNV-1a, power-of-two
 * capacity, at most half full).  Used where a list of names would be
 * scanned once per name: config sections and checks, instances during a
 * reload.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fipd.h"

static uint64_t
nhash_fn(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Slot of key, or of the empty slot where it would go. */
static size_t
nhash_slot(const struct nhash *h, const char *key)
{
	size_t i;

	for (i = nhash_fn(key) & (h->cap - 1); h->keys[i] != NULL;
	    i = (i + 1) & (h->cap - 1))
		if (strcmp(h->keys[i], key) == 0)
			break;
	return i;
}

void *
nhash_get(const struct nhash *h, const char *key)
{
	size_t i;

	if (h->cap == 0)
		return NULL;
	i = nhash_slot(h, key);
	return h->keys[i] != NULL ? h->vals[i] : NULL;
}

static void
nhash_grow(struct nhash *h)
{
	struct nhash old = *h;
	size_t i;

	h->cap = h->cap == 0 ? 64 : 2 * h->cap;
	h->keys = xcalloc(h->cap, sizeof(*h->keys));
	h->vals = xcalloc(h->cap, sizeof(*h->vals));
	h->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.keys[i] != NULL)
			nhash_put(h, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

void
nhash_put(struct nhash *h, const char *key, void *val)
{
	size_t i;

	if (2 * (h->n + 1) > h->cap)
		nhash_grow(h);
	for (i = nhash_fn(key) & (h->cap - 1); h->keys[i] != NULL;
	    i = (i + 1) & (h->cap - 1))
		;
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
}

void
nhash_set(struct nhash *h, const char *key, void *val)
{
	size_t i;

	if (h->cap > 0) {
		i = nhash_slot(h, key);
		if (h->keys[i] != NULL) {
			h->keys[i] = key;
			h->vals[i] = val;
			return;
		}
	}
	nhash_put(h, key, val);
}

void
nhash_free(struct nhash *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}
