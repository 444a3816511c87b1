// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memhp summary --format=prometheus: the summary in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector.  Every family has its # HELP and # TYPE lines; label values
 * are valid UTF-8 and escaped as the format asks (backslash, double
 * quote, newline): memhp_prom_label() in text.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memhp.h"

static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * The node label with its trailing comma, or nothing for blocks without a
 * node link: a label is left out rather than given an empty value.
 */
static void node_label(char *buf, size_t size, int node)
{
	if (node >= 0)
		snprintf(buf, size, "node=\"%d\",", node);
	else
		buf[0] = '\0';
}

static void print_memory(const struct memhp_usage *us)
{
	family("memhp_memory_bytes", "gauge",
	       "Memory in hotplug blocks by NUMA node, state and zone "
	       "(offline memory has no zone label).");
	for (size_t i = 0; i < memhp_usage_get_count(us); i++) {
		const struct memhp_node_usage *u = memhp_usage_get(us, i);
		uint64_t online = memhp_node_usage_get_online(u), zoned = 0;
		char node[32];

		node_label(node, sizeof(node), memhp_node_usage_get_node(u));
		for (int z = 0; z < MEMHP_NR_ZONES; z++) {
			uint64_t bytes = memhp_node_usage_get_zone_online(u, z);
			const char *name = memhp_zone_name(z);
			char *zl;

			/* names this library does not know join "unknown" */
			if (!bytes || z == MEMHP_ZONE_UNKNOWN)
				continue;
			zoned += bytes;
			zl = memhp_prom_label(name ? name : "unknown");
			printf("memhp_memory_bytes{%sstate=\"online\","
			       "zone=\"%s\"} %llu\n", node, zl ? zl : "unknown",
			       (unsigned long long)bytes);
			free(zl);
		}
		/* online blocks whose zone could not be read or named */
		if (online > zoned)
			printf("memhp_memory_bytes{%sstate=\"online\","
			       "zone=\"unknown\"} %llu\n", node,
			       (unsigned long long)(online - zoned));
		printf("memhp_memory_bytes{%sstate=\"offline\"} %llu\n", node,
		       (unsigned long long)memhp_node_usage_get_offline(u));
	}
}

static void print_owners(const struct memhp_usage *us)
{
	family("memhp_owner_memory_bytes", "gauge",
	       "Memory in hotplug blocks by who added it (memhp-list(8), "
	       "OWNER) and state.");
	for (int o = 0; o < MEMHP_NR_OWNERS; o++)
		for (int online = 1; online >= 0; online--)
			printf("memhp_owner_memory_bytes{owner=\"%s\",state="
			       "\"%s\"} %llu\n", memhp_owner_name(o),
			       online ? "online" : "offline",
			       (unsigned long long)memhp_usage_get_owner_bytes(
				       us, o, online));
}

struct state_count {
	int node;
	uint64_t count[4];	/* by enum memhp_state */
};

static int print_blocks(struct memhp_ctx *ctx)
{
	static const enum memhp_state states[] = {
		MEMHP_STATE_ONLINE, MEMHP_STATE_OFFLINE,
		MEMHP_STATE_GOING_OFFLINE, MEMHP_STATE_UNKNOWN,
	};
	struct state_count *sc = NULL;
	struct memhp_block *b;
	size_t nr = 0;
	int ret;

	ret = memhp_blocks_scan(ctx, MEMHP_ATTR_STATE | MEMHP_ATTR_NODE);
	if (ret < 0)
		return ret;
	memhp_block_foreach(ctx, b) {
		int node = memhp_block_get_node(b);
		enum memhp_state st = memhp_block_get_state(b);
		size_t i;

		for (i = 0; i < nr && sc[i].node != node; i++)
			;
		if (i == nr) {
			struct state_count *p = realloc(sc, (nr + 1) * sizeof(*sc));

			if (!p) {
				free(sc);
				return -ENOMEM;
			}
			sc = p;
			memset(&sc[nr], 0, sizeof(*sc));
			sc[nr++].node = node;
		}
		if ((unsigned int)st > MEMHP_STATE_GOING_OFFLINE)
			st = MEMHP_STATE_UNKNOWN;
		sc[i].count[st]++;
	}
	family("memhp_blocks", "gauge",
	       "Memory blocks by NUMA node and state.");
	for (size_t i = 0; i < nr; i++) {
		char node[32];

		node_label(node, sizeof(node), sc[i].node);
		for (size_t s = 0; s < sizeof(states) / sizeof(*states); s++) {
			const char *name = memhp_state_name(states[s]);

			/* a state that no block is in is not news */
			if (states[s] == MEMHP_STATE_UNKNOWN &&
			    !sc[i].count[states[s]])
				continue;
			printf("memhp_blocks{%sstate=\"%s\"} %llu\n",
			       node, name ? name : "unknown",
			       (unsigned long long)sc[i].count[states[s]]);
		}
	}
	free(sc);
	return 0;
}

