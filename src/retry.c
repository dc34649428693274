/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "retry.h"

struct path {
	struct sf_retry *retry;
	uint32_t token;
	struct sf_addr local;		/* port 0 */
	struct sf_addr remote;
	bool backup;
	unsigned int want;		/* subflows the pair had before */
	unsigned int attempts;		/* failures in a row */
	uint64_t up_since;		/* l_time_now() of the last establish */
	struct l_timeout *timer;	/* NULL: not waiting */
};

struct sf_retry {
	sf_retry_fire_func_t fire;
	void *user_data;
	struct l_queue *paths;		/* struct path */
};

static void path_free(void *data)
{
	struct path *p = data;

	l_timeout_remove(p->timer);
	l_free(p);
}

struct sf_retry *sf_retry_new(sf_retry_fire_func_t fire, void *user_data)
{
	struct sf_retry *retry = l_new(struct sf_retry, 1);

	retry->fire = fire;
	retry->user_data = user_data;
	retry->paths = l_queue_new();
	return retry;
}

void sf_retry_free(struct sf_retry *retry)
{
	if (!retry)
		return;

	l_queue_destroy(retry->paths, path_free);
	l_free(retry);
}

unsigned int sf_retry_delay_ms(unsigned int attempt, int error)
{
	unsigned int delay = SF_RETRY_FIRST_DELAY_MS;

	if (error == EHOSTUNREACH || error == ENETUNREACH) {
		if (attempt == 1)
			return SF_RETRY_AT_ONCE_MS;
		attempt--;
		delay = SF_RETRY_FIRST_DELAY_UNREACHABLE_MS;
	}

	while (--attempt && delay < SF_RETRY_MAX_DELAY_MS)
		delay *= 2;

	return delay < SF_RETRY_MAX_DELAY_MS ? delay : SF_RETRY_MAX_DELAY_MS;
}

struct path_key {
	uint32_t token;
	const struct sf_addr *local;
	const struct sf_addr *remote;
};

static bool path_is(const void *data, const void *user_data)
{
	const struct path *p = data;
	const struct path_key *k = user_data;

	return p->token == k->token && sf_addr_ip_equal(&p->local, k->local) &&
	       sf_addr_equal(&p->remote, k->remote);
}

static struct path *path_find(struct sf_retry *retry, uint32_t token,
			      const struct sf_addr *local,
			      const struct sf_addr *remote)
{
	struct path_key key = { token, local, remote };

	return l_queue_find(retry->paths, path_is, &key);
}

static void path_drop(struct path *p)
{
	l_queue_remove(p->retry->paths, p);
	path_free(p);
}

static void path_fire(struct l_timeout *timeout, void *user_data)
{
	struct path *p = user_data;
	struct sf_retry *retry = p->retry;

	l_timeout_remove(p->timer);
	p->timer = NULL;

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
		p = l_new(struct path, 1);
		p->retry = retry;
		p->token = token;
		p->local = *local;
		p->local.port = 0;
		p->remote = *remote;
		l_queue_push_tail(retry->paths, p);
	} else if (p->up_since &&
		   l_time_diff(p->up_since, l_time_now()) >=
			   SF_RETRY_STABLE_MS * 1000ULL) {
		p->attempts = 0;
	}

	p->backup = backup;
	p->up_since = 0;
	/* Several subflows of one pair failing together come back together. */
	if (p->timer) {
		p->want = want > p->want ? want : p->want;
		return 0;
	}

	p->want = want;
	if (++p->attempts > SF_RETRY_MAX_ATTEMPTS) {
		path_drop(p);
		return -ETIMEDOUT;
	}

	delay = sf_retry_delay_ms(p->attempts, error);
	p->timer = l_timeout_create_ms(delay, path_fire, p, NULL);
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

static bool path_of_token(void *data, void *user_data)
{
	struct path *p = data;

	if (p->token != L_PTR_TO_UINT(user_data))
		return false;

	path_free(p);
	return true;
}

void sf_retry_conn_closed(struct sf_retry *retry, uint32_t token)
{
	l_queue_foreach_remove(retry->paths, path_of_token,
			       L_UINT_TO_PTR(token));
}

static bool path_from(void *data, void *user_data)
{
	struct path *p = data;

	if (!sf_addr_ip_equal(&p->local, user_data))
		return false;

	path_free(p);
	return true;
}

void sf_retry_addr_gone(struct sf_retry *retry, const struct sf_addr *local)
{
	l_queue_foreach_remove(retry->paths, path_from, (void *) local);
}

static bool path_to(void *data, void *user_data)
{
	struct path *p = data;
	const struct path_key *k = user_data;

	if (p->token != k->token || !sf_addr_ip_equal(&p->remote, k->remote))
		return false;

	path_free(p);
	return true;
}

void sf_retry_remote_gone(struct sf_retry *retry, uint32_t token,
			  const struct sf_addr *remote)
{
	struct path_key key = { .token = token, .remote = remote };

	l_queue_foreach_remove(retry->paths, path_to, &key);
}

unsigned int sf_retry_pending(const struct sf_retry *retry)
{
	const struct l_queue_entry *e;
	unsigned int n = 0;

	for (e = l_queue_get_entries(retry->paths); e; e = e->next) {
		const struct path *p = e->data;

		n += p->timer != NULL;
	}

	return n;
}
