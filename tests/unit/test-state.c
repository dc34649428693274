/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon keeps for plugins (<subflowd/plugin.h>): timers fire
 * once from the event loop, may be armed again or freed from their own
 * callback, and die with their plugin; a plugin's per-connection data is
 * freed when the connection is, when SetPolicy hands the connection to
 * another policy, and when the plugin is unloaded. The daemon core runs
 * over the fake kernel.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "daemon.h"
#include "fake-kernel.h"
#include "plugin.h"
#include "unit.h"
#include "util.h"

static const char *const plugins[] = { "announce", NULL };

#define TOKEN 0xabc

/* What was heard, in order: 'f' a timer fired, 'x' a destroy, 'c' the
 * keeper policy's conn_closed (upper case: its data was still there). */
static char heard[32];
static unsigned int n_heard;
static unsigned int rearm;		/* times fire() arms its timer again */
static bool free_in_callback;

static void hear(char c)
{
	ck_assert_uint_lt(n_heard, sizeof(heard) - 1);
	heard[n_heard++] = c;
}

static void destroy(void *user_data)
{
	ck_assert_ptr_eq(user_data, heard);
	hear('x');
}

static void fire(struct sf_timer *timer, void *user_data)
{
	ck_assert_ptr_eq(user_data, heard);
	hear('f');
	if (rearm) {
		rearm--;
		sf_timer_modify(timer, 1);
	} else if (free_in_callback) {
		sf_timer_free(timer);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Run the event loop for ms: what should not happen has had its chance. */
static void run_loop(unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	do
		l_main_iterate(1);
	while (now_ms() < end);
}

/* Run the event loop until n things were heard (2 s at most). */
static void run_until_heard(unsigned int n)
{
	uint64_t end = now_ms() + 2000;

	while (n_heard < n && now_ms() < end)
		l_main_iterate(1);
}

static const struct sf_plugin_desc *keeper_self(void);

static enum sf_verdict keeper_closed(struct sf_conn *conn)
{
	hear(sf_conn_get_data(conn, keeper_self()) ? 'C' : 'c');
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops keeper_ops = {
	.conn_closed = keeper_closed,
};
static const struct sf_plugin_desc keeper = {
	SF_PLUGIN_ABI_VERSION, "keeper", 10, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, &keeper_ops,
};
static const struct sf_plugin_desc watcher = {
	SF_PLUGIN_ABI_VERSION, "watcher", 20, SF_PLUGIN_MODE_USERSPACE,
	SF_PLUGIN_FLAG_OBSERVER, NULL, NULL, NULL,
};

static const struct sf_plugin_desc *keeper_self(void)
{
	return &keeper;
}

static struct sf_conn *conn(void)
{
	struct sf_conn *c = sf_conn_table_lookup(sf_daemon_conns(fk_daemon),
						 TOKEN);

	ck_assert_ptr_nonnull(c);
	return c;
}

static void setup(void)
{
	ck_assert(l_main_init());
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_addr(2, "10.0.1.1");
	memset(heard, 0, sizeof(heard));
	n_heard = 0;
	rearm = 0;
	free_in_callback = false;
	fk_feed(SF_EVENT_CREATED, TOKEN, "10.0.1.1", 40000, "10.0.1.2", 5201, 0);
}

static void teardown(void)
{
	fk_teardown();
	l_main_exit();
}

/* --- timers --- */

START_TEST(timer_fires_once_from_the_loop)
{
	struct sf_timer *timer = sf_timer_new(1, fire, heard, destroy);

	ck_assert_ptr_nonnull(timer);
	ck_assert_uint_eq(n_heard, 0);
	run_until_heard(1);
	run_loop(30);
	ck_assert_str_eq(heard, "f");

	/* Fired: it sleeps until armed again. */
	sf_timer_modify(timer, 0);
	run_until_heard(2);
	run_loop(30);
	ck_assert_str_eq(heard, "ff");

	sf_timer_free(timer);
	ck_assert_str_eq(heard, "ffx");
	sf_timer_free(NULL);
}
END_TEST

START_TEST(timer_armed_again_from_its_callback_fires_again)
{
	struct sf_timer *timer = sf_timer_new(0, fire, heard, destroy);

	rearm = 2;
	run_until_heard(3);
	run_loop(30);
	ck_assert_str_eq(heard, "fff");
	sf_timer_free(timer);
	ck_assert_str_eq(heard, "fffx");
}
END_TEST

START_TEST(timer_freed_in_its_callback_runs_destroy_once)
{
	free_in_callback = true;
	ck_assert_ptr_nonnull(sf_timer_new(1, fire, heard, destroy));
	run_until_heard(2);
	run_loop(30);
	ck_assert_str_eq(heard, "fx");
}
END_TEST

START_TEST(timer_freed_before_it_fires_never_fires)
{
	struct sf_timer *timer = sf_timer_new(5, fire, heard, destroy);

	sf_timer_modify(timer, 10);
	sf_timer_free(timer);
	ck_assert_str_eq(heard, "x");
	run_loop(30);
	ck_assert_str_eq(heard, "x");
	ck_assert_ptr_null(sf_timer_new(1, NULL, heard, destroy));
}
END_TEST

START_TEST(timer_left_by_an_unloaded_plugin_is_freed_first)
{
	const char *top = getenv("top_builddir");
	_auto_(l_free) char *dir = l_strdup_printf("%s/tests/plugins/.libs",
						   top ? top : ".");
	char *names[] = { (char *) "timer-left", NULL };
	struct sf_plugins *loaded;
	char err[512];

	ck_assert_msg(sf_plugins_load(dir, names, SF_PLUGIN_MODE_USERSPACE,
				      &loaded, err, sizeof(err)) == 0,
		      "%s", err);
	/* Its timer (1 ms) would abort() if it ever fired. */
	sf_plugins_free(loaded);
	run_loop(30);
}
END_TEST

/* --- a plugin's data on a connection --- */

START_TEST(data_set_replaced_and_dropped)
{
	static char other[1];

	ck_assert_ptr_null(sf_conn_get_data(conn(), &keeper));
	sf_conn_set_data(conn(), &keeper, heard, destroy);
	sf_conn_set_data(conn(), &watcher, other, NULL);
	ck_assert_ptr_eq(sf_conn_get_data(conn(), &keeper), heard);
	ck_assert_ptr_eq(sf_conn_get_data(conn(), &watcher), other);

	/* The same pointer again: nothing is freed. */
	sf_conn_set_data(conn(), &keeper, heard, destroy);
	ck_assert_uint_eq(n_heard, 0);

	/* Replaced: the old one's destroy runs. */
	sf_conn_set_data(conn(), &keeper, other, NULL);
	ck_assert_str_eq(heard, "x");
	ck_assert_ptr_eq(sf_conn_get_data(conn(), &keeper), other);

	sf_conn_set_data(conn(), &keeper, heard, destroy);
	sf_conn_set_data(conn(), &keeper, NULL, NULL);
	ck_assert_str_eq(heard, "xx");
	ck_assert_ptr_null(sf_conn_get_data(conn(), &keeper));
	ck_assert_ptr_eq(sf_conn_get_data(conn(), &watcher), other);
}
END_TEST

/* keeper becomes the connection's policy, with data on it. */
static void keeper_takes_conn(void)
{
	struct sf_plugins *own =
		(struct sf_plugins *) sf_daemon_plugins(fk_daemon);

	ck_assert_int_eq(sf_plugins_add_builtin(own, &keeper), 0);
	ck_assert_int_eq(sf_plugins_add_builtin(own, &watcher), 0);
	ck_assert_int_eq(sf_daemon_set_conn_policy(fk_daemon, conn(),
						   "keeper"), 0);
	sf_conn_set_data(conn(), &keeper, heard, destroy);
	sf_conn_set_data(conn(), &watcher, heard, destroy);
}

START_TEST(data_freed_with_the_connection_after_conn_closed)
{
	keeper_takes_conn();
	fk_feed(SF_EVENT_CLOSED, TOKEN, NULL, 0, NULL, 0, 0);
	ck_assert_str_eq(heard, "Cxx");
}
END_TEST

START_TEST(data_of_the_old_policy_freed_on_set_policy)
{
	keeper_takes_conn();
	ck_assert_int_eq(sf_daemon_set_conn_policy(fk_daemon, conn(),
						   "announce"), 0);
	/* After keeper's conn_closed; the observer keeps its own. */
	ck_assert_str_eq(heard, "Cx");
	ck_assert_ptr_null(sf_conn_get_data(conn(), &keeper));
	ck_assert_ptr_eq(sf_conn_get_data(conn(), &watcher), heard);
}
END_TEST

START_TEST(data_of_an_unloaded_plugin_freed_at_unload)
{
	struct sf_plugins *own = sf_plugins_new();

	ck_assert_int_eq(sf_plugins_add_builtin(own, &keeper), 0);
	sf_conn_set_data(conn(), &keeper, heard, destroy);
	sf_plugins_free(own);
	ck_assert_str_eq(heard, "x");
	ck_assert_ptr_null(sf_conn_get_data(conn(), &keeper));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timer_fires_once_from_the_loop);
	tcase_add_test(tc, timer_armed_again_from_its_callback_fires_again);
	tcase_add_test(tc, timer_freed_in_its_callback_runs_destroy_once);
	tcase_add_test(tc, timer_freed_before_it_fires_never_fires);
	tcase_add_test(tc, timer_left_by_an_unloaded_plugin_is_freed_first);
	tcase_add_test(tc, data_set_replaced_and_dropped);
	tcase_add_test(tc, data_freed_with_the_connection_after_conn_closed);
	tcase_add_test(tc, data_of_the_old_policy_freed_on_set_policy);
	tcase_add_test(tc, data_of_an_unloaded_plugin_freed_at_unload);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
