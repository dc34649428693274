/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus service's access control, with the service attached to a
 * peer-to-peer connection (sf_dbus_new_on_bus): the caller is who the socket
 * says it is (SO_PEERCRED), nothing is read from /proc. This is what a
 * hardened service (ProtectProc=invisible) has on the system bus too: the
 * bus's word for the caller's effective uid and groups.
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
#include "dbus.h"
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
 * control-group is "daemon": a group that exists everywhere, which neither
 * nobody nor its primary group is in. */
static void setup(void)
{
	struct sf_config *config = sf_config_new_defaults();
	struct sf_plugins *plugins = sf_plugins_new();

	ck_assert(l_main_init());
	ck_assert_str_eq(config->policy, "fullmesh");
	ck_assert_int_eq(sf_plugins_add_builtin(plugins, &idle_plugin), 0);
	l_free(config->control_group);
	config->control_group = l_strdup("daemon");
	daemon_ = sf_daemon_new(config, plugins);
}

static void teardown(void)
{
	sf_dbus_free(dbus_);
	dbus_ = NULL;
	sf_daemon_free(daemon_);
	l_main_exit();
}

/* Serve fd (one end of a connection) as the service's peer-to-peer bus. */
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

int main(void)
{
	Suite *s = suite_create("dbus-access");
	TCase *tc = tcase_create("peer-to-peer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caller_on_a_socketpair_is_the_socket_owner);
	tcase_add_test(tc, unprivileged_caller_is_denied);
	tcase_add_test(tc, caller_in_the_control_group_may);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
