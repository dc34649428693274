/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd(8): command line, configuration precedence, exit codes, and the
 * main loop. Everything else lives in the daemon core (daemon.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ell/ell.h>

#include "config.h"
#include "daemon.h"
#include "dbus.h"
#include "sdmodule.h"
#include "plugin.h"
#include "util.h"
#include "sf-build.h"


/* Where --instance NAME looks for NAME.conf first. */
#define CONFIG_DIR SF_SYSCONFDIR "/subflowd"

struct options {
	const char *config_path;
	bool config_given;
	const char *mode;
	const char *policy;
	const char *plugin_dir;
	const char *plugins;
	const char *log;
	const char *debug;
	const char *bus;
	const char *instance;
	bool check_config;
};

enum {
	OPT_PLUGIN_DIR = 256,
	OPT_PLUGINS,
	OPT_BUS,
	OPT_INSTANCE,
	OPT_CHECK_CONFIG,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "mode", required_argument, NULL, 'm' },
	{ "policy", required_argument, NULL, 'p' },
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
	{ "plugins", required_argument, NULL, OPT_PLUGINS },
	{ "log", required_argument, NULL, 'l' },
	{ "debug", optional_argument, NULL, 'd' },
	{ "bus", required_argument, NULL, OPT_BUS },
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: subflowd [OPTION]...\n"
		"Userspace path manager for Multipath TCP.\n\n"
		"  -c, --config FILE       configuration file (default %s)\n"
		"  -m, --mode MODE         userspace or kernel\n"
		"  -p, --policy NAME       default policy plugin\n"
		"      --plugin-dir DIR    plugin directory (default %s)\n"
		"      --plugins LIST      plugins to load, comma separated\n"
		"  -l, --log TARGET        stderr, journal or syslog\n"
		"  -d, --debug[=PATTERN]   debug messages (of source files "
		"matching PATTERN)\n"
		"      --bus BUS           system, session, none or an address\n"
		"      --instance NAME     serve network namespace NAME: bus "
		"name\n"
		"                          org.subflowd.NAME, config %s/NAME.conf\n"
		"                          when it exists\n"
		"      --check-config      validate configuration and plugins, "
		"print the\n"
		"                          effective settings, and exit\n"
		"  -V, --version           print the version and exit\n"
		"  -h, --help              print this help and exit\n",
		SF_CONFIG_DEFAULT_PATH, SF_PLUGINDIR, CONFIG_DIR);
}

static bool instance_valid(const char *instance)
{
	char *name;

	if (sf_dbus_instance_name(instance, &name) < 0)
		return false;

	l_free(name);
	return true;
}

