/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin loader against deliberately broken plugins (tests/plugins/),
 * copied into a fresh directory per test, and dispatch order.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "plugin.h"
#include "unit.h"
#include "util.h"

static char dir[64];

static void copy_plugin(const char *name, const char *as, mode_t mode)
{
	const char *top = getenv("top_builddir");
	_auto_(l_free) char *src = l_strdup_printf("%s/tests/plugins/.libs/%s.so",
						   top ? top : ".", name);
	_auto_(l_free) char *dst = l_strdup_printf("%s/%s.so", dir, as);
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY);
	ck_assert_msg(in >= 0, "%s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, n), n);
	close(in);
	close(out);
	ck_assert_int_eq(chmod(dst, mode), 0);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sf-plugins-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

static void teardown(void)
{
	_auto_(l_free) char *cmd = l_strdup_printf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
}

/* The loader, for a daemon in userspace mode. */
static int load(char **names, struct sf_plugins **ret_plugins, char *err,
		size_t err_size)
{
	return sf_plugins_load(dir, names, SF_PLUGIN_MODE_USERSPACE,
			       ret_plugins, err, err_size);
}

static char *names_of(struct sf_plugins *plugins)
{
	_auto_(l_strv_free) char **names = sf_plugins_names(plugins);

	return l_strjoinv(names, ' ');
}

START_TEST(loading_all_keeps_good_ones_in_priority_order)
{
	struct sf_plugins *plugins = NULL;
	_auto_(l_free) char *names = NULL;
	char err[1024];

	copy_plugin("good", "good", 0644);
	copy_plugin("early", "early", 0644);
	copy_plugin("bad-abi", "bad-abi", 0644);
	copy_plugin("no-symbol", "no-symbol", 0644);
	copy_plugin("failing-init", "failing-init", 0644);
	copy_plugin("uses-ell", "uses-ell", 0644);

	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), 0);
	names = names_of(plugins);
	ck_assert_str_eq(names, "early good");

	/* Each refusal is reported, with its reason. */
	ck_assert_msg(strstr(err, "bad-abi.so: plugin ABI 3, daemon needs 2"),
		      "%s", err);
	ck_assert_msg(strstr(err, "no-symbol.so: no 'sf_plugin_descriptor' "
			     "symbol (not a subflowd plugin)"), "%s", err);
	ck_assert_msg(strstr(err, "failing-init.so: init failed: "
			     "Input/output error"), "%s", err);
	ck_assert_msg(strstr(err, "uses-ell.so: calls l_free of ELL, which is "
			     "not part of the plugin API"), "%s", err);
	sf_plugins_free(plugins);
}
END_TEST

START_TEST(a_named_plugin_that_is_refused_is_fatal)
{
	struct sf_plugins *plugins = NULL;
	char *bad[] = { "bad-abi", NULL };
	char *missing[] = { "nosuch", NULL };
	char *failing[] = { "failing-init", NULL };
	char *nosym[] = { "no-symbol", NULL };
	char *ell[] = { "uses-ell", NULL };
	char err[512];

	copy_plugin("bad-abi", "bad-abi", 0644);
	copy_plugin("failing-init", "failing-init", 0644);
	copy_plugin("no-symbol", "no-symbol", 0644);
	copy_plugin("uses-ell", "uses-ell", 0644);

	ck_assert_int_eq(load(bad, &plugins, err, sizeof(err)), -ENOEXEC);
	ck_assert_ptr_null(plugins);
	ck_assert_int_eq(load(missing, &plugins, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(load(failing, &plugins, err, sizeof(err)), -EIO);
	ck_assert_int_eq(load(nosym, &plugins, err, sizeof(err)), -ENOEXEC);
	ck_assert_int_eq(load(ell, &plugins, err, sizeof(err)), -EPERM);
	ck_assert_ptr_null(plugins);
}
END_TEST

START_TEST(writable_directory_is_refused)
{
	struct sf_plugins *plugins = NULL;
	char err[512];

	copy_plugin("good", "good", 0644);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), -EPERM);
	ck_assert_ptr_null(plugins);
	ck_assert_msg(strstr(err, "must be owned by root and not group- or "
			     "world-writable (mode 0777"), "%s", err);

	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), -EPERM);
}
END_TEST

