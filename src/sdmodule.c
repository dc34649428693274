/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ell/ell.h>

#include "plugin.h"
#include "sdmodule.h"
#include "util.h"

static const struct sf_sd_module *module;
static int load_error;		/* of the one load attempt, once made */

static int load(void)
{
	const char *dir = getenv("SUBFLOWD_MODULE_DIR") ?: SF_MODULEDIR;
	const struct sf_sd_module *m;
	char err[512];
	void *handle;
	int dirfd, r;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		r = SF_NEG_ERRNO();
		l_error("systemd module directory %s: %s", dir, strerror(-r));
		return r;
	}

	r = sf_check_trusted(dirfd, dir, err, sizeof(err));
	if (r == 0)
		r = sf_dlopen_trusted(dirfd, dir, SF_SD_MODULE_FILE, &handle,
				      err, sizeof(err));
	close(dirfd);
	if (r < 0) {
		l_error("systemd module: %s", err);
		return r;
	}

	m = dlsym(handle, SF_SD_MODULE_SYMBOL);
	if (!m || m->abi != SF_SD_MODULE_ABI) {
		l_error("systemd module %s/%s: %s", dir, SF_SD_MODULE_FILE,
			m ? "built for another version of subflowd" :
			"not a subflowd module");
		dlclose(handle);
		return -ENOEXEC;
	}

	/* Loaded for good: the D-Bus service and notify live as long as
	 * the process. */
	module = m;
	return 0;
}

int sf_sd_module_get(const struct sf_sd_module **ret_module)
{
	if (!module && !load_error)
		load_error = load();

	if (!module)
		return load_error;

	*ret_module = module;
	return 0;
}

void sf_notify(const char *fmt, ...)
{
	const struct sf_sd_module *m;
	char state[256];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET") || sf_sd_module_get(&m) < 0)
		return;

	va_start(ap, fmt);
	vsnprintf(state, sizeof(state), fmt, ap);
	va_end(ap);

	m->notify(state);
}
