/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mptcpize(1): make unmodified TCP applications use Multipath TCP.
 *
 *   mptcpize run [-d] CMD [ARGS]...    run CMD with libmptcpize.so preloaded
 *   mptcpize enable [--root DIR] UNIT  add a systemd drop-in doing the same
 *   mptcpize disable [--root DIR] UNIT remove that drop-in
 *
 * The library is looked for at its installed path (MPTCPIZE_LIB below), or
 * where the MPTCPIZE_LIB environment variable says (tests in a build tree).
 * Exit status: 0 ok, 1 failure, 64 bad usage; "run" exits 126 when CMD
 * cannot be executed and 127 when it is not found, like env(1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "sf-build.h"

#ifndef MPTCPIZE_LIB
#error "MPTCPIZE_LIB must be the installed path of libmptcpize.so"
#endif

#define GODEBUG_MPTCP "multipathtcp=1"
#define DROPIN_NAME "mptcpize.conf"
#define DROPIN_MARK "# Written by \"mptcpize enable\""
#define SYSTEM_UNIT_DIR "/etc/systemd/system"

/* Where systemd looks for system units, most local first. */
static const char *const unit_dirs[] = {
	"/etc/systemd/system",
	"/run/systemd/system",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
	NULL
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mptcpize run [-d] CMD [ARGS]...\n"
		"       mptcpize enable [--root DIR] UNIT\n"
		"       mptcpize disable [--root DIR] UNIT\n"
		"Make TCP applications use Multipath TCP.\n\n"
		"  run        run CMD with its TCP sockets turned into MPTCP ones\n"
		"    -d, --debug   report each rewritten socket on stderr\n"
		"  enable     make the systemd service UNIT use MPTCP (a drop-in)\n"
		"  disable    remove that drop-in again\n"
		"    --root DIR    operate on the system tree under DIR\n"
		"  -V, --version  print the version and exit\n"
		"  -h, --help     print this help and exit\n\n"
		"Library: %s\n", MPTCPIZE_LIB);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mptcpize: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'mptcpize --help' for more information.\n", stderr);
	return EX_USAGE;
}

static const char *library_path(void)
{
	const char *p = getenv("MPTCPIZE_LIB");

	return p && *p ? p : MPTCPIZE_LIB;
}

/* Whether the SEPS-separated list LIST has an element starting with ITEM
 * (the whole element when WHOLE, else only its prefix). */
static bool list_has(const char *list, const char *seps, const char *item,
		     bool whole)
{
	size_t len = strlen(item);

	while (*list) {
		size_t n = strcspn(list, seps);

		if (n >= len && !strncmp(list, item, len) &&
		    (!whole || n == len))
			return true;
		list += n;
		list += strspn(list, seps);
	}

	return false;
}

/*
 * Add ITEM to the environment variable NAME, after SEP and whatever NAME
 * already holds, unless an element of it already matches (see list_has).
 * Returns 0 or a negative errno.
 */
static int env_append(const char *name, const char *seps, char sep,
		      const char *item, const char *match, bool whole)
{
	const char *old = getenv(name);
	char *value;
	int r;

	if (!old || !*old)
		return setenv(name, item, 1) < 0 ? -errno : 0;

	if (list_has(old, seps, match, whole))
		return 0;

	if (asprintf(&value, "%s%c%s", old, sep, item) < 0)
		return -ENOMEM;

	r = setenv(name, value, 1) < 0 ? -errno : 0;
	free(value);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *lib = library_path();
	bool debug = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+dh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("run: bad option");
		}
	}

	if (optind >= argc)
		return usage_error("run: no command given");

	if (access(lib, R_OK) < 0) {
		fprintf(stderr, "mptcpize: %s: %s (set MPTCPIZE_LIB to the "
			"library's path)\n", lib, strerror(errno));
		return 1;
	}

	/* ld.so separates LD_PRELOAD entries with blanks or colons. */
	r = env_append("LD_PRELOAD", ": ", ':', lib, lib, true);
	if (r == 0)
		r = env_append("GODEBUG", ",", ',', GODEBUG_MPTCP,
			       "multipathtcp=", false);
	if (r == 0 && debug)
		r = setenv("MPTCPIZE_DEBUG", "1", 1) < 0 ? -errno : 0;
	if (r < 0) {
		fprintf(stderr, "mptcpize: cannot set the environment: %s\n",
			strerror(-r));
		return 1;
	}

	execvp(argv[optind], argv + optind);
	r = errno;
	fprintf(stderr, "mptcpize: %s: %s\n", argv[optind], strerror(r));
	return r == ENOENT ? 127 : 126;
}

