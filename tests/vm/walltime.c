// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper for bench/offline-pressure, built statically into the
 * initramfs by prepare.sh: busybox's date has no sub-second format and
 * /proc/uptime counts hundredths, too coarse for a tool that runs in tens
 * of milliseconds.
 *
 *   walltime FILE CMD [ARG...]
 *       runs CMD (found on PATH) with this process's standard streams,
 *       waits for it and writes "STATUS MICROSECONDS" to FILE: its exit
 *       status (128 + the signal that killed it) and the time from just
 *       before the fork to just after the wait, CLOCK_MONOTONIC.  Exit 0
 *       when FILE was written, 2 on bad usage, 1 otherwise.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	       (unsigned long long)ts.tv_nsec / 1000ULL;
}

int main(int argc, char **argv)
{
	unsigned long long t0, t1;
	int status, code;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fputs("usage: walltime FILE CMD [ARG...]\n", stderr);
		return 2;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("walltime: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("walltime: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("walltime: waitpid");
		return 1;
	}
	t1 = now_us();
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	out = fopen(argv[1], "w");
	if (!out || fprintf(out, "%d %llu\n", code, t1 - t0) < 0 ||
	    fclose(out) != 0) {
		perror("walltime: FILE");
		return 1;
	}
	return 0;
}
