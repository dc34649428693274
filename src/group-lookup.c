/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A group looked up by a child process (group-lookup.h).
 *
 * The child is forked (the daemon is single-threaded: NSS is safe to call
 * in it), closes what it inherited, looks the group up, writes one answer
 * to a pipe and exits. Through the pipe, in the host's byte order:
 * SYNC_BYTE, struct answer, then n_uids uint32_t.
 * The parent drains the pipe as it fills (a long member list does not fit
 * its buffer) and completes when the child has exited, which a pidfd tells
 * without waiting: the pipe then holds all that will ever come, and the
 * child is reaped there and then. A child that is cancelled or times out
 * is killed and reaped the same way, later; its answer is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ell/ell.h>

#include "group-lookup.h"
#include "util.h"

/* The first byte through the pipe: the child kept only its end of it. */
#define SYNC_BYTE 'G'

struct answer {
	int32_t error;			/* 0 or a negative errno */
	uint32_t gid;
	uint32_t n_uids;
};

struct lookup {
	unsigned int id;
	pid_t pid;
	int pipe_fd;			/* the read end, ours to close */
	struct l_io *pipe_io;		/* drains pipe_fd meanwhile */
	struct l_io *pid_io;		/* the pidfd: readable once it exited */
	struct l_timeout *timeout;
	struct l_idle *reaped;		/* frees it, once the child is reaped */
	uint8_t *buf;			/* what came through the pipe */
	size_t len;
	size_t size;
	bool overflow;			/* more than ANSWER_MAX: not read */
	/* NULL once answered or cancelled: only the reaping is left. */
	sf_group_lookup_func_t func;
	void *user_data;
	sf_group_lookup_destroy_func_t destroy;
};

/* The most members an answer may carry, a bound on what the daemon reads. */
#define UIDS_MAX 65536
#define ANSWER_MAX (sizeof(struct answer) + UIDS_MAX * sizeof(uint32_t))

static struct l_queue *lookups;		/* struct lookup, until freed */
static unsigned int last_id;

/* --- the child ---------------------------------------------------------- */

static int cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

static void uids_push(uint32_t **uids, unsigned int *n, uid_t uid)
{
	if (*n >= UIDS_MAX)
		return;

	*uids = l_realloc(*uids, (*n + 1) * sizeof(**uids));
	(*uids)[(*n)++] = uid;
}

/* getgrnam()'s ways of saying "no such group" (getgrnam(3)). */
static bool not_found(int err)
{
	return err == 0 || err == ENOENT || err == ESRCH || err == EBADF ||
	       err == EPERM;
}

/* The group's gid and the uids of its members; 0 or a negative errno. */
static int look_up(const char *name, gid_t *ret_gid, uint32_t **ret_uids,
		   unsigned int *ret_n)
{
	const struct group *gr;
	const struct passwd *pw;
	char **members = NULL;
	unsigned int n = 0;
	gid_t gid;

	errno = 0;
	gr = getgrnam(name);
	if (!gr)
		return not_found(errno) ? -ENOENT : -errno;

	gid = gr->gr_gid;
	/* The next lookups may reuse gr's buffers: copy the names first. */
	members = l_strv_copy(gr->gr_mem);
	for (char **m = members; m && *m; m++)
		if ((pw = getpwnam(*m)))
			uids_push(ret_uids, &n, pw->pw_uid);
	l_strv_free(members);

	/* Those whose primary group it is. */
	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_gid == gid)
			uids_push(ret_uids, &n, pw->pw_uid);
	endpwent();

	/* A user both listed and by primary group counts once. */
	if (n) {
		unsigned int kept = 1;

		qsort(*ret_uids, n, sizeof(**ret_uids), cmp_uid);
		for (unsigned int i = 1; i < n; i++)
			if ((*ret_uids)[i] != (*ret_uids)[kept - 1])
				(*ret_uids)[kept++] = (*ret_uids)[i];
		n = kept;
	}

	*ret_gid = gid;
	*ret_n = n;
	return 0;
}

static bool write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}

	return true;
}