/*
 * The unit name as systemd spells it: "NAME" means "NAME.service". Only
 * services have an environment. Returns a new string, or NULL after saying
 * why on stderr.
 */
static char *unit_name(const char *arg)
{
	static const char allowed[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789:-_.\\@";
	const char *dot = strrchr(arg, '.');
	char *name;

	if (!*arg || arg[strspn(arg, allowed)] || *arg == '.' ||
	    strlen(arg) > 200) {
		fprintf(stderr, "mptcpize: '%s' is not a valid unit name\n",
			arg);
		return NULL;
	}

	if (dot && strcmp(dot, ".service")) {
		fprintf(stderr, "mptcpize: %s: only services (.service units) "
			"have an environment to change\n", arg);
		return NULL;
	}

	if (asprintf(&name, dot ? "%s" : "%s.service", arg) < 0)
		return NULL;
	return name;
}

/* "foo@bar.service" is made from "foo@.service". NULL for other units. */
static char *unit_template(const char *unit)
{
	const char *at = strchr(unit, '@');
	char *name;

	if (!at || !strcmp(at, "@.service"))
		return NULL;
	if (asprintf(&name, "%.*s@.service", (int) (at - unit), unit) < 0)
		return NULL;
	return name;
}

/* Whether PATH exists (a file or a symlink, even a dangling one). */
__attribute__((format(printf, 1, 2)))
static bool path_exists(const char *fmt, ...)
{
	struct stat st;
	va_list ap;
	char *path;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&path, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;

	r = lstat(path, &st);
	free(path);
	return r == 0;
}

/* Whether ROOT holds UNIT (or its template) where systemd looks. */
static bool unit_exists(const char *root, const char *unit)
{
	char *template = unit_template(unit);
	bool found = false;

	for (const char *const *d = unit_dirs; *d && !found; d++)
		found = path_exists("%s%s/%s", root, *d, unit) ||
			(template &&
			 path_exists("%s%s/%s", root, *d, template));

	free(template);
	return found;
}

/* mkdir -p PATH, mode 0755. Returns 0 or a negative errno. */
static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);

	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

/*
 * The drop-in's text. systemd expands '%' specifiers in Environment=, so a
 * '%' in the path is doubled; a path that would need quoting is refused.
 */
static char *dropin_text(const char *lib, const char *unit)
{
	char escaped[4096], *text;
	size_t n = 0;

	for (const char *p = lib; *p; p++) {
		if (strchr(" \t\n\"'\\", *p) || n + 3 >= sizeof(escaped)) {
			fprintf(stderr, "mptcpize: %s: cannot be written into "
				"a unit file\n", lib);
			return NULL;
		}
		if (*p == '%')
			escaped[n++] = '%';
		escaped[n++] = *p;
	}
	escaped[n] = '\0';

	if (asprintf(&text,
		     DROPIN_MARK "; \"mptcpize disable %s\" removes it.\n"
		     "[Service]\n"
		     "Environment=LD_PRELOAD=%s\n"
		     "Environment=GODEBUG=" GODEBUG_MPTCP "\n",
		     unit, escaped) < 0)
		return NULL;
	return text;
}

/* Whether PATH holds exactly TEXT. */
static bool file_is(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 2);
	bool same = false;
	FILE *f;

	f = fopen(path, "re");
	if (f && buf)
		same = fread(buf, 1, len + 1, f) == len &&
		       !memcmp(buf, text, len);
	if (f)
		fclose(f);
	free(buf);
	return same;
}

/* Whether PATH starts with our mark (so it is ours to remove). */
static bool file_is_ours(const char *path)
{
	char line[sizeof(DROPIN_MARK)] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return !strcmp(line, DROPIN_MARK);
}

