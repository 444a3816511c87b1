/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small unit-test harness: each TEST() is a descriptor in a table, run
 * in its own forked child so a crash fails only that test.  CMake reads
 * the TEST() lines and registers each one with ctest by name.
 */
#ifndef MEMHP_TEST_HARNESS_H
#define MEMHP_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name)                                                        \
	static void test_##name(void);                                    \
	static const struct unit_test desc_##name                         \
		__attribute__((used, section("memhp_tests"), aligned(8))) = \
		{ #name, test_##name };                                   \
	static void test_##name(void)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n",      \
				__FILE__, __LINE__, #cond);               \
			exit(1);                                          \
		}                                                         \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                \
	do {                                                              \
		unsigned long long a_ = (a), b_ = (b);                    \
		if (a_ != b_) {                                           \
			fprintf(stderr, "%s:%d: %s == %llu, expected %s "  \
				"== %llu\n", __FILE__, __LINE__, #a, a_,  \
				#b, b_);                                  \
			exit(1);                                          \
		}                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                   \
	do {                                                              \
		const char *a_ = (a), *b_ = (b);                          \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                  \
			fprintf(stderr, "%s:%d: %s is \"%s\", expected "   \
				"\"%s\"\n", __FILE__, __LINE__, #a,       \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
			exit(1);                                          \
		}                                                         \
	} while (0)


#endif
