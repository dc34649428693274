/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sf-bench-split - a process whose user time is known, to check how
 * bench/run splits a daemon's CPU time into user and kernel (scenario 7).
 *
 *   sf-bench-split WORK ROUNDS CALLS
 *
 * Runs ROUNDS rounds, each WORK steps of arithmetic in user mode, then
 * CALLS system calls that do nearly nothing in user mode (recv() on an
 * empty non-blocking socket). Prints, over the rounds:
 *   "rounds=R cpu_ns=N"
 * where N is the process's CPU time (the scheduler's account). With CALLS
 * 0 the rounds are user time only, so N / R is what WORK costs; with CALLS
 * above 0, a sampler that splits correctly puts about that much of each
 * round in user mode, plus what returning from each call costs user code
 * (cold caches, branch predictors) and minus nothing. Bad usage exits 64.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* This process's CPU time in ns, from /proc/self/schedstat; -1 on error. */
static long long cpu_ns(void)
{
	FILE *f = fopen("/proc/self/schedstat", "re");
	long long ns = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end) {
		fprintf(stderr, "sf-bench-split: not a number: '%s'\n", s);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	unsigned long work, rounds, calls;
	volatile unsigned int x = 1;
	long long t0, t1;
	char buf[16];
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: sf-bench-split WORK ROUNDS CALLS\n");
		return 64;
	}
	work = number(argv[1]);
	rounds = number(argv[2]);
	calls = number(argv[3]);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *) &any, sizeof(any)) < 0) {
		perror("sf-bench-split: socket");
		return 1;
	}

	t0 = cpu_ns();
	for (unsigned long r = 0; r < rounds; r++) {
		for (unsigned long i = 0; i < work; i++)
			x = x * 3 + i;
		for (unsigned long c = 0; c < calls; c++)
			(void) !recv(fd, buf, sizeof(buf), 0);
	}
	t1 = cpu_ns();
	close(fd);
	if (t0 < 0 || t1 < 0) {
		fprintf(stderr, "sf-bench-split: no /proc/self/schedstat\n");
		return 1;
	}
	printf("rounds=%lu cpu_ns=%lld\n", rounds, t1 - t0);
	return 0;
}
