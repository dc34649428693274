/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus boundary's pure parts (dbus-util.c): the errno table, object
 * paths and argument parsing. The service itself is tested against a real
 * bus in tests/integration/dbus-*.sh.
 */
#include <errno.h>
#include <string.h>

#include "dbus.h"
#include "unit.h"

START_TEST(errno_names_are_the_errno_macro_names)
{
	ck_assert_str_eq(sf_dbus_error_name(-EADDRNOTAVAIL),
			 "org.subflowd.Error.EADDRNOTAVAIL");
	ck_assert_str_eq(sf_dbus_error_name(-ESRCH), "org.subflowd.Error.ESRCH");
	ck_assert_str_eq(sf_dbus_error_name(-EINVAL),
			 "org.subflowd.Error.EINVAL");
	ck_assert_str_eq(sf_dbus_error_name(-EALREADY),
			 "org.subflowd.Error.EALREADY");
	ck_assert_str_eq(sf_dbus_error_name(-ENOTCONN),
			 "org.subflowd.Error.ENOTCONN");
	ck_assert_str_eq(sf_dbus_error_name(-EOPNOTSUPP),
			 "org.subflowd.Error.EOPNOTSUPP");
}
END_TEST

START_TEST(unknown_errnos_are_failed)
{
	ck_assert_str_eq(sf_dbus_error_name(-EDEADLK), "org.subflowd.Error.Failed");
	ck_assert_str_eq(sf_dbus_error_name(0), "org.subflowd.Error.Failed");
	ck_assert_str_eq(sf_dbus_error_name(-100000),
			 "org.subflowd.Error.Failed");
}
END_TEST

START_TEST(every_error_name_is_a_valid_dbus_error_name)
{
	for (int e = 1; e < 200; e++) {
		const char *name = sf_dbus_error_name(-e);
		sd_bus_error error = SD_BUS_ERROR_NULL;

		/* sd-bus refuses invalid names (-EINVAL) */
		ck_assert_msg(sd_bus_error_set(&error, name, "x") != -EINVAL,
			      "%s", name);
		ck_assert_str_eq(error.name, name);
		sd_bus_error_free(&error);
	}
}
END_TEST

START_TEST(errno_error_message_has_context_strerror_and_extack)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;

	ck_assert_int_eq(sf_dbus_error_errno(&error, -ESRCH, "subflow not found",
					     "RemoveSubflow"), -ESRCH);
	ck_assert_str_eq(error.name, "org.subflowd.Error.ESRCH");
	ck_assert_str_eq(error.message,
			 "RemoveSubflow: No such process: subflow not found");
	sd_bus_error_free(&error);

	sf_dbus_error_errno(&error, -ENOSPC, NULL, "CreateSubflow");
	ck_assert_str_eq(error.message, "CreateSubflow: No space left on device");
	sd_bus_error_free(&error);
}
END_TEST

START_TEST(invalid_args_names_the_argument)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;

	ck_assert_int_eq(sf_dbus_error_invalid(&error, "id: %u is bad", 7),
			 -EINVAL);
	ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
	ck_assert_str_eq(error.message, "id: 7 is bad");
	sd_bus_error_free(&error);
}
END_TEST

START_TEST(paths_round_trip)
{
	char buf[SF_DBUS_PATH_MAX];
	uint32_t token = 0;
	int32_t ifindex = 0;

	ck_assert_str_eq(sf_dbus_conn_path(0x0a0b0c0d, buf),
			 "/org/subflowd/connection/0a0b0c0d");
	ck_assert_int_eq(sf_dbus_conn_path_parse(buf, &token), 0);
	ck_assert_uint_eq(token, 0x0a0b0c0d);

	ck_assert_int_eq(sf_dbus_conn_path_parse(sf_dbus_conn_path(UINT32_MAX,
								   buf),
						 &token), 0);
	ck_assert_uint_eq(token, UINT32_MAX);

	ck_assert_str_eq(sf_dbus_iface_path(42, buf), "/org/subflowd/interface/42");
	ck_assert_int_eq(sf_dbus_iface_path_parse(buf, &ifindex), 0);
	ck_assert_int_eq(ifindex, 42);
}
END_TEST

START_TEST(bad_paths_are_refused)
{
	static const char *const conns[] = {
		"/org/subflowd/connection/", "/org/subflowd/connection/1a2b3c4",
		"/org/subflowd/connection/1a2b3c4d5", "/org/subflowd/connection/1A2B3C4D",
		"/org/subflowd/connection/1a2b3c4g", "/org/subflowd/connection1a2b3c4d",
		"/org/subflowd/connection/1a2b/3c4d", "/org/subflowd/interface/1a2b3c4d",
		"/org/subflowd", "",
	};
	static const char *const ifaces[] = {
		"/org/subflowd/interface/", "/org/subflowd/interface/0",
		"/org/subflowd/interface/01", "/org/subflowd/interface/-1",
		"/org/subflowd/interface/2147483648",
		"/org/subflowd/interface/99999999999", "/org/subflowd/interface/1x",
		"/org/subflowd/connection/1", "",
	};
	uint32_t token = 7;
	int32_t ifindex = 7;

	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		ck_assert_msg(sf_dbus_conn_path_parse(conns[i], &token) == -EINVAL,
			      "%s", conns[i]);
	for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
		ck_assert_msg(sf_dbus_iface_path_parse(ifaces[i], &ifindex) ==
			      -EINVAL, "%s", ifaces[i]);
	ck_assert_int_eq(sf_dbus_conn_path_parse(NULL, &token), -EINVAL);
	ck_assert_int_eq(sf_dbus_iface_path_parse("/org/subflowd/interface/"
						  "2147483647", &ifindex), 0);
	ck_assert_int_eq(ifindex, INT32_MAX);
	/* Refusals leave the output alone. */
	ck_assert_uint_eq(token, 7);
}
END_TEST

