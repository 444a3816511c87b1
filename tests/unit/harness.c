// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern const struct unit_test __start_memhp_tests[];
extern const struct unit_test __stop_memhp_tests[];

static int run_one(const struct unit_test *t)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "%s: killed by signal %d\n", t->name,
			WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	int failed = 0, ran = 0;

	for (const struct unit_test *t = __start_memhp_tests;
	     t < __stop_memhp_tests; t++) {
		int r;

		if (argc > 1 && strcmp(argv[1], t->name) != 0)
			continue;
		r = run_one(t);
		printf("%s %d - %s\n", r ? "not ok" : "ok", ++ran, t->name);
		failed += r;
	}
	if (!ran) {
		fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "");
		return 1;
	}
	return failed ? 1 : 0;
}
