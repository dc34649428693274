/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "api-state.h"
#include "conn.h"
#include "plugin.h"
#include "plugin-elf.h"
#include "util.h"

/*
 * A plugin the loader accepted. Its name, priority and mode are read once,
 * when the directory is scanned; a deferred one (see sf_plugins_load) is
 * then unloaded, and desc stays NULL until sf_plugins_use() loads it.
 */
struct sf_plugin {
	char *name;
	int priority;
	enum sf_plugin_mode mode;
	char *file;			/* in the plugin directory */
	const struct sf_plugin_desc *desc;	/* NULL while not loaded */
	void *handle;			/* NULL for built-in descriptors */
	bool exited;			/* its exit has run */
};

struct sf_plugins {
	struct l_queue *list;		/* struct sf_plugin, by priority */
	char *dir;			/* where deferred plugins load from */
	enum sf_plugin_mode mode;	/* the daemon's */
};

struct sf_plugins *sf_plugins_new(void)
{
	struct sf_plugins *plugins = l_new(struct sf_plugins, 1);

	plugins->list = l_queue_new();
	return plugins;
}

static void plugin_exit(void *data, void *user_data)
{
	struct sf_plugin *p = data;

	if (!p->desc || p->exited)
		return;

	p->exited = true;
	if (p->desc->exit)
		p->desc->exit();
}

static void plugin_unload(void *data)
{
	struct sf_plugin *p = data;

	if (!p->desc)
		goto out;

	plugin_exit(p, NULL);
	/* Its commands still pending end (-ECANCELED) while its code is
	 * there to hear it. */
	sf_api_cancel_code(p->desc);
	/* Then its timers and its connection data, destroy still callable. */
	sf_api_state_drop(p->desc);

	if (p->handle)
		dlclose(p->handle);
out:
	l_free(p->name);
	l_free(p->file);
	l_free(p);
}

void sf_plugins_exit(struct sf_plugins *plugins)
{
	if (!plugins)
		return;

	l_queue_reverse(plugins->list);
	l_queue_foreach(plugins->list, plugin_exit, NULL);
	l_queue_reverse(plugins->list);
}

void sf_plugins_free(struct sf_plugins *plugins)
{
	if (!plugins)
		return;

	/* Exit in reverse priority order. */
	l_queue_reverse(plugins->list);
	l_queue_destroy(plugins->list, plugin_unload);
	l_free(plugins->dir);
	l_free(plugins);
}

static bool plugin_has_name(const void *data, const void *user_data)
{
	const struct sf_plugin *p = data;

	return !strcmp(p->name, user_data);
}

static struct sf_plugin *plugin_get(const struct sf_plugins *plugins,
				    const char *name)
{
	return l_queue_find(plugins->list, plugin_has_name, name);
}

const struct sf_plugin_desc *sf_plugins_find(const struct sf_plugins *plugins,
					     const char *name)
{
	const struct sf_plugin *p = plugin_get(plugins, name);

	return p ? p->desc : NULL;
}

char **sf_plugins_names(const struct sf_plugins *plugins)
{
	char **names = l_new(char *, l_queue_length(plugins->list) + 1);
	const struct l_queue_entry *e;
	unsigned int i = 0;

	for (e = l_queue_get_entries(plugins->list); e; e = e->next) {
		const struct sf_plugin *p = e->data;

		names[i++] = l_strdup(p->name);
	}

	return names;
}

/* Priority order; equal priorities by name, so the order never depends on
 * the directory's. */
static int plugin_compare(const void *a, const void *b, void *user_data)
{
	const struct sf_plugin *pa = a, *pb = b;

	if (pa->priority != pb->priority)
		return pa->priority < pb->priority ? -1 : 1;

	return strcmp(pa->name, pb->name);
}

static bool plugin_mode_valid(enum sf_plugin_mode mode)
{
	switch (mode) {
	case SF_PLUGIN_MODE_USERSPACE:
	case SF_PLUGIN_MODE_KERNEL:
		return true;
	}

	return false;
}

/* Can the daemon take desc? 0, or a negative errno with err saying why. */
static int plugin_check(const struct sf_plugin_desc *desc, const char *origin,
			char *err, size_t err_size)
{
	if (desc->abi != SF_PLUGIN_ABI_VERSION) {
		snprintf(err, err_size, "%s: plugin ABI %u, daemon needs %u",
			 origin, desc->abi, SF_PLUGIN_ABI_VERSION);
		return -ENOEXEC;
	}

	if (!desc->name || !desc->name[0] || !plugin_mode_valid(desc->mode)) {
		snprintf(err, err_size, "%s: descriptor has no name or a bad mode",
			 origin);
		return -EINVAL;
	}

	return 0;
}

