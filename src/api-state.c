/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>

#include <ell/ell.h>

#include "api-state.h"
#include "conn.h"
#include "daemon.h"
#include "timerq.h"

/* --- timers --- */

struct sf_timer {
	struct sf_timerq_timer tq;
	sf_timer_func_t func;
	void *user_data;
	sf_destroy_func_t destroy;
	struct sf_timer *prev, *next;	/* in `timers` */
};

/* Every live timer, so that a plugin's are found when it goes away. */
static struct sf_timer *timers;

static void timer_fired(struct sf_timerq_timer *tq)
{
	struct sf_timer *timer = l_container_of(tq, struct sf_timer, tq);

	/* func may free the timer or arm it again. */
	timer->func(timer, timer->user_data);
}

struct sf_timer *sf_timer_new(unsigned int ms, sf_timer_func_t func,
			      void *user_data, sf_destroy_func_t destroy)
{
	struct sf_timer *timer;

	if (!func)
		return NULL;

	timer = l_new(struct sf_timer, 1);
	sf_timerq_init(&timer->tq, timer_fired);
	timer->func = func;
	timer->user_data = user_data;
	timer->destroy = destroy;
	timer->next = timers;
	if (timers)
		timers->prev = timer;
	timers = timer;
	sf_timer_modify(timer, ms);
	return timer;
}

void sf_timer_modify(struct sf_timer *timer, unsigned int ms)
{
	/* ms 0 stays what it always was for plugins: 1 ms. */
	if (timer)
		sf_timerq_arm(&timer->tq, ms ? ms : 1);
}

void sf_timer_free(struct sf_timer *timer)
{
	if (!timer)
		return;

	if (timer->prev)
		timer->prev->next = timer->next;
	else
		timers = timer->next;
	if (timer->next)
		timer->next->prev = timer->prev;

	sf_timerq_disarm(&timer->tq);
	if (timer->destroy)
		timer->destroy(timer->user_data);
	l_free(timer);
}

/* Is addr code of the object whose base address is base? */
static bool code_of(const void *addr, const void *base)
{
	Dl_info info;

	return addr && dladdr(addr, &info) && info.dli_fbase == base;
}

/* Free the timers of the object at base; a destroy that frees another
 * timer of it is fine: the walk starts over after each. */
static void timers_drop_object(const void *base)
{
	struct sf_timer *timer = timers;

	while (timer) {
		if (code_of((const void *) timer->func, base) ||
		    code_of((const void *) timer->destroy, base)) {
			sf_timer_free(timer);
			timer = timers;
		} else {
			timer = timer->next;
		}
	}
}

/* --- per-connection data --- */

void sf_conn_set_data(struct sf_conn *conn, const struct sf_plugin_desc *plugin,
		      void *data, sf_destroy_func_t destroy)
{
	if (conn && plugin)
		sf_conn_data_set(conn, plugin, data, destroy);
}

void *sf_conn_get_data(const struct sf_conn *conn,
		       const struct sf_plugin_desc *plugin)
{
	return conn && plugin ? sf_conn_data_get(conn, plugin) : NULL;
}

static void conn_drop_data(struct sf_conn *conn, void *user_data)
{
	sf_conn_data_drop(conn, user_data);
}

void sf_api_state_drop(const struct sf_plugin_desc *plugin)
{
	struct sf_daemon *d = sf_daemon_get();
	Dl_info info;

	if (d)
		sf_conn_table_foreach(sf_daemon_conns(d), conn_drop_data,
				      (void *) plugin);

	/* A built-in plugin's code is the program's: its timers stay. */
	if (dladdr(plugin, &info) && info.dli_fbase &&
	    !code_of((const void *) sf_api_state_drop, info.dli_fbase))
		timers_drop_object(info.dli_fbase);
}