START_TEST(writable_plugin_file_is_refused)
{
	struct sf_plugins *plugins = NULL;
	char *named[] = { "good", NULL };
	_auto_(l_free) char *names = NULL;
	char err[512];

	copy_plugin("good", "good", 0664);
	copy_plugin("early", "early", 0644);

	ck_assert_int_eq(load(named, &plugins, err, sizeof(err)), -EPERM);
	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), 0);
	names = names_of(plugins);
	ck_assert_str_eq(names, "early");
	ck_assert_msg(strstr(err, "good.so: refusing"), "%s", err);
	sf_plugins_free(plugins);
}
END_TEST

START_TEST(a_second_plugin_with_a_taken_name_is_refused)
{
	struct sf_plugins *plugins = NULL;
	char *named[] = { "good", "again", NULL };
	char err[512];

	copy_plugin("good", "good", 0644);
	copy_plugin("good", "again", 0644);
	ck_assert_int_eq(load(named, &plugins, err, sizeof(err)), -EEXIST);
	ck_assert_msg(strstr(err, "again.so: a plugin named 'good' is already "
			     "loaded"), "%s", err);
}
END_TEST

/* --- loaded when a setting names it --- */

/* Is dir/FILE.so mapped into this process? (RTLD_NOLOAD never maps it.) */
static void *mapped(const char *file)
{
	_auto_(l_free) char *path = l_strdup_printf("%s/%s.so", dir, file);

	return dlopen(path, RTLD_NOW | RTLD_NOLOAD);
}

static unsigned int inits_of_on_demand(void)
{
	void *handle = mapped("on-demand");
	unsigned int n;

	ck_assert_ptr_nonnull(handle);
	n = *(unsigned int *) dlsym(handle, "on_demand_inits");
	dlclose(handle);
	return n;
}

START_TEST(a_policy_on_demand_is_loaded_when_named)
{
	struct sf_plugins *plugins = NULL;
	const struct sf_plugin_desc *desc = NULL, *again = NULL;
	_auto_(l_free) char *names = NULL;
	char err[512];

	copy_plugin("good", "good", 0644);
	copy_plugin("on-demand", "on-demand", 0644);
	copy_plugin("kernel-mode", "kernel-mode", 0644);
	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");

	/* Known by name, in priority order, but not loaded: neither the
	 * on-demand policy nor the plugin of the other mode. */
	names = names_of(plugins);
	ck_assert_str_eq(names, "on-demand good kernel-mode");
	ck_assert_ptr_nonnull(sf_plugins_find(plugins, "good"));
	ck_assert_ptr_null(sf_plugins_find(plugins, "on-demand"));
	ck_assert_ptr_null(sf_plugins_find(plugins, "kernel-mode"));
	ck_assert_ptr_null(mapped("on-demand"));
	ck_assert_ptr_null(mapped("kernel-mode"));

	/* Named: loaded, its init run once, however often it is named. */
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGIN_MODE_USERSPACE, &desc, err,
					sizeof(err)), 0);
	ck_assert_ptr_eq(desc, sf_plugins_find(plugins, "on-demand"));
	ck_assert_str_eq(desc->name, "on-demand");
	ck_assert_uint_eq(inits_of_on_demand(), 1);
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGINS_ANY_MODE, &again, err,
					sizeof(err)), 0);
	ck_assert_ptr_eq(again, desc);
	ck_assert_uint_eq(inits_of_on_demand(), 1);

	/* The other mode's plugin is refused without loading, unless any
	 * mode will do. */
	ck_assert_int_eq(sf_plugins_use(plugins, "kernel-mode",
					SF_PLUGIN_MODE_USERSPACE, &desc, err,
					sizeof(err)), -EMEDIUMTYPE);
	ck_assert_ptr_null(mapped("kernel-mode"));
	ck_assert_int_eq(sf_plugins_use(plugins, "kernel-mode",
					SF_PLUGINS_ANY_MODE, &desc, err,
					sizeof(err)), 0);
	ck_assert_ptr_eq(desc, sf_plugins_find(plugins, "kernel-mode"));

	ck_assert_int_eq(sf_plugins_use(plugins, "nosuch", SF_PLUGINS_ANY_MODE,
					&desc, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "'nosuch' is not a loaded plugin");

	sf_plugins_free(plugins);
	ck_assert_ptr_null(mapped("on-demand"));
	ck_assert_ptr_null(mapped("kernel-mode"));
}
END_TEST

