/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "retry.h"
#include "timerq.h"

/*
 * The paths waiting or counting failures, per connection: a list for each
 * token in a hashmap, so that a close or a lookup costs what that
 * connection has, not what every connection has. Whole-table walks are
 * only for an address that went away.
 */
struct path {
	struct sf_retry *retry;
	struct path *next;		/* of the same token */
	uint32_t token;
	struct sf_addr local;		/* port 0 */
	struct sf_addr remote;
	bool backup;
	unsigned int want;		/* subflows the pair had before */
	unsigned int attempts;		/* failures in a row */
	uint64_t up_since;		/* l_time_now() of the last establish */
	struct sf_timerq_timer timer;	/* armed: waiting to re-create */
};

struct sf_retry {
	sf_retry_fire_func_t fire;
	void *user_data;
	/* token -> struct path list; made at the first re-creation (an ELL
	 * hashmap is 4 kB, zeroed, however empty). */
	struct l_hashmap *by_token;
};

static void path_free(struct path *p)
{
	sf_timerq_disarm(&p->timer);
	l_free(p);
}

static void token_paths_free(void *data)
{
	struct path *p = data;

	while (p) {
		struct path *next = p->next;

		path_free(p);
		p = next;
	}
}

struct sf_retry *sf_retry_new(sf_retry_fire_func_t fire, void *user_data)
{
	struct sf_retry *retry = l_new(struct sf_retry, 1);

	retry->fire = fire;
	retry->user_data = user_data;
	return retry;
}

void sf_retry_free(struct sf_retry *retry)
{
	if (!retry)
		return;

	l_hashmap_destroy(retry->by_token, token_paths_free);
	l_free(retry);
}

unsigned int sf_retry_delay_ms(unsigned int attempt, int error)
{
	unsigned int delay = SF_RETRY_FIRST_DELAY_MS;

	if (error == EHOSTUNREACH || error == ENETUNREACH) {
		if (attempt == 1)
			return SF_RETRY_AT_ONCE_MS;
		attempt--;
		delay = SF_RETRY_FIRST_DELAY_SOON_MS;
	} else if (error == ENOTCONN) {
		delay = SF_RETRY_FIRST_DELAY_SOON_MS;
	}

	while (--attempt && delay < SF_RETRY_MAX_DELAY_MS)
		delay *= 2;

	return delay < SF_RETRY_MAX_DELAY_MS ? delay : SF_RETRY_MAX_DELAY_MS;
}

static struct path *path_find(struct sf_retry *retry, uint32_t token,
			      const struct sf_addr *local,
			      const struct sf_addr *remote)
{
	struct path *p = l_hashmap_lookup(retry->by_token, L_UINT_TO_PTR(token));

	for (; p; p = p->next)
		if (sf_addr_ip_equal(&p->local, local) &&
		    sf_addr_equal(&p->remote, remote))
			return p;

	return NULL;
}

static void path_drop(struct path *p)
{
	struct l_hashmap *map = p->retry->by_token;
	void *key = L_UINT_TO_PTR(p->token);
	struct path *prev = l_hashmap_lookup(map, key);

	if (prev == p) {
		if (p->next)
			l_hashmap_replace(map, key, p->next, NULL);
		else
			l_hashmap_remove(map, key);
	} else {
		while (prev->next != p)
			prev = prev->next;
		prev->next = p->next;
	}
	path_free(p);
}

/* Drop the paths of token that drop() picks. */
static void token_paths_drop(struct sf_retry *retry, uint32_t token,
			     bool (*drop)(const struct path *p,
					  const void *user_data),
			     const void *user_data)
{
	struct path *p = l_hashmap_lookup(retry->by_token, L_UINT_TO_PTR(token));

	while (p) {
		struct path *next = p->next;

		if (drop(p, user_data))
			path_drop(p);
		p = next;
	}
}