/*
 * First thing in the child: keep only fd (as fd 3) and stdio, then say so
 * with SYNC_BYTE. Until then the child holds a copy of every fd of the
 * daemon, and a watched fd the daemon closed meanwhile would linger in its
 * epoll set, pointing at freed memory: the parent waits for the byte. A
 * few system calls of our own child, not a lookup: it cannot block.
 */
static int keep_only(int fd)
{
	if (fd != 3 && dup2(fd, 3) < 0)
		return -1;

	if (close_range(4, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long i = 4; i < max; i++)
			close(i);
	}

	return write_all(3, &(uint8_t) { SYNC_BYTE }, 1) ? 3 : -1;
}

/* In the child: look name up, write the answer to fd, exit. */
static void __attribute__((noreturn)) child_run(const char *name, int fd,
						pid_t parent)
{
	struct answer a = { 0 };
	uint32_t *uids = NULL;
	unsigned int n = 0;
	sigset_t none;
	gid_t gid = 0;
	int r;

	fd = keep_only(fd);
	if (fd < 0)
		_exit(1);

	/* The daemon's loop takes its signals through a signalfd, blocked:
	 * the child takes them as any process does, and dies with it. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);

	r = look_up(name, &gid, &uids, &n);
	a.error = r;
	a.gid = r < 0 ? 0 : gid;
	a.n_uids = r < 0 ? 0 : n;
	if (!write_all(fd, &a, sizeof(a)) ||
	    !write_all(fd, uids, a.n_uids * sizeof(*uids)))
		_exit(1);
	_exit(0);
}

/* --- the parent --------------------------------------------------------- */

static void lookup_free(struct lookup *l)
{
	l_io_destroy(l->pipe_io);
	close(l->pipe_fd);
	l_io_destroy(l->pid_io);
	l_timeout_remove(l->timeout);
	l_idle_remove(l->reaped);
	l_free(l->buf);
	l_free(l);
}

/* Drop the caller: func never runs; destroy now. */
static void lookup_forget(struct lookup *l)
{
	sf_group_lookup_destroy_func_t destroy = l->destroy;
	void *user_data = l->user_data;

	l->func = NULL;
	l->destroy = NULL;
	l->user_data = NULL;
	l_timeout_remove(l->timeout);
	l->timeout = NULL;
	if (destroy)
		destroy(user_data);
}

/* Answer the caller once: func, then destroy. */
static void lookup_answer(struct lookup *l, int error,
			  const struct sf_group *group)
{
	sf_group_lookup_func_t func = l->func;
	void *user_data = l->user_data;

	if (!func)
		return;

	l->func = NULL;
	func(error, group, user_data);
	lookup_forget(l);
}

/* Read what is in the pipe now; false once it is at its end. */
static bool drain(struct lookup *l)
{
	uint8_t scratch[512];

	for (;;) {
		uint8_t *to = scratch;
		size_t room = sizeof(scratch);
		ssize_t n;

		if (!l->overflow) {
			if (l->size - l->len < 4096) {
				l->size = l->size ? l->size * 2 : 4096;
				l->buf = l_realloc(l->buf, l->size);
			}
			to = l->buf + l->len;
			room = l->size - l->len;
		}

		n = read(l->pipe_fd, to, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		if (l->overflow)
			continue;

		l->len += n;
		if (l->len > ANSWER_MAX)
			l->overflow = true;
	}
}

static bool pipe_readable(struct l_io *io, void *user_data)
{
	return drain(user_data);
}

/* The child has exited (cleanly: with status 0): the whole answer,
 * checked, to the caller. */
static void lookup_complete(struct lookup *l, bool clean)
{
	const struct answer *a = (const struct answer *) l->buf;
	struct sf_group group;

	drain(l);
	if (!clean || l->overflow || l->len < sizeof(*a) ||
	    l->len != sizeof(*a) + (size_t) a->n_uids * sizeof(uint32_t) ||
	    a->error > 0) {
		lookup_answer(l, -EPROTO, NULL);
		return;
	}

	if (a->error < 0) {
		lookup_answer(l, a->error, NULL);
		return;
	}

	group = (struct sf_group) {
		.gid = a->gid,
		.n_uids = a->n_uids,
		.uids = (const uid_t *) (a + 1),
	};
	lookup_answer(l, 0, &group);
}

static void reaped(struct l_idle *idle, void *user_data)
{
	l_queue_remove(lookups, user_data);
	lookup_free(user_data);
}

/*
 * The child exited (a pidfd is readable only then): reap it and answer.
 * The lookup is freed from an idle, not here: ELL still uses the io when
 * this handler returns.
 */
static bool child_exited(struct l_io *io, void *user_data)
{
	struct lookup *l = user_data;
	siginfo_t info = { 0 };

	if (waitid(P_PIDFD, l_io_get_fd(io), &info, WEXITED | WNOHANG) < 0) {
		/* Reaped by someone else (SIGCHLD ignored): no status. */
		info.si_code = CLD_KILLED;
	} else if (!info.si_pid) {
		return true;
	}

	l->reaped = l_idle_create(reaped, l, NULL);
	lookup_complete(l, info.si_code == CLD_EXITED && !info.si_status);
	return false;
}

static void timed_out(struct l_timeout *timeout, void *user_data)
{
	struct lookup *l = user_data;

	kill(l->pid, SIGKILL);
	lookup_answer(l, -ETIMEDOUT, NULL);
}

static bool lookup_has_id(const void *data, const void *user_data)
{
	return ((const struct lookup *) data)->id == L_PTR_TO_UINT(user_data);
}

int sf_group_lookup(const char *name, unsigned int timeout_ms,
		    sf_group_lookup_func_t func, void *user_data,
		    sf_group_lookup_destroy_func_t destroy)
{
	pid_t parent = getpid(), pid;
	struct lookup *l;
	int fds[2], pidfd, r;
	uint8_t synced = 0;
	ssize_t n;

	if (!name || !func)
		return -EINVAL;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return SF_NEG_ERRNO();

	pid = fork();
	if (pid < 0) {
		r = SF_NEG_ERRNO();
		close(fds[0]);
		close(fds[1]);
		return r;
	}

	if (pid == 0) {
		close(fds[0]);
		child_run(name, fds[1], parent);
	}

	close(fds[1]);
	/* Until the child has dropped its copies of the daemon's fds. */
	do
		n = read(fds[0], &synced, 1);
	while (n < 0 && errno == EINTR);

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		/* Not a lookup yet: end the child now, it has barely begun. */
		r = SF_NEG_ERRNO();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (pidfd >= 0)
			close(pidfd);
		close(fds[0]);
		return r;
	}

	l = l_new(struct lookup, 1);
	l->pid = pid;
	l->pipe_fd = fds[0];
	l->pipe_io = l_io_new(fds[0]);
	l->pid_io = l_io_new(pidfd);
	if (l->pid_io)
		l_io_set_close_on_destroy(l->pid_io, true);
	else
		close(pidfd);
	if (!l->pipe_io || !l->pid_io ||
	    !l_io_set_read_handler(l->pipe_io, pipe_readable, l, NULL) ||
	    !l_io_set_read_handler(l->pid_io, child_exited, l, NULL)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		lookup_free(l);
		return -ENOMEM;
	}

	if (timeout_ms)
		l->timeout = l_timeout_create_ms(timeout_ms, timed_out, l,
						 NULL);

	/* Ids go round, skipping 0 and any still in use. */
	do
		l->id = ++last_id;
	while (!l->id || (lookups && l_queue_find(lookups, lookup_has_id,
						  L_UINT_TO_PTR(l->id))));

	l->func = func;
	l->user_data = user_data;
	l->destroy = destroy;
	if (!lookups)
		lookups = l_queue_new();
	l_queue_push_tail(lookups, l);
	return l->id;
}

bool sf_group_lookup_cancel(unsigned int id)
{
	struct lookup *l = lookups ? l_queue_find(lookups, lookup_has_id,
						  L_UINT_TO_PTR(id)) : NULL;

	if (!l || !l->func)
		return false;

	kill(l->pid, SIGKILL);
	lookup_forget(l);
	return true;
}

unsigned int sf_group_lookup_children(void)
{
	return l_queue_length(lookups);
}