static int plugin_init(const struct sf_plugin_desc *desc, const char *origin,
		       char *err, size_t err_size)
{
	int r = desc->init ? desc->init() : 0;

	if (r < 0)
		snprintf(err, err_size, "%s: init failed: %s", origin,
			 strerror(-r));
	return r;
}

/*
 * Not needed until a setting names it: a policy that says it acts on its
 * own connections only, or a plugin of the other mode, which never acts
 * (the mode is fixed until restart). Built-in descriptors are never
 * deferred.
 */
static bool plugin_deferred(const struct sf_plugins *plugins,
			    const struct sf_plugin_desc *desc, void *handle)
{
	uint32_t flags = desc->flags;

	return handle && (desc->mode != plugins->mode ||
			  ((flags & SF_PLUGIN_FLAG_ON_DEMAND) &&
			   !(flags & SF_PLUGIN_FLAG_OBSERVER)));
}

/*
 * Validate desc and insert it: loaded (init run) or, if deferred, known by
 * name only. Takes handle: kept while the plugin is loaded, else closed.
 * On failure nothing is kept.
 */
static int plugin_register(struct sf_plugins *plugins,
			   const struct sf_plugin_desc *desc, void *handle,
			   const char *file, const char *origin,
			   char *err, size_t err_size)
{
	struct sf_plugin *p;
	bool deferred;
	int r;

	r = plugin_check(desc, origin, err, err_size);
	if (r >= 0 && plugin_get(plugins, desc->name)) {
		snprintf(err, err_size, "%s: a plugin named '%s' is already loaded",
			 origin, desc->name);
		r = -EEXIST;
	}
	deferred = r >= 0 && plugin_deferred(plugins, desc, handle);
	if (r >= 0 && !deferred)
		r = plugin_init(desc, origin, err, err_size);
	if (r < 0) {
		if (handle)
			dlclose(handle);
		return r;
	}

	p = l_new(struct sf_plugin, 1);
	p->name = l_strdup(desc->name);
	p->priority = desc->priority;
	p->mode = desc->mode;
	p->file = l_strdup(file);
	l_queue_insert(plugins->list, p, plugin_compare, NULL);

	if (deferred) {
		dlclose(handle);
	} else {
		p->desc = desc;
		p->handle = handle;
	}

	return 0;
}

int sf_plugins_add_builtin(struct sf_plugins *plugins,
			   const struct sf_plugin_desc *desc)
{
	char err[256];

	return plugin_register(plugins, desc, NULL, NULL, "built-in", err,
			       sizeof(err));
}

int sf_check_trusted(int fd, const char *path, char *err, size_t err_size)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return SF_NEG_ERRNO();
	}

	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, err_size,
			 "%s: refusing: must be owned by root and not group- or "
			 "world-writable (mode %04o, uid %u)", path,
			 (unsigned int) (st.st_mode & 07777),
			 (unsigned int) st.st_uid);
		return -EPERM;
	}

	return 0;
}

int sf_dlopen_trusted(int dirfd, const char *dir, const char *file,
		      void **ret_handle, char *err, size_t err_size)
{
	_auto_(l_free) char *path = l_strdup_printf("%s/%s", dir, file);
	int fd, r;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return SF_NEG_ERRNO();
	}

	r = sf_check_trusted(fd, path, err, err_size);
	close(fd);
	if (r < 0)
		return r;

	*ret_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!*ret_handle) {
		snprintf(err, err_size, "%s: %s", path, dlerror());
		return -ENOEXEC;
	}

	return 0;
}

/* The plugin directory, open, once sf_check_trusted() has passed it: its
 * fd, or a negative errno with err saying why. */
static int plugin_dir_open(const char *dir, char *err, size_t err_size)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = SF_NEG_ERRNO();
		snprintf(err, err_size, "plugin directory %s: %s", dir,
			 strerror(-r));
		return r;
	}

	r = sf_check_trusted(fd, dir, err, err_size);
	if (r < 0) {
		close(fd);
		return r;
	}

	return fd;
}

/*
 * Open dir/file (dirfd: dir, open and checked) as a plugin: the ELF check,
 * the trusted dlopen and the descriptor. Returns 0 with both set, or a
 * negative errno with err saying why.
 */