static void path_fire(struct sf_timerq_timer *timer)
{
	struct path *p = l_container_of(timer, struct path, timer);
	struct sf_retry *retry = p->retry;

	/* Once sent, the path stays known: its next close counts on. */
	if (retry->fire(p->token, &p->local, &p->remote, p->backup, p->want,
			retry->user_data) < 0)
		path_drop(p);
}

int sf_retry_subflow_closed(struct sf_retry *retry, uint32_t token,
			    const struct sf_addr *local,
			    const struct sf_addr *remote, bool backup,
			    unsigned int want, int error)
{
	struct path *p = path_find(retry, token, local, remote);
	unsigned int delay;

	if (!error) {
		if (p)
			path_drop(p);
		return 0;
	}

	if (!p) {
		void *key = L_UINT_TO_PTR(token);

		p = l_new(struct path, 1);
		p->retry = retry;
		p->token = token;
		p->local = *local;
		p->local.port = 0;
		p->remote = *remote;
		sf_timerq_init(&p->timer, path_fire);
		if (!retry->by_token)
			retry->by_token = l_hashmap_new();
		p->next = l_hashmap_lookup(retry->by_token, key);
		if (p->next)
			l_hashmap_replace(retry->by_token, key, p, NULL);
		else
			l_hashmap_insert(retry->by_token, key, p);
	} else if (p->up_since &&
		   l_time_diff(p->up_since, l_time_now()) >=
			   SF_RETRY_STABLE_MS * 1000ULL) {
		p->attempts = 0;
	}

	p->backup = backup;
	p->up_since = 0;
	/* Several subflows of one pair failing together come back together. */
	if (sf_timerq_armed(&p->timer)) {
		p->want = want > p->want ? want : p->want;
		return 0;
	}

	p->want = want;
	if (++p->attempts > SF_RETRY_MAX_ATTEMPTS) {
		path_drop(p);
		return -ETIMEDOUT;
	}

	delay = sf_retry_delay_ms(p->attempts, error);
	sf_timerq_arm(&p->timer, delay);
	return delay;
}

void sf_retry_subflow_established(struct sf_retry *retry, uint32_t token,
				  const struct sf_addr *local,
				  const struct sf_addr *remote)
{
	struct path *p = path_find(retry, token, local, remote);

	if (p && !p->up_since)
		p->up_since = l_time_now();
}

void sf_retry_conn_closed(struct sf_retry *retry, uint32_t token)
{
	token_paths_free(l_hashmap_remove(retry->by_token,
					  L_UINT_TO_PTR(token)));
}

static bool path_from(const struct path *p, const void *local)
{
	return sf_addr_ip_equal(&p->local, local);
}

struct tokens {
	uint32_t *v;
	unsigned int n;
};

static void token_of(const void *key, void *value, void *user_data)
{
	struct tokens *t = user_data;

	t->v[t->n++] = L_PTR_TO_UINT(key);
}

void sf_retry_addr_gone(struct sf_retry *retry, const struct sf_addr *local)
{
	unsigned int size = l_hashmap_size(retry->by_token);
	struct tokens t = { l_new(uint32_t, size ? size : 1), 0 };

	/* The tokens first: the map must not change under its foreach. */
	l_hashmap_foreach(retry->by_token, token_of, &t);
	for (unsigned int i = 0; i < t.n; i++)
		token_paths_drop(retry, t.v[i], path_from, local);
	l_free(t.v);
}

static bool path_to(const struct path *p, const void *remote)
{
	return sf_addr_ip_equal(&p->remote, remote);
}

void sf_retry_remote_gone(struct sf_retry *retry, uint32_t token,
			  const struct sf_addr *remote)
{
	token_paths_drop(retry, token, path_to, remote);
}

static void count_waiting(const void *key, void *value, void *user_data)
{
	unsigned int *n = user_data;

	for (const struct path *p = value; p; p = p->next)
		*n += sf_timerq_armed(&p->timer);
}

unsigned int sf_retry_pending(const struct sf_retry *retry)
{
	unsigned int n = 0;

	l_hashmap_foreach(retry->by_token, count_waiting, &n);
	return n;
}