START_TEST(a_policy_that_fails_to_load_stays_deferred)
{
	struct sf_plugins *plugins = NULL;
	const struct sf_plugin_desc *desc = NULL;
	_auto_(l_free) char *path = NULL;
	char err[512];

	copy_plugin("on-demand", "on-demand", 0644);
	ck_assert_int_eq(load(NULL, &plugins, err, sizeof(err)), 0);
	path = l_strdup_printf("%s/on-demand.so", dir);

	/* Its init fails: the error is the caller's, nothing stays. */
	setenv("SF_TEST_INIT_FAIL", "1", 1);
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGINS_ANY_MODE, &desc, err,
					sizeof(err)), -EIO);
	unsetenv("SF_TEST_INIT_FAIL");
	ck_assert_msg(strstr(err, "on-demand.so: init failed: Input/output "
			     "error"), "%s", err);
	ck_assert_ptr_null(sf_plugins_find(plugins, "on-demand"));
	ck_assert_ptr_null(mapped("on-demand"));

	/* The file is checked again when it loads. */
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGINS_ANY_MODE, &desc, err,
					sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "on-demand.so: refusing"), "%s", err);
	copy_plugin("good", "on-demand", 0644);
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGINS_ANY_MODE, &desc, err,
					sizeof(err)), -ENOEXEC);
	ck_assert_msg(strstr(err, "on-demand.so: no longer the plugin "
			     "'on-demand' found at start"), "%s", err);
	ck_assert_ptr_null(sf_plugins_find(plugins, "on-demand"));

	/* Put right, a later use loads it. */
	copy_plugin("on-demand", "on-demand", 0644);
	ck_assert_int_eq(sf_plugins_use(plugins, "on-demand",
					SF_PLUGINS_ANY_MODE, &desc, err,
					sizeof(err)), 0);
	ck_assert_uint_eq(inits_of_on_demand(), 1);
	sf_plugins_free(plugins);
}
END_TEST

/* --- dispatch --- */

static char trace[256];

static void record(const char *what)
{
	size_t used = strlen(trace);

	snprintf(trace + used, sizeof(trace) - used, "%s%s", used ? " " : "",
		 what);
}

static enum sf_verdict first_up(int32_t ifindex, const char *ifname)
{
	record("first:up");
	return ifindex == 99 ? SF_VERDICT_STOP : SF_VERDICT_CONTINUE;
}

static enum sf_verdict second_up(int32_t ifindex, const char *ifname)
{
	record("second:up");
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict first_created(struct sf_conn *conn)
{
	record("first:created");
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict second_created(struct sf_conn *conn)
{
	record("second:created");
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict observer_created(struct sf_conn *conn)
{
	record("observer:created");
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops first_ops = {
	.iface_up = first_up, .conn_created = first_created,
};
static const struct sf_plugin_ops second_ops = {
	.iface_up = second_up, .conn_created = second_created,
};
static const struct sf_plugin_ops observer_ops = {
	.conn_created = observer_created,
};
static const struct sf_plugin_desc first = {
	SF_PLUGIN_ABI_VERSION, "first", 10, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, &first_ops,
};
static const struct sf_plugin_desc second = {
	SF_PLUGIN_ABI_VERSION, "second", 20, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, &second_ops,
};
static const struct sf_plugin_desc observer = {
	SF_PLUGIN_ABI_VERSION, "observer", 30, SF_PLUGIN_MODE_USERSPACE,
	SF_PLUGIN_FLAG_OBSERVER, NULL, NULL, &observer_ops,
};
static const struct sf_plugin_desc kernel_only = {
	SF_PLUGIN_ABI_VERSION, "kernel-only", 5, SF_PLUGIN_MODE_KERNEL, 0,
	NULL, NULL, &first_ops,
};

START_TEST(events_go_in_priority_order_and_stop_ends_them)
{
	struct sf_plugins *plugins = sf_plugins_new();
	struct sf_plugin_event_args args = { .ifindex = 2, .ifname = "eth0" };

	/* Registered out of order on purpose. */
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &second), 0);
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &kernel_only), 0);
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &first), 0);
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &first), -EEXIST);

	trace[0] = '\0';
	sf_plugins_dispatch(plugins, SF_PLUGIN_MODE_USERSPACE,
			    SF_PLUGIN_EVENT_IFACE_UP, &args);
	ck_assert_str_eq(trace, "first:up second:up");

	trace[0] = '\0';
	args.ifindex = 99;
	sf_plugins_dispatch(plugins, SF_PLUGIN_MODE_USERSPACE,
			    SF_PLUGIN_EVENT_IFACE_UP, &args);
	ck_assert_str_eq(trace, "first:up");
	sf_plugins_free(plugins);
}
END_TEST