/* Kernel booleans print Y/N (memmap_on_memory may say "force"). */
static int bool_value(const char *v)
{
	if (!strcmp(v, "Y") || !strcmp(v, "1") || !strcmp(v, "force"))
		return 1;
	if (!strcmp(v, "N") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static void print_policy(struct memhp_ctx *ctx)
{
	/*
	 * auto_movable_ratio is a percentage in the kernel; Prometheus's
	 * _ratio unit is a plain ratio, so it is divided by 100.
	 * memmap_on_memory is a word (N, Y or force) and only a label of
	 * memhp_policy_info, so that no knob is exported twice.
	 */
	static const struct {
		const char *key, *help;
		bool is_bool;
	} gauges[] = {
		{ "auto_movable_ratio", "The kernel's auto_movable_ratio as a "
		  "ratio (its percentage / 100): how much movable memory "
		  "auto-movable onlining allows per unit of kernel memory.",
		  false },
		{ "auto_movable_numa_aware", "1 when auto-movable onlining "
		  "applies the ratio per NUMA node.", true },
	};
	static const char *const words[] = {
		"auto_online_blocks", "online_policy", "memmap_on_memory",
	};
	char *labels = NULL;
	size_t o = 0;

	for (size_t i = 0; i < sizeof(gauges) / sizeof(*gauges); i++) {
		char name[96], *v = NULL, *end;
		long long num;

		if (memhp_policy_read(ctx, gauges[i].key, &v) < 0)
			continue;
		if (gauges[i].is_bool) {
			num = bool_value(v);
			end = num < 0 ? v : v + strlen(v);
		} else {
			num = strtoll(v, &end, 10);
		}
		if (end != v && !*end) {
			snprintf(name, sizeof(name), "memhp_policy_%s",
				 gauges[i].key);
			family(name, "gauge", gauges[i].help);
			if (gauges[i].is_bool)
				printf("%s %lld\n", name, num);
			else
				printf("%s %s%lld.%02lld\n", name,
				       num < 0 ? "-" : "", llabs(num) / 100,
				       llabs(num) % 100);
		}
		free(v);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		char *v = NULL, *l, *more;

		if (memhp_policy_read(ctx, words[i], &v) < 0)
			continue;
		l = memhp_prom_label(v);
		free(v);
		if (!l || asprintf(&more, "%s%s%s=\"%s\"", labels ? labels : "",
				   o ? "," : "", words[i], l) < 0)
			more = NULL;
		free(l);
		if (!more)
			continue;
		free(labels);
		labels = more;
		o++;
	}
	if (!labels)
		return;
	family("memhp_policy_info", "gauge",
	       "The onlining policy's word-valued knobs as labels; always 1.");
	printf("memhp_policy_info{%s} 1\n", labels);
	free(labels);
}

static void print_module(struct memhp_ctx *ctx)
{
	struct memhp_probed_ranges *rs = NULL;
	bool loaded = memhp_module_loaded(ctx);
	size_t nr = 0;

	family("memhp_module_loaded", "gauge", "1 when memhp.ko is loaded.");
	printf("memhp_module_loaded %d\n", loaded ? 1 : 0);
	if (!loaded)
		return;
	if (memhp_probed_ranges_new(ctx, &rs) == 0)
		nr = memhp_probed_ranges_get_count(rs);
	family("memhp_module_ranges", "gauge",
	       "Physical ranges memhp.ko added.");
	printf("memhp_module_ranges %zu\n", nr);
	family("memhp_module_range_bytes", "gauge",
	       "Size of each range memhp.ko added, by start address and node.");
	for (size_t i = 0; i < nr; i++) {
		const struct memhp_probed_range *r = memhp_probed_ranges_get(rs, i);
		char node[32];

		node_label(node, sizeof(node), memhp_probed_range_get_node(r));
		printf("memhp_module_range_bytes{%sstart=\"0x%016llx\"}"
		       " %llu\n", node,
		       (unsigned long long)memhp_probed_range_get_start(r),
		       (unsigned long long)memhp_probed_range_get_size(r));
	}
	memhp_probed_ranges_free(rs);
}

int memhp_prometheus_print(struct memhp_ctx *ctx, const struct memhp_usage *us)
{
	int ret;

	family("memhp_block_size_bytes", "gauge",
	       "Size of one memory block.");
	printf("memhp_block_size_bytes %llu\n",
	       (unsigned long long)memhp_get_block_size(ctx));
	print_memory(us);
	print_owners(us);
	ret = print_blocks(ctx);
	if (ret < 0)
		return ret;
	print_policy(ctx);
	print_module(ctx);
	return 0;
}