static int plugin_open(int dirfd, const char *dir, const char *file,
		       void **ret_handle,
		       const struct sf_plugin_desc **ret_desc,
		       char *err, size_t err_size)
{
	_auto_(l_free) char *path = l_strdup_printf("%s/%s", dir, file);
	int fd, r;

	/* Before it is loaded: a plugin binds to nothing but the plugin API
	 * (the daemon's ELL is its systemd module's). An open that fails is
	 * reported by the load. */
	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		r = sf_plugin_elf_check(fd, path, err, err_size);
		close(fd);
		if (r < 0)
			return r;
	}

	r = sf_dlopen_trusted(dirfd, dir, file, ret_handle, err, err_size);
	if (r < 0)
		return r;

	*ret_desc = dlsym(*ret_handle, SF_PLUGIN_SYMBOL);
	if (!*ret_desc) {
		snprintf(err, err_size, "%s: no '%s' symbol (not a subflowd plugin)",
			 path, SF_PLUGIN_SYMBOL);
		dlclose(*ret_handle);
		return -ENOEXEC;
	}

	return 0;
}

static int plugin_load_file(struct sf_plugins *plugins, int dirfd,
			    const char *dir, const char *file,
			    char *err, size_t err_size)
{
	_auto_(l_free) char *path = l_strdup_printf("%s/%s", dir, file);
	const struct sf_plugin_desc *desc;
	void *handle;
	int r;

	r = plugin_open(dirfd, dir, file, &handle, &desc, err, err_size);
	if (r < 0)
		return r;

	return plugin_register(plugins, desc, handle, file, path, err,
			       err_size);
}

/* Load a deferred plugin from the file it was found in at start. */
static int plugin_load_deferred(struct sf_plugins *plugins, struct sf_plugin *p,
				char *err, size_t err_size)
{
	_auto_(l_free) char *path = l_strdup_printf("%s/%s", plugins->dir,
						    p->file);
	const struct sf_plugin_desc *desc;
	void *handle;
	int dir_fd, r;

	dir_fd = plugin_dir_open(plugins->dir, err, err_size);
	if (dir_fd < 0)
		return dir_fd;

	r = plugin_open(dir_fd, plugins->dir, p->file, &handle, &desc, err,
			err_size);
	close(dir_fd);
	if (r < 0)
		return r;

	r = plugin_check(desc, path, err, err_size);
	if (r >= 0 && (strcmp(desc->name, p->name) || desc->mode != p->mode)) {
		snprintf(err, err_size, "%s: no longer the plugin '%s' "
			 "found at start", path, p->name);
		r = -ENOEXEC;
	}
	if (r >= 0)
		r = plugin_init(desc, path, err, err_size);
	if (r < 0) {
		dlclose(handle);
		return r;
	}

	p->desc = desc;
	p->handle = handle;
	l_info("plugin %s loaded: a setting names it", p->name);
	return 0;
}

int sf_plugins_use(struct sf_plugins *plugins, const char *name, int mode,
		   const struct sf_plugin_desc **ret_desc,
		   char *err, size_t err_size)
{
	struct sf_plugin *p = plugin_get(plugins, name);
	int r;

	if (!p) {
		snprintf(err, err_size, "'%s' is not a loaded plugin", name);
		return -ENOENT;
	}

	if (mode >= 0 && p->mode != (enum sf_plugin_mode) mode) {
		snprintf(err, err_size, "'%s' is a plugin for the other mode",
			 name);
		return -EMEDIUMTYPE;
	}

	if (!p->desc) {
		r = plugin_load_deferred(plugins, p, err, err_size);
		if (r < 0)
			return r;
	}

	*ret_desc = p->desc;
	return 0;
}

static bool is_plugin_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 3 && !strcmp(name + len - 3, ".so");
}

static void err_append(char *err, size_t err_size, const char *msg)
{
	size_t used = strlen(err);

	snprintf(err + used, err_size - used, "%s%s", used ? "; " : "", msg);
}

/* Load every plugin file in the directory dir_fd (which it closes). */
static int plugins_load_all(struct sf_plugins *plugins, int dir_fd,
			    const char *dir, char *ret_err, size_t err_size)
{
	DIR *d = fdopendir(dir_fd);
	struct dirent *de;
	char msg[512];

	if (!d) {
		int r = SF_NEG_ERRNO();

		close(dir_fd);
		snprintf(ret_err, err_size, "plugin directory %s: %s", dir,
			 strerror(-r));
		return r;
	}

	while ((de = readdir(d))) {
		if (!is_plugin_file(de->d_name))
			continue;

		msg[0] = '\0';
		if (plugin_load_file(plugins, dirfd(d), dir, de->d_name,
				     msg, sizeof(msg)) < 0)
			err_append(ret_err, err_size, msg);
	}

	closedir(d);
	return 0;
}