/* A well-known bus name as the D-Bus specification defines it. */
static bool valid_bus_name(const char *name)
{
	size_t len = strlen(name);
	bool element_start = true;
	int elements = 1;

	if (len > 255 || !len || name[0] == '.')
		return false;

	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			if (element_start)
				return false;
			element_start = true;
			elements++;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_' || *p == '-' ||
		      (*p >= '0' && *p <= '9' && !element_start)))
			return false;
		element_start = false;
	}

	return !element_start && elements >= 2;
}

START_TEST(instance_names_are_escaped_into_valid_bus_names)
{
	static const struct {
		const char *instance;
		const char *name;
	} cases[] = {
		{ NULL, "org.subflowd" },
		{ "", "org.subflowd" },
		{ "blue", "org.subflowd.blue" },
		{ "ns-1", "org.subflowd.ns_2d1" },
		{ "1ns", "org.subflowd._31ns" },
		{ "a_b.c", "org.subflowd.a_5fb_2ec" },
		{ "caf\xc3\xa9", "org.subflowd.caf_c3_a9" },
	};
	char longest[SF_DBUS_INSTANCE_MAX + 2];
	char *name;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(sf_dbus_instance_name(cases[i].instance,
						       &name), 0);
		ck_assert_str_eq(name, cases[i].name);
		ck_assert_msg(valid_bus_name(name), "%s", name);
		l_free(name);
	}

	/* Every byte escaped, at the longest: still a valid name. */
	memset(longest, '.', SF_DBUS_INSTANCE_MAX);
	longest[SF_DBUS_INSTANCE_MAX] = '\0';
	ck_assert_int_eq(sf_dbus_instance_name(longest, &name), 0);
	ck_assert_msg(valid_bus_name(name), "%s", name);
	l_free(name);

	/* Not the name of a file in /run/netns. */
	name = NULL;
	strcat(longest, "x");
	ck_assert_int_eq(sf_dbus_instance_name(longest, &name), -EINVAL);
	ck_assert_int_eq(sf_dbus_instance_name("a/b", &name), -EINVAL);
	ck_assert_int_eq(sf_dbus_instance_name(".", &name), -EINVAL);
	ck_assert_int_eq(sf_dbus_instance_name("..", &name), -EINVAL);
	ck_assert_ptr_null(name);
}
END_TEST

START_TEST(address_arguments_are_parsed_with_family_checks)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	struct sf_addr a = { 0 };

	ck_assert_int_eq(sf_dbus_parse_addr_arg("local_addr", "10.0.1.1",
						AF_UNSPEC, NULL, &a, &error), 0);
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert(!sd_bus_error_is_set(&error));

	ck_assert_int_eq(sf_dbus_parse_addr_arg("remote_addr", "fd00::2",
						AF_INET6, "local_addr", &a,
						&error), 0);
	ck_assert_uint_eq(a.family, AF_INET6);

	ck_assert_int_eq(sf_dbus_parse_addr_arg("local_addr", "10.0.1.1:80",
						AF_UNSPEC, NULL, &a, &error),
			 -EINVAL);
	ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
	ck_assert_str_eq(error.message, "local_addr: '10.0.1.1:80' is not an "
			 "IPv4 or IPv6 address");
	sd_bus_error_free(&error);

	ck_assert_int_eq(sf_dbus_parse_addr_arg("remote_addr", "fd00::2",
						AF_INET, "local_addr", &a,
						&error), -EINVAL);
	ck_assert_str_eq(error.message, "remote_addr: fd00::2 is IPv6 but "
			 "local_addr is IPv4");
	sd_bus_error_free(&error);

	/* A refused argument leaves the output alone. */
	ck_assert_uint_eq(a.family, AF_INET6);
}
END_TEST

static Suite *dbus_suite(void)
{
	Suite *s = suite_create("dbus");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, errno_names_are_the_errno_macro_names);
	tcase_add_test(tc, unknown_errnos_are_failed);
	tcase_add_test(tc, every_error_name_is_a_valid_dbus_error_name);
	tcase_add_test(tc, errno_error_message_has_context_strerror_and_extack);
	tcase_add_test(tc, invalid_args_names_the_argument);
	tcase_add_test(tc, paths_round_trip);
	tcase_add_test(tc, bad_paths_are_refused);
	tcase_add_test(tc, address_arguments_are_parsed_with_family_checks);
	tcase_add_test(tc, instance_names_are_escaped_into_valid_bus_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sf_unit_run(dbus_suite());
}
