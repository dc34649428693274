/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the D-Bus service's method handlers and property
 * getters (dbus*.c), reached the way a client reaches them. Once per
 * process a daemon core runs with the real fullmesh plugin, a second policy
 * ("idle"), three links with addresses, three connections fed as kernel
 * events and a fake kernel that answers every command; the service is
 * attached (sf_dbus_new_on_bus) to one end of a peer-to-peer sd-bus
 * connection over a socketpair, and the harness is the client at the other
 * end. Each input becomes one method call; the server is pumped through the
 * ELL loop until the call is answered, and then:
 *   - exactly one reply came (none when the call said no reply expected),
 *   - an error's name is org.freedesktop.DBus.Error.* or
 *     org.subflowd.Error.* (never sd-bus's errno fallback System.Error.*),
 *   - no call is left pending in the service, no command in the kernel,
 *   - the service publishes exactly the daemon's connections and links, and
 *     no connection exceeds [core] max-subflows.
 * Then the connections are closed and fed anew and the runtime policies are
 * put back, so that inputs stay independent.
 *
 * Input format (missing bytes read as 0):
 *   byte 0   object: bits 0-2 pick 0 /org/subflowd, 1 connection A
 *            (client, IPv4, established, 3 subflows, a peer address),
 *            2 connection B (server side, IPv6), 3 connection C (created,
 *            not established), 4 interface 2 + (bits 3-4) (5: unknown),
 *            5 an unknown token, 6 a path read as a string (below),
 *            7 an odd path (bits 3-5: "/", the bare prefixes, uppercase hex)
 *   byte 1   method: bits 0-4 index methods[] modulo its size; bit 5: the
 *            argument signature is read as a string instead of the
 *            method's own; bit 6: the call says no reply is expected
 *   byte 2   the kernel: bits 0-3 index answers[] (0: success), bit 4: an
 *            extack comes with errors, bit 5: command i gets answers[idx + i]
 *            instead, bit 6: Reload's configuration loader fails
 *   rest     the arguments, walking the signature:
 *            y b n q i u x t d: 1, 1, 2, 2, 4, 4, 8, 8, 8 bytes (little
 *            endian); s o g: a length byte L and L bytes, or for L >= 0xe0
 *            dict[L - 0xe0] (a few addresses, names, keys); a: a count
 *            byte (mod 9) and that many elements; v: a byte picking
 *            variants[] (0xff: the variant's signature as a string) and a
 *            value of that type; ( ) and { }: their members in order.
 *   Inputs that sd-bus refuses to build (invalid UTF-8, a bad object path
 *   or signature, a unix fd) are skipped, and so are signatures nested
 *   deeper than the D-Bus specification allows (no bus delivers them).
 *
 * fuzz/corpus/dbus/ holds valid calls of every method (and a few invalid
 * ones); SF_FUZZ_VERBOSE=1 fuzz-dbus FILE... prints each call and its reply.
 */
/* Callbacks here and in fullmesh.c ignore some of their parameters; the
 * daemon's own build says so with -Wno-unused-parameter. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ell/ell.h>
#include <systemd/sd-bus.h>

#include "daemon.h"
#include "dbus-private.h"
#include "dbus.h"
#include "pmcmd.h"
#include "util.h"

/* The real fullmesh policy, linked in as a builtin plugin: scripts/fuzz
 * builds the core library only, and libFuzzer wants one binary. */
#include "../plugins/fullmesh.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz-dbus: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

/* --- the world: daemon, fake kernel, peer-to-peer bus --------------------- */

static bool verbose;
static struct sf_daemon *daemon_;
static struct sf_dbus *dbus_;
static sd_bus *client;

#define TOKEN_A 0x0a0b0c0du
#define TOKEN_B 0xfeedf00du
#define TOKEN_C 0x00000001u

/* Commands the fake kernel has not answered yet. */
struct pending {
	sf_pm_reply_func_t reply;
	void *user_data;
};

static struct l_queue *pending;
static uint64_t fake_sent;

/* How the kernel answers the current input's commands. */
static const int answers[16] = {
	0, -ENOENT, -EINVAL, -EEXIST, -EADDRNOTAVAIL, -ENOSPC, -EPERM,
	-ECONNREFUSED, -EBUSY, -EDEADLK, -200, -EOPNOTSUPP, -ESRCH, -ENOMEM,
	-ETIMEDOUT, 0,
};
static uint8_t answer_mode;
static unsigned int answer_seq;
static bool loader_fails;

static int fake_send(void *ctx, struct nlmsghdr *msg, bool dump,
		     sf_pm_reply_func_t reply, void *user_data)
{
	struct pending *p = l_new(struct pending, 1);

	p->reply = reply;
	p->user_data = user_data;
	l_queue_push_tail(pending, p);
	fake_sent++;
	return 0;
}

static const struct sf_pm_transport fake_transport = { fake_send, NULL, NULL };

/* The kernel answers what was sent so far, as from the main loop. */
static void answer_commands(void)
{
	struct pending *p;

	while ((p = l_queue_pop_head(pending))) {
		unsigned int i = answer_mode & 0x0f;
		int error;

		if (answer_mode & 0x20)
			i = (i + answer_seq) % L_ARRAY_SIZE(answers);
		answer_seq++;
		error = answers[i];
		p->reply(error, error && (answer_mode & 0x10) ?
			 "fuzz: refused by the fake kernel" : NULL, NULL,
			 p->user_data);
		l_free(p);
	}
}

static struct sf_config *fuzz_config(void)
{
	struct sf_config *config = sf_config_new_defaults();

	/* The interfaces below are not excluded by name. */
	l_strv_free(config->filter.exclude_interfaces);
	config->filter.exclude_interfaces = NULL;
	/* No control group: its lookup is a child process (src/group-lookup.c)
	 * that the service waits for before it serves, and every Reload or
	 * SetDefaultPolicy input would start another. The fuzzer runs as root,
	 * whom the group would not change anything for. */
	l_free(config->control_group);
	config->control_group = l_strdup("");
	return config;
}

static int load_config(struct sf_config **ret_config, char *ret_err,
		       size_t err_size, void *user_data)
{
	if (loader_fails) {
		snprintf(ret_err, err_size, "fuzz.conf:1: [core] policy: bad");
		return -EINVAL;
	}

	*ret_config = fuzz_config();
	return 0;
}

/* A second userspace policy for SetPolicy/SetDefaultPolicy: does nothing. */
static const struct sf_plugin_ops idle_ops;
static const struct sf_plugin_desc idle_plugin = {
	SF_PLUGIN_ABI_VERSION, "idle", 50, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, &idle_ops,
};

static struct sf_addr ip(const char *s, uint16_t port)
{
	struct sf_addr a;

	if (sf_addr_parse(s, &a) < 0)
		FAIL("bad address %s", s);
	a.port = port;
	return a;
}

static void add_link(int32_t ifindex, const char *name, bool up)
{
	struct sf_rtnl_link link = { .ifindex = ifindex };

	snprintf(link.ifname, sizeof(link.ifname), "%s", name);
	link.flags = up ? (IFF_UP | IFF_RUNNING | IFF_LOWER_UP) : 0;
	sf_iface_table_link_update(sf_daemon_ifaces(daemon_), &link);
}

static void add_addr(int32_t ifindex, const char *s, uint8_t prefixlen)
{
	struct sf_rtnl_addr a = {
		.ifindex = ifindex, .addr = ip(s, 0), .prefixlen = prefixlen,
	};

	sf_iface_table_addr_update(sf_daemon_ifaces(daemon_), &a);
}

static void feed(enum sf_event_type type, uint32_t token, const char *saddr,
		 uint16_t sport, const char *daddr, uint16_t dport)
{
	struct sf_event ev = { .type = type, .token = token };

	ev.has = SF_EVENT_HAS_TOKEN;
	if (saddr) {
		ev.saddr = ip(saddr, sport);
		ev.daddr = ip(daddr, dport);
		ev.family = ev.saddr.family;
		ev.has |= SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
			  SF_EVENT_HAS_DADDR | SF_EVENT_HAS_SPORT |
			  SF_EVENT_HAS_DPORT;
		ev.server_side = token == TOKEN_B;
	}
	sf_daemon_handle_event(daemon_, &ev);
}

static void feed_announced(uint32_t token, uint8_t id, const char *daddr,
			   uint16_t dport)
{
	struct sf_event ev = { .type = SF_EVENT_ANNOUNCED, .token = token };

	ev.has = SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_REM_ID | SF_EVENT_HAS_DADDR |
		 SF_EVENT_HAS_DPORT | SF_EVENT_HAS_FAMILY;
	ev.rem_id = id;
	ev.daddr = ip(daddr, dport);
	ev.family = ev.daddr.family;
	sf_daemon_handle_event(daemon_, &ev);
}

static void feed_sub_established(uint32_t token, const char *saddr,
				 uint16_t sport, const char *daddr,
				 uint16_t dport, uint8_t rem_id)
{
	struct sf_event ev = { .type = SF_EVENT_SUB_ESTABLISHED, .token = token };

	ev.has = SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
		 SF_EVENT_HAS_DADDR | SF_EVENT_HAS_SPORT | SF_EVENT_HAS_DPORT |
		 SF_EVENT_HAS_LOC_ID | SF_EVENT_HAS_REM_ID;
	ev.saddr = ip(saddr, sport);
	ev.daddr = ip(daddr, dport);
	ev.family = ev.saddr.family;
	ev.loc_id = sf_idmgr_lookup(sf_daemon_idmgr(daemon_), &ev.saddr);
	ev.rem_id = rem_id;
	sf_daemon_handle_event(daemon_, &ev);
}

/* The connections every input starts from. */
static void conns_feed(void)
{
	uint8_t saved = answer_mode;

	answer_mode = 0;

	/* A: we are the client; fullmesh meshes over eth1 and eth2. */
	feed(SF_EVENT_CREATED, TOKEN_A, "198.51.100.1", 40000, "198.51.100.2",
	     5201);
	feed(SF_EVENT_ESTABLISHED, TOKEN_A, "198.51.100.1", 40000,
	     "198.51.100.2", 5201);
	feed_announced(TOKEN_A, 5, "203.0.113.2", 5201);
	answer_commands();
	feed_sub_established(TOKEN_A, "203.0.113.1", 41001, "198.51.100.2",
			     5201, 0);
	feed_sub_established(TOKEN_A, "198.51.100.1", 41002, "203.0.113.2",
			     5201, 5);

	/* B: the peer opened it (IPv6); C: not established yet. */
	feed(SF_EVENT_CREATED, TOKEN_B, "2001:db8:1::1", 5201, "2001:db8:9::2",
	     41000);
	feed(SF_EVENT_ESTABLISHED, TOKEN_B, "2001:db8:1::1", 5201,
	     "2001:db8:9::2", 41000);
	feed(SF_EVENT_CREATED, TOKEN_C, "203.0.113.1", 40001, "198.51.100.2",
	     5201);
	answer_commands();
	answer_mode = saved;
}

static void conns_close(void)
{
	feed(SF_EVENT_CLOSED, TOKEN_A, NULL, 0, NULL, 0);
	feed(SF_EVENT_CLOSED, TOKEN_B, NULL, 0, NULL, 0);
	feed(SF_EVENT_CLOSED, TOKEN_C, NULL, 0, NULL, 0);
	answer_commands();
}

static const char *const ifnames[] = { "eth1", "eth2", "eth3" };
/* On eth1 (two), eth2 and eth3 (down). */
static const char *const local_ips[] = {
	"198.51.100.1", "2001:db8:1::1", "203.0.113.1", "100.64.3.1",
};
static struct sf_iface_policy iface_policies[L_ARRAY_SIZE(ifnames)];

/*
 * Keep the kernel-facing parts off the host: a network namespace of our
 * own (when we may), where binding an announced address works without the
 * address (Announce's listener).
 */
static void private_netns(void)
{
	static const char *const sysctls[] = {
		"/proc/sys/net/ipv4/ip_nonlocal_bind",
		"/proc/sys/net/ipv6/ip_nonlocal_bind",
	};

	if (unshare(CLONE_NEWNET) < 0)
		return;

	for (size_t i = 0; i < L_ARRAY_SIZE(sysctls); i++) {
		FILE *f = fopen(sysctls[i], "w");

		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
}

static void drain_client(void (*on_msg)(sd_bus_message *m));

static void setup(void)
{
	struct sf_plugins *plugins = sf_plugins_new();
	sd_bus *server = NULL;
	sd_id128_t id;
	int fds[2], r;

	verbose = getenv("SF_FUZZ_VERBOSE");
	private_netns();
	if (!l_main_init())
		FAIL("l_main_init");

	if (sf_plugins_add_builtin(plugins, &sf_plugin_descriptor) < 0 ||
	    sf_plugins_add_builtin(plugins, &idle_plugin) < 0)
		FAIL("cannot add the builtin plugins");

	daemon_ = sf_daemon_new(fuzz_config(), plugins);
	pending = l_queue_new();
	sf_daemon_set_transport(daemon_, &fake_transport);
	sf_daemon_set_config_loader(daemon_, load_config, NULL);

	add_link(2, "eth1", true);
	add_link(3, "eth2", true);
	add_link(4, "eth3", false);
	add_addr(2, local_ips[0], 24);
	add_addr(2, local_ips[1], 64);
	add_addr(3, local_ips[2], 24);
	add_addr(4, local_ips[3], 24);
	for (size_t i = 0; i < L_ARRAY_SIZE(ifnames); i++)
		sf_daemon_get_iface_policy(daemon_, ifnames[i],
					   &iface_policies[i]);
	conns_feed();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       fds) < 0)
		FAIL("socketpair: %m");

	r = sd_id128_randomize(&id);
	if (r >= 0)
		r = sd_bus_new(&server);
	if (r >= 0)
		r = sd_bus_set_fd(server, fds[0], fds[0]);
	if (r >= 0)
		r = sd_bus_set_server(server, 1, id);
	if (r >= 0)
		r = sd_bus_start(server);
	if (r >= 0)
		r = sd_bus_new(&client);
	if (r >= 0)
		r = sd_bus_set_fd(client, fds[1], fds[1]);
	if (r >= 0)
		r = sd_bus_start(client);
	if (r < 0)
		FAIL("peer-to-peer bus: %s", strerror(-r));

	r = sf_dbus_new_on_bus(daemon_, server, NULL, &dbus_);
	sd_bus_unref(server);
	if (r < 0)
		FAIL("sf_dbus_new_on_bus: %s", strerror(-r));

	for (int i = 0; sd_bus_is_ready(client) <= 0; i++) {
		if (i > 10000)
			FAIL("the peer-to-peer bus does not come up");
		l_main_iterate(0);
		drain_client(NULL);
	}
}

/* --- building the call from the input ------------------------------------ */

struct input {
	const uint8_t *p;
	size_t n;
	unsigned int budget;		/* values left to append */
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static const char *const dict[] = {
	"198.51.100.1", "203.0.113.1", "2001:db8:1::1", "100.64.3.1",
	"198.51.100.2", "203.0.113.2", "2001:db8:9::2", "::ffff:198.51.100.1",
	"fullmesh", "idle", "eth1", "eth2", "eth3", "backup", "announce",
	"enabled", "subflows", "", SF_DBUS_MANAGER_IFACE, SF_DBUS_CONN_IFACE,
	SF_DBUS_IFACE_IFACE, "Subflows", "RemoteAddresses", "DefaultPolicy",
	"Counters", "Owner", "Policy", "Addresses", "/org/subflowd",
	"/org/subflowd/connection/0a0b0c0d", "a{sv}",
	"org.freedesktop.DBus.Properties",
};

/* A string argument: dict[] or raw bytes (cut at the first NUL). */
static const char *take_string(struct input *in, char buf[256])
{
	uint8_t len = (uint8_t)take(in, 1);
	size_t n = 0;

	if (len >= 0xe0)
		return dict[(len - 0xe0) % L_ARRAY_SIZE(dict)];

	while (n < len && in->n) {
		buf[n++] = (char)*in->p++;
		in->n--;
	}
	buf[n] = '\0';
	return buf;
}

/* Length of sig's first complete type, 0 when there is none. */
static size_t type_len(const char *sig, unsigned int depth)
{
	size_t n, k;

	if (depth > 64)
		return 0;

	switch (*sig) {
	case 'y': case 'b': case 'n': case 'q': case 'i': case 'u':
	case 'x': case 't': case 'd': case 's': case 'o': case 'g':
	case 'v':
		return 1;
	case 'a':
		if (sig[1] == '{') {
			n = 2;
			k = type_len(sig + n, depth + 1);
			if (!k)
				return 0;
			n += k;
			k = type_len(sig + n, depth + 1);
			if (!k || sig[n + k] != '}')
				return 0;
			return n + k + 1;
		}
		k = type_len(sig + 1, depth + 1);
		return k ? k + 1 : 0;
	case '(':
		for (n = 1; sig[n] != ')'; n += k) {
			k = type_len(sig + n, depth + 1);
			if (!k)
				return 0;
		}
		return n > 1 ? n + 1 : 0;
	default:
		return 0;
	}
}

static const char *const variants[] = {
	"b", "u", "s", "y", "q", "i", "t", "x", "n", "d", "o", "g", "as",
	"a{sv}", "(sq)", "v", "ay", "a(sqsqbuyy)", "a{st}",
};

static int append_value(sd_bus_message *m, const char *type, size_t len,
			struct input *in, unsigned int depth);

/* Append every complete type of sig[0..len). */
static int append_values(sd_bus_message *m, const char *sig, size_t len,
			 struct input *in, unsigned int depth)
{
	size_t k;
	int r;

	for (size_t i = 0; i < len; i += k) {
		k = type_len(sig + i, 0);
		if (!k || i + k > len)
			return -EINVAL;
		r = append_value(m, sig + i, k, in, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

static int append_container(sd_bus_message *m, char kind, const char *contents,
			    size_t len, struct input *in, unsigned int depth,
			    unsigned int count)
{
	_auto_(l_free) char *c = l_strndup(contents, len);
	int r;

	r = sd_bus_message_open_container(m, kind, c);
	if (r < 0)
		return r;

	for (unsigned int i = 0; i < count; i++) {
		r = append_values(m, c, len, in, depth + 1);
		if (r < 0)
			return r;
	}

	return sd_bus_message_close_container(m);
}

static int append_value(sd_bus_message *m, const char *type, size_t len,
			struct input *in, unsigned int depth)
{
	char buf[256];
	const char *vt;
	uint64_t v;
	uint8_t b;

	if (!in->budget-- || depth > 16)
		return -E2BIG;

	switch (*type) {
	case 'y': case 'b':
		b = (uint8_t)take(in, 1);
		if (*type == 'b') {
			int flag = b & 1;

			return sd_bus_message_append_basic(m, 'b', &flag);
		}
		return sd_bus_message_append_basic(m, 'y', &b);
	case 'n': case 'q': {
		uint16_t u = (uint16_t)take(in, 2);

		return sd_bus_message_append_basic(m, *type, &u);
	}
	case 'i': case 'u': {
		uint32_t u = (uint32_t)take(in, 4);

		return sd_bus_message_append_basic(m, *type, &u);
	}
	case 'x': case 't': case 'd':
		v = take(in, 8);
		return sd_bus_message_append_basic(m, *type, &v);
	case 's': case 'o': case 'g':
		return sd_bus_message_append_basic(m, *type,
						   take_string(in, buf));
	case 'v':
		b = (uint8_t)take(in, 1);
		vt = b == 0xff ? take_string(in, buf) :
		     variants[b % L_ARRAY_SIZE(variants)];
		if (!*vt || type_len(vt, 0) != strlen(vt))
			return -EINVAL;
		return append_container(m, 'v', vt, strlen(vt), in, depth, 1);
	case 'a':
		b = (uint8_t)take(in, 1) % 9;
		if (type[1] == '{') {
			_auto_(l_free) char *c = l_strndup(type + 1, len - 1);
			int r = sd_bus_message_open_container(m, 'a', c);

			for (unsigned int i = 0; r >= 0 && i < b; i++)
				r = append_container(m, 'e', type + 2, len - 3,
						     in, depth, 1);
			return r < 0 ? r : sd_bus_message_close_container(m);
		}
		return append_container(m, 'a', type + 1, len - 1, in, depth, b);
	case '(':
		return append_container(m, 'r', type + 1, len - 2, in, depth, 1);
	default:
		return -EINVAL;
	}
}

/* --- the call ------------------------------------------------------------ */

#define PROPS "org.freedesktop.DBus.Properties"

static const struct {
	const char *interface;
	const char *member;
	const char *signature;
} methods[] = {
	{ SF_DBUS_MANAGER_IFACE, "Reload", "" },
	{ SF_DBUS_MANAGER_IFACE, "SetDefaultPolicy", "s" },
	{ SF_DBUS_MANAGER_IFACE, "SetInterfacePolicy", "sa{sv}" },
	{ SF_DBUS_CONN_IFACE, "CreateSubflow", "ssqb" },
	{ SF_DBUS_CONN_IFACE, "RemoveSubflow", "sqsq" },
	{ SF_DBUS_CONN_IFACE, "SetBackup", "sqsqb" },
	{ SF_DBUS_CONN_IFACE, "Announce", "sq" },
	{ SF_DBUS_CONN_IFACE, "RemoveAddress", "y" },
	{ SF_DBUS_CONN_IFACE, "SetPolicy", "s" },
	{ PROPS, "Get", "ss" },
	{ PROPS, "GetAll", "s" },
	{ PROPS, "Set", "ssv" },
	{ "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "" },
	{ "org.freedesktop.DBus.Introspectable", "Introspect", "" },
	{ "org.freedesktop.DBus.Peer", "Ping", "" },
	/* A method that no interface has. */
	{ SF_DBUS_CONN_IFACE, "Frobnicate", "s" },
};

static const char *object_path(uint8_t sel, struct input *in,
			       char buf[256])
{
	static const char *const odd[] = {
		"/", SF_DBUS_CONN_PREFIX, SF_DBUS_IFACE_PREFIX, "/org",
		SF_DBUS_CONN_PREFIX "/0A0B0C0D", SF_DBUS_CONN_PREFIX "/0a0b0c0",
		SF_DBUS_IFACE_PREFIX "/0", SF_DBUS_IFACE_PREFIX "/02",
	};

	switch (sel & 7) {
	case 0:
		return SF_DBUS_PATH;
	case 1:
		return sf_dbus_conn_path(TOKEN_A, buf);
	case 2:
		return sf_dbus_conn_path(TOKEN_B, buf);
	case 3:
		return sf_dbus_conn_path(TOKEN_C, buf);
	case 4:
		return sf_dbus_iface_path(2 + ((sel >> 3) & 3), buf);
	case 5:
		return sf_dbus_conn_path(0xdeadbeef, buf);
	case 6:
		return take_string(in, buf);
	default:
		return odd[(sel >> 3) % L_ARRAY_SIZE(odd)];
	}
}

static uint64_t call_cookie;
static unsigned int replies;

static bool error_name_ok(const char *name)
{
	return name && (!strncmp(name, "org.freedesktop.DBus.Error.", 27) ||
			!strncmp(name, SF_DBUS_ERROR_PREFIX,
				  strlen(SF_DBUS_ERROR_PREFIX)));
}

static void on_client_msg(sd_bus_message *m)
{
	uint64_t cookie;
	uint8_t type;

	if (sd_bus_message_get_type(m, &type) < 0 ||
	    (type != SD_BUS_MESSAGE_METHOD_RETURN &&
	     type != SD_BUS_MESSAGE_METHOD_ERROR))
		return;		/* signals */

	if (sd_bus_message_get_reply_cookie(m, &cookie) < 0 ||
	    cookie != call_cookie)
		FAIL("a reply to a call never made");

	replies++;
	if (type == SD_BUS_MESSAGE_METHOD_ERROR) {
		const sd_bus_error *e = sd_bus_message_get_error(m);

		if (!e || !error_name_ok(e->name))
			FAIL("error reply with the name '%s' (%s)",
			     e ? e->name : "?", e && e->message ? e->message : "");
		if (verbose)
			fprintf(stderr, "  -> %s: %s\n", e->name,
				e->message ? e->message : "");
	} else if (verbose) {
		fprintf(stderr, "  -> return (%s)\n",
			sd_bus_message_get_signature(m, true));
	}
}

static void drain_client(void (*on_msg)(sd_bus_message *m))
{
	sd_bus_message *m;
	int r;

	do {
		m = NULL;
		r = sd_bus_process(client, &m);
		if (r < 0)
			FAIL("client: %s", strerror(-r));
		if (m && on_msg)
			on_msg(m);
		sd_bus_message_unref(m);
	} while (r > 0);
}

/* One turn of the world: the service, the kernel, the client. */
static void pump(void)
{
	l_main_iterate(0);
	answer_commands();
	drain_client(on_client_msg);
}

static void count_link(int32_t ifindex, const char *ifname, bool up,
		       void *user_data)
{
	if (!sf_dbus_iface_published(dbus_, ifindex))
		FAIL("link %d is not published", ifindex);
	++*(unsigned int *)user_data;
}

static void check_conn(struct sf_conn *conn, void *user_data)
{
	const struct sf_config *config = sf_daemon_config(daemon_);

	/* Not announced yet: then it waits in the publication line. */
	if (!sf_dbus_conn_published(dbus_, sf_conn_token(conn)))
		++*(unsigned int *)user_data;
	if (sf_conn_subflow_count(conn) > config->max_subflows)
		FAIL("connection %08x has %u subflows", sf_conn_token(conn),
		     sf_conn_subflow_count(conn));
}

static void check_consistent(void)
{
	struct sf_conn_table *conns = sf_daemon_conns(daemon_);
	unsigned int links = 0, unpublished = 0;

	if (!dbus_->bus || sf_dbus_failed(dbus_) || sd_bus_is_open(client) <= 0)
		FAIL("the bus connection went away");
	if (!l_queue_isempty(dbus_->calls))
		FAIL("%u calls still pending after the reply",
		     l_queue_length(dbus_->calls));
	if (!l_queue_isempty(pending))
		FAIL("commands left unanswered");
	if (sf_daemon_counters(daemon_)->commands_sent != fake_sent)
		FAIL("commands_sent %" PRIu64 " but %" PRIu64 " were sent",
		     sf_daemon_counters(daemon_)->commands_sent, fake_sent);

	/* Connection objects are served from the daemon's table itself;
	 * each is announced, or will be. */
	sf_conn_table_foreach(conns, check_conn, &unpublished);
	if (unpublished > sf_delayq_count(dbus_->unpublished))
		FAIL("%u connections unpublished, %u waiting to be",
		     unpublished, sf_delayq_count(dbus_->unpublished));

	sf_iface_table_foreach_link(sf_daemon_ifaces(daemon_), count_link,
				    &links);
	if (l_queue_length(dbus_->ifaces) != links)
		FAIL("%u interface objects for %u links",
		     l_queue_length(dbus_->ifaces), links);
}

/* Back to the state every input starts from. */
static void reset(void)
{
	answer_mode = 0;
	loader_fails = false;
	if (strcmp(sf_daemon_default_policy(daemon_), "fullmesh") &&
	    sf_daemon_set_default_policy(daemon_, "fullmesh") < 0)
		FAIL("cannot reset the default policy");
	for (size_t i = 0; i < L_ARRAY_SIZE(ifnames); i++)
		sf_daemon_set_iface_policy(daemon_, ifnames[i],
					   &iface_policies[i], NULL, NULL);
	conns_close();
	/* Every connection is gone: so are the listeners Announce opened. */
	if (sf_listeners_count(sf_daemon_listeners(daemon_)))
		FAIL("%u listeners outlive their connections",
		     sf_listeners_count(sf_daemon_listeners(daemon_)));
	conns_feed();
	for (int i = 0; i < 4; i++)
		pump();
	if (replies)
		FAIL("a reply after the call was answered");
	check_consistent();
}

/* Does sig nest arrays or structs deeper than D-Bus allows (32 each)? */
static bool too_deep(const char *sig)
{
	int arrays = 0, structs = 0;

	for (; *sig; sig++) {
		switch (*sig) {
		case 'a':
			if (++arrays > 32)
				return true;
			continue;
		case '(':
		case '{':
			if (++structs > 32)
				return true;
			break;
		case ')':
		case '}':
			structs--;
			break;
		default:
			break;
		}
		/* An array's element type ends here unless it opened a
		 * container: a rough count, erring on the deep side. */
		if (*sig != '(' && *sig != '{')
			arrays = 0;
	}

	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 512 };
	sd_bus_message *m = NULL;
	char path_buf[256], sig_buf[256];
	const char *path, *sig;
	uint8_t obj, meth;
	bool no_reply;
	size_t i;
	int r;

	if (!daemon_)
		setup();

	obj = (uint8_t)take(&in, 1);
	meth = (uint8_t)take(&in, 1);
	answer_mode = (uint8_t)take(&in, 1);
	loader_fails = answer_mode & 0x40;
	answer_seq = 0;
	no_reply = meth & 0x40;

	path = object_path(obj, &in, path_buf);
	i = (meth & 0x1f) % L_ARRAY_SIZE(methods);
	sig = methods[i].signature;
	if (meth & 0x20)
		sig = take_string(&in, sig_buf);

	/* A bus delivers no message nested deeper than the specification
	 * allows; sd-bus builds one, and the receiving end drops it. */
	if (too_deep(sig))
		return 0;

	r = sd_bus_message_new_method_call(client, &m, NULL, path,
					   methods[i].interface,
					   methods[i].member);
	if (r >= 0)
		r = append_values(m, sig, strlen(sig), &in, 0);
	if (r >= 0)
		r = sd_bus_message_set_expect_reply(m, !no_reply);
	if (r >= 0)
		r = sd_bus_send(client, m, &call_cookie);
	sd_bus_message_unref(m);
	if (verbose)
		fprintf(stderr, "%s %s.%s(%s)%s%s\n", path, methods[i].interface,
			methods[i].member, sig, no_reply ? " no reply" : "",
			r < 0 ? ": not sent" : "");
	if (r < 0) {
		answer_mode = 0;
		loader_fails = false;
		return 0;	/* sd-bus would not send it */
	}

	replies = 0;
	for (int n = 0; no_reply ? n < 64 : !replies; n++) {
		if (n > 100000)
			FAIL("%s.%s on %s: no reply", methods[i].interface,
			     methods[i].member, path);
		pump();
	}
	/* Anything else the call set off, and a second reply if any. */
	for (int n = 0; n < 4; n++)
		pump();
	if (replies != (no_reply ? 0u : 1u))
		FAIL("%s.%s on %s: %u replies", methods[i].interface,
		     methods[i].member, path, replies);
	check_consistent();

	replies = 0;
	reset();
	return 0;
}