int sf_plugins_load(const char *dir, char **names, enum sf_plugin_mode mode,
		    struct sf_plugins **ret_plugins,
		    char *ret_err, size_t err_size)
{
	_auto_(sf_plugins_free) struct sf_plugins *plugins = sf_plugins_new();
	int dir_fd, r = 0;

	plugins->dir = l_strdup(dir);
	plugins->mode = mode;
	ret_err[0] = '\0';

	/* A plain descriptor: the directory is read only when no names are
	 * given, which keeps readdir() out of the daemon's resident pages. */
	dir_fd = plugin_dir_open(dir, ret_err, err_size);
	if (dir_fd < 0)
		return dir_fd;

	if (names && names[0]) {
		for (char **n = names; *n && r >= 0; n++) {
			_auto_(l_free) char *file = l_strdup_printf("%s.so", *n);

			r = plugin_load_file(plugins, dir_fd, dir, file,
					     ret_err, err_size);
		}
		close(dir_fd);
	} else {
		r = plugins_load_all(plugins, dir_fd, dir, ret_err, err_size);
	}
	if (r < 0)
		return r;

	*ret_plugins = plugins;
	plugins = NULL;
	return 0;
}

static enum sf_verdict plugin_call(const struct sf_plugin_ops *ops,
				   enum sf_plugin_event event,
				   const struct sf_plugin_event_args *a)
{
#define CALL(fn, ...) (ops->fn ? ops->fn(__VA_ARGS__) : SF_VERDICT_CONTINUE)
	switch (event) {
	case SF_PLUGIN_EVENT_CONN_CREATED:
		return CALL(conn_created, a->conn);
	case SF_PLUGIN_EVENT_CONN_ESTABLISHED:
		return CALL(conn_established, a->conn);
	case SF_PLUGIN_EVENT_CONN_CLOSED:
		return CALL(conn_closed, a->conn);
	case SF_PLUGIN_EVENT_ADDR_ANNOUNCED:
		return CALL(addr_announced, a->conn, a->id, a->addr);
	case SF_PLUGIN_EVENT_ADDR_REMOVED:
		return CALL(addr_removed, a->conn, a->id);
	case SF_PLUGIN_EVENT_SUBFLOW_ESTABLISHED:
		return CALL(subflow_established, a->conn, a->subflow);
	case SF_PLUGIN_EVENT_SUBFLOW_CLOSED:
		return CALL(subflow_closed, a->conn, a->subflow, a->error,
			    a->reset_reason);
	case SF_PLUGIN_EVENT_SUBFLOW_PRIORITY:
		return CALL(subflow_priority, a->conn, a->subflow);
	case SF_PLUGIN_EVENT_LISTENER_CREATED:
		return CALL(listener_created, a->addr);
	case SF_PLUGIN_EVENT_LISTENER_CLOSED:
		return CALL(listener_closed, a->addr);
	case SF_PLUGIN_EVENT_IFACE_UP:
		return CALL(iface_up, a->ifindex, a->ifname);
	case SF_PLUGIN_EVENT_IFACE_DOWN:
		return CALL(iface_down, a->ifindex, a->ifname);
	case SF_PLUGIN_EVENT_LOCAL_ADDR_ADDED:
		return CALL(local_addr_added, a->local);
	case SF_PLUGIN_EVENT_LOCAL_ADDR_REMOVED:
		return CALL(local_addr_removed, a->local);
	case SF_PLUGIN_EVENT_IFACE_POLICY_CHANGED:
		return CALL(iface_policy_changed, a->ifindex, a->ifname,
			    a->old_policy);
	}
#undef CALL
	return SF_VERDICT_CONTINUE;
}

enum sf_verdict sf_plugin_deliver(const struct sf_plugin_desc *plugin,
				  enum sf_plugin_event event,
				  const struct sf_plugin_event_args *args)
{
	if (!plugin->ops)
		return SF_VERDICT_CONTINUE;

	return plugin_call(plugin->ops, event, args);
}

void sf_plugins_dispatch(const struct sf_plugins *plugins,
			 enum sf_plugin_mode mode, enum sf_plugin_event event,
			 const struct sf_plugin_event_args *args)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(plugins->list); e; e = e->next) {
		const struct sf_plugin *p = e->data;
		const struct sf_plugin_desc *d = p->desc;

		if (!d || d->mode != mode || !d->ops)
			continue;

		if (args->conn && sf_conn_get_policy(args->conn) != d &&
		    !(d->flags & SF_PLUGIN_FLAG_OBSERVER))
			continue;

		if (plugin_call(d->ops, event, args) == SF_VERDICT_STOP)
			return;
	}
}
