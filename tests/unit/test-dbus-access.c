/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus service's access control, with the service attached to a
 * peer-to-peer connection (sf_dbus_new_on_bus): the caller is who the socket
 * says it is (SO_PEERCRED), nothing is read from /proc. This is what a
 * hardened service (ProtectProc=invisible) has on the system bus too: the
 * bus's word for the caller's effective uid and groups. [core]
 * control-group is looked up by a child process when the service starts
 * (src/group-lookup.c); the tests wait for its answer, as the daemon's
 * readiness does.
 */
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "dbus-private.h"
#include "group-lookup.h"
#include "unit.h"
#include "util.h"

static const struct sf_plugin_ops idle_ops;
static const struct sf_plugin_desc idle_plugin = {
	SF_PLUGIN_ABI_VERSION, "idle", 50, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, &idle_ops,
};

static struct sf_daemon *daemon_;
static struct sf_dbus *dbus_;

/* A daemon (default policy fullmesh, not loaded) whose [core]
 * control-group is group. */
static void setup_group(const char *group)
{
	struct sf_config *config = sf_config_new_defaults();
	struct sf_plugins *plugins = sf_plugins_new();

	ck_assert(l_main_init());
	ck_assert_str_eq(config->policy, "fullmesh");
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &idle_plugin), 0);
	l_free(config->control_group);
	config->control_group = l_strdup(group);
	daemon_ = sf_daemon_new(config, plugins);
}

/* "daemon": a group that exists everywhere, which neither nobody nor its
 * primary group is in. */
static void setup(void)
{
	setup_group("daemon");
}

/* nobody's primary group. */
static void setup_nogroup(void)
{
	setup_group("nogroup");
}

static void setup_missing(void)
{
	setup_group("sf-no-such-group-4711");
}

/* Run the loop until the control group's lookup has answered and its
 * child is reaped. */
static void wait_lookup(void)
{
	for (int i = 0; i < 1000 && (sf_dbus_access_pending(dbus_) ||
				     sf_group_lookup_children()); i++)
		l_main_iterate(10);
	ck_assert(!sf_dbus_access_pending(dbus_));
	ck_assert_uint_eq(sf_group_lookup_children(), 0);
}

static void teardown(void)
{
	sf_dbus_free(dbus_);
	dbus_ = NULL;
	sf_daemon_free(daemon_);
	l_main_exit();
}

/*
 * Serve fd (one end of a connection) as the service's peer-to-peer bus,
 * once [core] control-group is looked up.
 */
static void serve(int fd)
{
	sd_bus *bus = NULL;
	sd_id128_t id;

	ck_assert_int_ge(sd_id128_randomize(&id), 0);
	ck_assert_int_ge(sd_bus_new(&bus), 0);
	ck_assert_int_ge(sd_bus_set_fd(bus, fd, fd), 0);
	ck_assert_int_ge(sd_bus_set_server(bus, 1, id), 0);
	ck_assert_int_ge(sd_bus_start(bus), 0);
	ck_assert_int_eq(sf_dbus_new_on_bus(daemon_, bus, NULL, &dbus_), 0);
	sd_bus_unref(bus);
	/* Looked up by a child, answered from the loop. */
	ck_assert(sf_dbus_access_pending(dbus_));
	wait_lookup();
}

/*
 * The client's side: SetDefaultPolicy("idle") over fd, with sd-bus's own
 * blocking call. Exit status: 0 when it worked, 1 on AccessDenied, 2 else.
 */
static int client_call(int fd)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus *bus = NULL;
	int r;

	if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fd, fd) < 0 ||
	    sd_bus_start(bus) < 0) {
		sd_bus_unref(bus);
		return 2;
	}

	r = sd_bus_call_method(bus, NULL, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE,
			       "SetDefaultPolicy", &error, NULL, "s", "idle");
	if (r < 0)
		fprintf(stderr, "client: %s: %s\n", error.name, error.message);
	r = r >= 0 ? 0 :
	    sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) ? 1 : 2;
	sd_bus_error_free(&error);
	sd_bus_flush_close_unref(bus);
	return r;
}

/* Run the main loop until child exits; its exit status. */
static int wait_child(pid_t child)
{
	int status;

	for (int i = 0; i < 5000; i++) {
		pid_t r = waitpid(child, &status, WNOHANG);

		ck_assert_int_ge(r, 0);
		if (r == child) {
			ck_assert(WIFEXITED(status));
			return WEXITSTATUS(status);
		}
		l_main_iterate(1);
	}

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ck_abort_msg("the client got no reply");
	return -1;
}

START_TEST(caller_on_a_socketpair_is_the_socket_owner)
{
	int fds[2];
	pid_t child;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    fds), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(fds[0]);
		_exit(client_call(fds[1]));
	}
	close(fds[1]);
	serve(fds[0]);

	/* The socketpair's creator (us) is the caller: root may, anyone
	 * else is neither root nor in the control group. */
	ck_assert_int_eq(wait_child(child), (geteuid() == 0 ? 0 : 1));
	ck_assert_str_eq(sf_daemon_default_policy(daemon_),
			 geteuid() == 0 ? "idle" : "fullmesh");
}
END_TEST