/* Write TEXT to PATH atomically (a temporary file renamed over it). */
static int write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text);
	int fd, r = 0;

	if ((size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;

	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t) len ||
	    fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* Run "systemctl daemon-reload" if systemd runs this system. */
static int reload_systemd(bool offline, const char *unit)
{
	pid_t pid;
	int status;

	if (offline) {
		printf("mptcpize: not the running system (--root): systemd "
		       "not reloaded\n");
		return 0;
	}

	if (access("/run/systemd/system", F_OK) < 0) {
		printf("mptcpize: systemd is not running: nothing to reload; "
		       "%s picks the change up when systemd starts it\n", unit);
		return 0;
	}

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("systemctl", "systemctl", "daemon-reload", (char *) NULL);
		fprintf(stderr, "mptcpize: systemctl: %s\n", strerror(errno));
		_exit(127);
	}

	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "mptcpize: systemctl daemon-reload failed\n");
		return -EIO;
	}

	printf("mptcpize: systemd reloaded; restart %s to apply the change\n",
	       unit);
	return 0;
}

static int enable_unit(const char *root, const char *unit, const char *dir,
		       const char *path)
{
	char *text;
	int r;

	if (!unit_exists(root, unit)) {
		fprintf(stderr, "mptcpize: %s: no such unit under %s (looked "
			"in %s and the other unit directories)\n", unit,
			*root ? root : "/", unit_dirs[0]);
		return -ENOENT;
	}

	text = dropin_text(library_path(), unit);
	if (!text)
		return -EINVAL;

	if (file_is(path, text)) {
		free(text);
		printf("mptcpize: %s already uses MPTCP (%s)\n", unit, path);
		return 0;
	}

	r = mkdir_parents(dir);
	if (r == 0)
		r = write_atomic(path, text);
	free(text);
	if (r < 0) {
		fprintf(stderr, "mptcpize: %s: %s\n", path, strerror(-r));
		return r;
	}

	printf("mptcpize: %s uses MPTCP: wrote %s\n", unit, path);
	return 1;
}

static int disable_unit(const char *unit, const char *dir, const char *path)
{
	if (access(path, F_OK) < 0) {
		printf("mptcpize: %s does not use mptcpize (no %s)\n", unit,
		       path);
		return 0;
	}

	if (!file_is_ours(path)) {
		fprintf(stderr, "mptcpize: %s was not written by mptcpize; "
			"not removing it\n", path);
		return -EPERM;
	}

	if (unlink(path) < 0) {
		fprintf(stderr, "mptcpize: %s: %s\n", path, strerror(errno));
		return -errno;
	}

	/* The directory goes too unless something else lives in it. */
	if (rmdir(dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		fprintf(stderr, "mptcpize: %s: %s, ignoring\n", dir,
			strerror(errno));

	printf("mptcpize: %s no longer uses MPTCP: removed %s\n", unit, path);
	return 1;
}

static int cmd_unit(int argc, char **argv, bool enable)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char *root = NULL, *unit = NULL, *dir = NULL, *path = NULL;
	const char *root_arg = "";
	size_t rootlen;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("%s: bad option", argv[0]);
		}
	}

	if (optind + 1 != argc)
		return usage_error("%s: give exactly one unit", argv[0]);

	/* Without trailing slashes: "--root /" is the running system. */
	rootlen = strlen(root_arg);
	while (rootlen && root_arg[rootlen - 1] == '/')
		rootlen--;

	r = -ENOMEM;
	unit = unit_name(argv[optind]);
	if (!unit)
		goto out;
	root = strndup(root_arg, rootlen);
	if (!root)
		goto out;
	if (asprintf(&dir, "%s" SYSTEM_UNIT_DIR "/%s.d", root, unit) < 0) {
		dir = NULL;
		goto out;
	}
	if (asprintf(&path, "%s/" DROPIN_NAME, dir) < 0) {
		path = NULL;
		goto out;
	}

	r = enable ? enable_unit(root, unit, dir, path) :
		     disable_unit(unit, dir, path);
	if (r > 0)
		r = reload_systemd(*root, unit);

out:
	free(path);
	free(dir);
	free(root);
	free(unit);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given (run, enable or disable)");

	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EX_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("mptcpize %s\n", VERSION);
		return EX_OK;
	}

	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "enable"))
		return cmd_unit(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "disable"))
		return cmd_unit(argc - 1, argv + 1, false);

	return usage_error("unknown command '%s' (run, enable or disable)",
			   argv[1]);
}