START_TEST(connection_events_reach_its_policy_and_observers_only)
{
	struct sf_plugins *plugins = sf_plugins_new();
	struct sf_conn_table *conns = sf_conn_table_new();
	struct sf_addr l = { .family = AF_INET }, r = { .family = AF_INET };
	struct sf_conn *conn = sf_conn_table_add(conns, 1, &l, &r, false);
	struct sf_plugin_event_args args = { .conn = conn };

	sf_plugins_add_builtin(plugins, &first);
	sf_plugins_add_builtin(plugins, &second);
	sf_plugins_add_builtin(plugins, &observer);

	sf_conn_set_policy(conn, &second);
	trace[0] = '\0';
	sf_plugins_dispatch(plugins, SF_PLUGIN_MODE_USERSPACE,
			    SF_PLUGIN_EVENT_CONN_CREATED, &args);
	ck_assert_str_eq(trace, "second:created observer:created");

	/* A plugin claims it: from now on it decides. */
	sf_conn_claim(conn, &first);
	ck_assert_str_eq(sf_conn_policy(conn), "first");
	trace[0] = '\0';
	sf_plugins_dispatch(plugins, SF_PLUGIN_MODE_USERSPACE,
			    SF_PLUGIN_EVENT_CONN_CREATED, &args);
	ck_assert_str_eq(trace, "first:created observer:created");

	sf_conn_table_free(conns);
	sf_plugins_free(plugins);
}
END_TEST

/* --- debug lines --------------------------------------------------------- */

static unsigned int n_built, n_logged;

static const char *built(const char *s)
{
	n_built++;
	return s;
}

static void count_debug(int priority, const char *file, const char *line,
			const char *func, const char *format, va_list ap)
{
	if (priority == L_LOG_DEBUG)
		n_logged++;
}

START_TEST(debug_lines_are_not_even_built_until_debug_is_on)
{
	n_built = n_logged = 0;
	l_log_set_handler(count_debug);

	ck_assert(!sf_log_debug_on());
	sf_debug("%s", built("off"));
	ck_assert_uint_eq(n_built, 0);

	/* A pattern naming another file leaves them off. */
	l_debug_enable("*daemon.c");
	ck_assert(!sf_log_debug_on());
	sf_debug("%s", built("another file"));
	ck_assert_uint_eq(n_built, 0);
	l_debug_disable();

	l_debug_enable("*api-query.c");
	ck_assert(sf_log_debug_on());
	sf_debug("%s", built("on"));
	ck_assert_uint_eq(n_built, 1);
	ck_assert_uint_eq(n_logged, 1);

	l_debug_disable();
	l_log_set_stderr();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin");
	TCase *load = tcase_create("loader");
	TCase *dispatch = tcase_create("dispatch");
	TCase *logging = tcase_create("logging");

	tcase_add_checked_fixture(load, setup, teardown);
	tcase_add_test(load, loading_all_keeps_good_ones_in_priority_order);
	tcase_add_test(load, a_named_plugin_that_is_refused_is_fatal);
	tcase_add_test(load, writable_directory_is_refused);
	tcase_add_test(load, writable_plugin_file_is_refused);
	tcase_add_test(load, a_second_plugin_with_a_taken_name_is_refused);
	tcase_add_test(load, a_policy_on_demand_is_loaded_when_named);
	tcase_add_test(load, a_policy_that_fails_to_load_stays_deferred);
	suite_add_tcase(s, load);

	tcase_add_test(dispatch, events_go_in_priority_order_and_stop_ends_them);
	tcase_add_test(dispatch, connection_events_reach_its_policy_and_observers_only);
	suite_add_tcase(s, dispatch);

	tcase_add_test(logging, debug_lines_are_not_even_built_until_debug_is_on);
	suite_add_tcase(s, logging);

	return sf_unit_run(s);
}