/* Returns 0, or the exit status to leave with. */
static int parse_args(int argc, char **argv, struct options *opts)
{
	int c;

	opts->config_path = SF_CONFIG_DEFAULT_PATH;
	opts->plugin_dir = SF_PLUGINDIR;
	opts->bus = "system";

	while ((c = getopt_long(argc, argv, "c:m:p:l:d::Vh", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			opts->config_path = optarg;
			opts->config_given = true;
			break;
		case 'm':
			opts->mode = optarg;
			break;
		case 'p':
			opts->policy = optarg;
			break;
		case OPT_PLUGIN_DIR:
			opts->plugin_dir = optarg;
			break;
		case OPT_PLUGINS:
			opts->plugins = optarg;
			break;
		case 'l':
			opts->log = optarg;
			break;
		case 'd':
			opts->debug = optarg ? optarg : "*";
			break;
		case OPT_BUS:
			opts->bus = optarg;
			break;
		case OPT_INSTANCE:
			if (!instance_valid(optarg)) {
				fprintf(stderr, "subflowd: --instance: '%s' is "
					"not a network namespace name\n",
					optarg);
				return EX_USAGE;
			}
			opts->instance = optarg;
			break;
		case OPT_CHECK_CONFIG:
			opts->check_config = true;
			break;
		case 'V':
			printf("subflowd %s\n", VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			fprintf(stderr, "Try 'subflowd --help' for more "
				"information.\n");
			return EX_USAGE;
		}
	}

	if (optind < argc) {
		fprintf(stderr, "subflowd: unexpected argument '%s'\n",
			argv[optind]);
		return EX_USAGE;
	}

	return -1;
}

/*
 * Config file (--instance NAME without -c: NAME.conf when it exists, else
 * the default file), then command-line overrides: at start and on every reload.
 * Returns 0, or the exit status to leave with (EX_CONFIG, EX_USAGE) with
 * the reason in err.
 */
static int build_config(const struct options *opts, struct sf_config **ret,
			char *err, size_t err_size)
{
	_auto_(sf_config_free) struct sf_config *config = NULL;
	int r = -ENOENT;

	if (opts->instance && !opts->config_given) {
		_auto_(l_free) char *path = l_strdup_printf(CONFIG_DIR "/%s.conf",
							   opts->instance);

		r = sf_config_load(path, &config, err, err_size);
	}
	if (r == -ENOENT)
		r = sf_config_load(opts->config_path, &config, err, err_size);
	if (r == -ENOENT && !opts->config_given)
		config = sf_config_new_defaults();
	else if (r < 0)
		return EX_CONFIG;

	if (opts->mode && sf_mode_from_str(opts->mode, &config->mode) < 0) {
		snprintf(err, err_size, "--mode: '%s' is not userspace or "
			 "kernel", opts->mode);
		return EX_USAGE;
	}

	if (opts->log && sf_log_target_from_str(opts->log, &config->log) < 0) {
		snprintf(err, err_size, "--log: '%s' is not stderr, journal or "
			 "syslog", opts->log);
		return EX_USAGE;
	}

	if (opts->policy) {
		l_free(config->policy);
		config->policy = l_strdup(opts->policy);
	}

	if (opts->plugins) {
		l_strfreev(config->plugins);
		config->plugins = l_strsplit_set(opts->plugins, ", ");
	}

	*ret = config;
	config = NULL;
	return 0;
}

static int reload_config(struct sf_config **ret_config, char *ret_err,
			 size_t err_size, void *user_data)
{
	return build_config(user_data, ret_config, ret_err, err_size) ?
		-EINVAL : 0;
}

/* Drop empty strings that l_strsplit_set leaves between separators. */
static char **plugin_names(char **names)
{
	char **out;
	unsigned int n = 0;

	if (!names)
		return NULL;

	out = l_new(char *, l_strv_length(names) + 1);
	for (char **p = names; *p; p++)
		if (**p)
			out[n++] = l_strdup(*p);

	return out;
}

static int load_plugins(const struct options *opts,
			const struct sf_config *config,
			struct sf_plugins **ret)
{
	_auto_(sf_plugins_free) struct sf_plugins *plugins = NULL;
	char **names = plugin_names(config->plugins);
	char err[1024];
	int r;

	r = sf_plugins_load(opts->plugin_dir, names,
			    sf_plugin_mode_of(config->mode),
			    &plugins, err, sizeof(err));
	l_strfreev(names);
	if (r < 0) {
		fprintf(stderr, "subflowd: %s\n", err);
		return EX_CONFIG;
	}

	if (err[0])
		l_warn("plugins refused: %s", err);

	r = sf_daemon_load_policies(plugins, config, err, sizeof(err));
	if (r == -ENOENT) {
		_auto_(l_strv_free) char **have = sf_plugins_names(plugins);
		_auto_(l_free) char *list = l_strjoinv(have, ' ');
		_auto_(l_free) char *origin =
			opts->policy ? l_strdup("--policy") :
			l_strdup_printf("%s: [core] policy",
					config->path ? config->path :
						       "built-in default");

		fprintf(stderr, "subflowd: %s: '%s' is not a loaded plugin "
			"(loaded from %s: %s)\n", origin, config->policy,
			opts->plugin_dir, list[0] ? list : "none");
		return EX_CONFIG;
	}
	if (r < 0) {
		fprintf(stderr, "subflowd: %s\n", err);
		return EX_CONFIG;
	}

	*ret = plugins;
	plugins = NULL;
	return 0;
}

/* MPTCP must exist and be enabled in this network namespace. */
static int check_mptcp(void)
{
	FILE *f = fopen("/proc/sys/net/mptcp/enabled", "re");
	int enabled = 0;

	if (!f) {
		fprintf(stderr, "subflowd: this kernel has no MPTCP "
			"(/proc/sys/net/mptcp missing: CONFIG_MPTCP is off)\n");
		return EX_UNAVAILABLE;
	}

	if (fscanf(f, "%d", &enabled) != 1)
		enabled = 0;
	fclose(f);

	if (!enabled) {
		fprintf(stderr, "subflowd: MPTCP is disabled in this network "
			"namespace; enable it with: sysctl -w "
			"net.mptcp.enabled=1\n");
		return EX_UNAVAILABLE;
	}

	return 0;
}

static void setup_logging(const struct sf_config *config, const char *debug)
{
	switch (config->log) {
	case SF_LOG_STDERR:
		l_log_set_stderr();
		break;
	case SF_LOG_JOURNAL:
		l_log_set_journal();
		break;
	case SF_LOG_SYSLOG:
		l_log_set_syslog();
		break;
	}

	if (debug)
		l_debug_enable(debug);
}

static void reload(struct sf_daemon *daemon)
{
	char err[512];

	sf_notify("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, l_time_now());
	if (sf_daemon_reload(daemon, err, sizeof(err)) < 0)
		l_error("reload rejected, keeping the running settings: %s",
			err);
	sf_notify("READY=1");
}

static void signal_handler(uint32_t signo, void *user_data)
{
	switch (signo) {
	case SIGINT:
	case SIGTERM:
		l_info("terminating on signal %u", signo);
		l_main_quit();
		break;
	}
}

static bool sighup_readable(struct l_io *io, void *user_data)
{
	struct signalfd_siginfo si;

	if (read(l_io_get_fd(io), &si, sizeof(si)) == sizeof(si))
		reload(user_data);

	return true;
}

/*
 * SIGHUP reloads. ELL 0.56's l_signal_create() refuses signal number 1, so
 * this is a signalfd of our own. Returns the watch, or NULL.
 */
static struct l_io *watch_sighup(struct sf_daemon *daemon)
{
	struct l_io *io;
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return NULL;

	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return NULL;

	io = l_io_new(fd);
	if (!io) {
		close(fd);
		return NULL;
	}

	l_io_set_close_on_destroy(io, true);
	l_io_set_read_handler(io, sighup_readable, daemon, NULL);
	return io;
}

/* The D-Bus service on bus, through the systemd module. Logs why not. */
static int start_dbus(struct sf_daemon *daemon, const char *bus,
		      const char *instance, const struct sf_sd_module **ret_sd,
		      struct sf_dbus **ret_dbus)
{
	_auto_(l_free) char *name = NULL;
	int r;

	/* Checked by parse_args(). */
	r = sf_dbus_instance_name(instance, &name);
	if (r < 0)
		return r;

	r = sf_sd_module_get(ret_sd);
	if (r < 0) {
		l_error("--bus %s needs the systemd module (see above); --bus "
			"none runs without the D-Bus API", bus);
		return r;
	}

	r = (*ret_sd)->dbus_new(daemon, bus, name, ret_dbus);
	if (r < 0)
		l_error("cannot connect to D-Bus (--bus %s): %s; --bus none "
			"runs without the D-Bus API", bus, strerror(-r));
	return r;
}

/*
 * stderr, unbuffered, makes glibc format each message through an 8 KiB
 * buffer on the stack, whose pages stay dirty for good. Line-buffered, a
 * message still leaves in one write() when its line ends (every message
 * ends in a newline; only one longer than this buffer goes in pieces).
 */
static char stderr_buf[1024];

int main(int argc, char **argv)
{
	_auto_(sf_config_free) struct sf_config *config = NULL;
	_auto_(sf_plugins_free) struct sf_plugins *plugins = NULL;
	struct options opts = { 0 };
	const struct sf_sd_module *sd = NULL;
	struct sf_daemon *daemon;
	struct sf_dbus *dbus = NULL;
	struct l_io *sighup;
	char err[512];
	int r;

	setvbuf(stderr, stderr_buf, _IOLBF, sizeof(stderr_buf));

	r = parse_args(argc, argv, &opts);
	if (r >= 0)
		return r;

	r = build_config(&opts, &config, err, sizeof(err));
	if (r) {
		fprintf(stderr, "subflowd: %s\n", err);
		return r;
	}

	/* Plugins log through ELL; send it to stderr until configured. */
	l_log_set_stderr();

	r = load_plugins(&opts, config, &plugins);
	if (r)
		return r;

	if (opts.check_config) {
		sf_config_print(config, stdout);
		return EX_OK;
	}

	r = check_mptcp();
	if (r)
		return r;

	if (!l_main_init()) {
		fprintf(stderr, "subflowd: cannot initialise the main loop\n");
		return EX_OSERR;
	}

	setup_logging(config, opts.debug);

	/* Under systemd (Type=notify), readiness goes through the module:
	 * without it the service would hang in "activating". */
	if (getenv("NOTIFY_SOCKET") && sf_sd_module_get(&sd) < 0) {
		l_error("NOTIFY_SOCKET is set but readiness cannot be "
			"reported without the systemd module (see above)");
		l_main_exit();
		return EX_UNAVAILABLE;
	}

	daemon = sf_daemon_new(config, plugins);
	config = NULL;
	plugins = NULL;
	sf_daemon_set_config_loader(daemon, reload_config, &opts);

	r = sf_daemon_start(daemon);
	if (r < 0) {
		l_error("cannot start: %s%s", strerror(-r),
			r == -EPERM ? " (CAP_NET_ADMIN is required)" : "");
		sf_daemon_free(daemon);
		l_main_exit();
		return r == -EPERM ? EX_NOPERM : EX_OSERR;
	}

	if (strcmp(opts.bus, "none")) {
		r = start_dbus(daemon, opts.bus, opts.instance, &sd, &dbus);
		if (r < 0) {
			sf_daemon_free(daemon);
			l_main_exit();
			return EX_UNAVAILABLE;
		}
	}

	sighup = watch_sighup(daemon);
	if (!sighup)
		l_warn("cannot watch SIGHUP (%s): reload by signal is off",
		       strerror(errno));

	r = l_main_run_with_signal(signal_handler, daemon);
	l_io_destroy(sighup);

	if (dbus && sd->dbus_failed(dbus))
		r = EX_UNAVAILABLE;
	else if (sf_daemon_exit_error(daemon) == -EPERM)
		r = EX_NOPERM;
	else if (sf_daemon_exit_error(daemon))
		r = EX_OSERR;
	else
		r = r == 0 ? EX_OK : EX_SOFTWARE;
	if (dbus)
		sd->dbus_free(dbus);
	sf_daemon_free(daemon);
	l_main_exit();
	return r;
}