/*
 * As uid 65534 with the supplementary group gid (none when 0), call over a
 * connection whose peer credentials the kernel took after the drop; the
 * client's exit status.
 */
static int call_as_nobody(gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	pid_t child;
	int lfd, fd;

	/* An abstract socket the child connects to once it is nobody. */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		 "sf-test-dbus-access-%d", (int)getpid());
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	      strlen(sa.sun_path + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);

	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(lfd);
		if (setgroups(gid ? 1 : 0, &gid) < 0 ||
		    setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0)
			_exit(3);
		_exit(client_call(fd));
	}

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	close(lfd);
	serve(fd);
	return wait_child(child);
}

START_TEST(unprivileged_caller_is_denied)
{
	if (geteuid() != 0)
		return;		/* needs to become another uid */

	ck_assert_int_eq(call_as_nobody(0), 1);
	ck_assert_str_eq(sf_daemon_default_policy(daemon_), "fullmesh");
}
END_TEST

/* The groups the socket reports (SO_PEERGROUPS) count. */
START_TEST(caller_in_the_control_group_may)
{
	const struct group *gr = getgrnam("daemon");

	if (geteuid() != 0)
		return;

	ck_assert_ptr_nonnull(gr);
	ck_assert_int_eq(call_as_nobody(gr->gr_gid), 0);
	ck_assert_str_eq(sf_daemon_default_policy(daemon_), "idle");
}
END_TEST

/*
 * A caller whose groups do not hold the control group, but whose primary
 * group it is in the user database: the members the lookup found count
 * (what a bus that reports no groups relies on).
 */
START_TEST(user_whose_primary_group_it_is_may)
{
	if (geteuid() != 0)
		return;

	/* nobody, with no supplementary group at all. */
	ck_assert_int_eq(call_as_nobody(0), 0);
	ck_assert_str_eq(sf_daemon_default_policy(daemon_), "idle");
}
END_TEST

/* A group that does not exist grants nothing; the lookup still ends. */
START_TEST(missing_control_group_grants_nothing)
{
	const struct group *gr = getgrnam("daemon");

	if (geteuid() != 0)
		return;

	ck_assert_ptr_nonnull(gr);
	ck_assert_int_eq(call_as_nobody(gr->gr_gid), 1);
	ck_assert_str_eq(sf_daemon_default_policy(daemon_), "fullmesh");
}
END_TEST

/* Settings changes look the group up again, one child at a time: a burst
 * of them costs two lookups, and the last answer is for the last name. */
START_TEST(settings_changes_look_the_group_up_again)
{
	int fds[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    fds), 0);
	serve(fds[0]);
	close(fds[1]);
	ck_assert(dbus_->has_control_gid);
	ck_assert_uint_eq(dbus_->control_gid, getgrnam("daemon")->gr_gid);

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(sf_daemon_set_default_policy(daemon_, "idle"),
				 0);
	ck_assert(sf_dbus_access_pending(dbus_));
	ck_assert_uint_eq(sf_group_lookup_children(), 1);
	/* What was known stays in force meanwhile. */
	ck_assert(dbus_->has_control_gid);
	wait_lookup();
	ck_assert(dbus_->has_control_gid);
	ck_assert_uint_eq(dbus_->control_gid, getgrnam("daemon")->gr_gid);
}
END_TEST

/* The service ends while the lookup runs: it is cancelled, the child
 * reaped. */
START_TEST(service_freed_during_the_lookup)
{
	int fds[2];
	sd_bus *bus = NULL;
	sd_id128_t id;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    fds), 0);
	ck_assert_int_ge(sd_id128_randomize(&id), 0);
	ck_assert_int_ge(sd_bus_new(&bus), 0);
	ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
	ck_assert_int_ge(sd_bus_set_server(bus, 1, id), 0);
	ck_assert_int_ge(sd_bus_start(bus), 0);
	ck_assert_int_eq(sf_dbus_new_on_bus(daemon_, bus, NULL, &dbus_), 0);
	sd_bus_unref(bus);
	close(fds[1]);
	ck_assert(sf_dbus_access_pending(dbus_));

	sf_dbus_free(dbus_);
	dbus_ = NULL;
	for (int i = 0; i < 1000 && sf_group_lookup_children(); i++)
		l_main_iterate(10);
	ck_assert_uint_eq(sf_group_lookup_children(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dbus-access");
	TCase *tc = tcase_create("peer-to-peer");
	TCase *primary = tcase_create("primary-group");
	TCase *missing = tcase_create("missing-group");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caller_on_a_socketpair_is_the_socket_owner);
	tcase_add_test(tc, unprivileged_caller_is_denied);
	tcase_add_test(tc, caller_in_the_control_group_may);
	tcase_add_test(tc, settings_changes_look_the_group_up_again);
	tcase_add_test(tc, service_freed_during_the_lookup);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(primary, setup_nogroup, teardown);
	tcase_add_test(primary, user_whose_primary_group_it_is_may);
	suite_add_tcase(s, primary);

	tcase_add_checked_fixture(missing, setup_missing, teardown);
	tcase_add_test(missing, missing_control_group_grants_nothing);
	suite_add_tcase(s, missing);
	return sf_unit_run(s);
}
