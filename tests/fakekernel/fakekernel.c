// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakekernel.h"

/* The whole file, every line (at most @size - 1 bytes). */
static int read_lines(const char *dir, const char *name, char *buf,
		      size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* The first line, as an attribute's value. */
static int read_file(const char *dir, const char *name, char *buf,
		     size_t size)
{
	int ret = read_lines(dir, name, buf, size);

	if (ret == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* Replaces the file whole (a new file renamed over it): a reader sees the
 * old content or the new, never an empty file, as sysfs reads are. */
static void write_file(const char *dir, const char *name, const char *value)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.fake-%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", value);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

bool fake_kernel_is_state(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *p;

	if (!slash || strcmp(slash, "/state") != 0)
		return false;
	for (p = slash; p > path && p[-1] != '/'; p--)
		;
	if (strncmp(p, "memory", 6) != 0 || p + 6 == slash)
		return false;
	for (p += 6; p < slash; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Looks up a directive for @op; consumes one COUNT. */
static bool injected(const char *dir, const char *op, char *arg, size_t size)
{
	char buf[1024], out[1024] = "", *line, *save = NULL;
	bool hit = false;

	/* every directive, one a line */
	if (read_lines(dir, "fake-kernel", buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char word[32], a[64];
		long count = -1;
		int n = sscanf(line, "%31s %63s %ld", word, a, &count);

		if (!hit && n >= 2 && strcmp(word, op) == 0 && count != 0) {
			hit = true;
			snprintf(arg, size, "%s", a);
			if (count > 0)
				count--;
			if (n == 3) {
				char l[128];

				snprintf(l, sizeof(l), "%s %s %ld\n", word, a,
					 count);
				strncat(out, l, sizeof(out) - strlen(out) - 1);
				continue;
			}
		}
		strncat(out, line, sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	if (hit) {
		if (*out && out[strlen(out) - 1] == '\n')
			out[strlen(out) - 1] = '\0';
		write_file(dir, "fake-kernel", out);
	}
	return hit;
}

/* The whole @ms, signals or not: the kernel's state_store() does not
 * return early either. */
static void delay_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool has_token(const char *list, const char *tok)
{
	size_t len = strlen(tok);

	for (const char *p = list; (p = strstr(p, tok)); p += len)
		if ((p == list || p[-1] == ' ') && (!p[len] || p[len] == ' '))
			return true;
	return false;
}

static int do_online(const char *dir, const char *value, const char *zones)
{
	char zone[64] = "", arg[64];

	if (!strcmp(value, "online_movable")) {
		if (*zones && !has_token(zones, "Movable"))
			return -EINVAL;
		strcpy(zone, "Movable");
	} else if (!strcmp(value, "online_kernel")) {
		char copy[256], *t, *save = NULL;

		snprintf(copy, sizeof(copy), "%s", zones);
		for (t = strtok_r(copy, " ", &save); t;
		     t = strtok_r(NULL, " ", &save))
			if (strcmp(t, "Movable") != 0) {
				snprintf(zone, sizeof(zone), "%s", t);
				break;
			}
		if (!*zone)
			return -EINVAL;
	} else {
		/* "online": the default zone, listed first */
		sscanf(zones, "%63s", zone);
		if (!*zone)
			strcpy(zone, "Normal");
	}
	if (injected(dir, "online-zone", arg, sizeof(arg)))
		snprintf(zone, sizeof(zone), "%s", arg);
	/* remember what an offline block could take, for offlining */
	write_file(dir, "fake-kernel-zones", zones);
	write_file(dir, "state", "online");
	write_file(dir, "online", "1");
	write_file(dir, "valid_zones", zone);
	return 0;
}

static int do_offline(const char *dir, const char *zone)
{
	char zones[256], arg[64];

	if (!strcmp(zone, "none"))
		return -EINVAL;
	if (injected(dir, "offline-delay", arg, sizeof(arg)))
		delay_ms(strtol(arg, NULL, 10));
	if (read_file(dir, "fake-kernel-zones", zones, sizeof(zones)) < 0 ||
	    !*zones)
		snprintf(zones, sizeof(zones), "%s%s",
			 strcmp(zone, "Movable") ? zone : "Normal",
			 " Movable");
	write_file(dir, "state", "offline");
	write_file(dir, "online", "0");
	write_file(dir, "valid_zones", zones);
	return 0;
}

/* A refused offline logs what the kernel would: the records of
 * memoryN/fake-kmsg are appended to dev/kmsg below the fixture root (the
 * memoryN directory's fifth ancestor), when both files exist. */
static void fake_kmsg(const char *dir)
{
	char root[PATH_MAX], path[PATH_MAX + 16], text[4096];
	char *cut = NULL;
	size_t n;
	FILE *f;

	/* every line (read_file keeps the first only) */
	snprintf(path, sizeof(path), "%s/fake-kmsg", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(root, sizeof(root), "%s", dir);
	for (int i = 0; i < 5; i++) {
		cut = strrchr(root, '/');
		if (!cut)
			return;
		*cut = '\0';
	}
	snprintf(path, sizeof(path), "%s/dev/kmsg", root);
	f = fopen(path, "r+");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	fputs(text, f);
	fclose(f);
}

static int state_write(const char *dir, const char *value)
{
	char state[64], zones[256] = "", arg[64];
	bool online = !strncmp(value, "online", 6);

	if (strcmp(value, "online") && strcmp(value, "online_kernel") &&
	    strcmp(value, "online_movable") && strcmp(value, "offline"))
		return -EINVAL;
	if (read_file(dir, "state", state, sizeof(state)) < 0)
		return -ENOENT;
	read_file(dir, "valid_zones", zones, sizeof(zones));
	/* the kernel answers a redundant transition with EINVAL */
	if (online ? !strcmp(state, "online") : !strcmp(state, "offline"))
		return -EINVAL;
	if (online && injected(dir, "online-foreign", arg, sizeof(arg))) {
		/* another agent got there first: our write is redundant */
		write_file(dir, "fake-kernel-zones", zones);
		write_file(dir, "state", "online");
		write_file(dir, "online", "1");
		write_file(dir, "valid_zones", arg);
		return -EINVAL;
	}
	if (injected(dir, online ? "online" : "offline", arg, sizeof(arg))) {
		if (!online)
			fake_kmsg(dir);
		return -atoi(arg);
	}
	if (online && injected(dir, "online-delay", arg, sizeof(arg)))
		delay_ms(strtol(arg, NULL, 10));
	return online ? do_online(dir, value, zones) : do_offline(dir, zones);
}

int fake_kernel_state_write(const char *path, const char *value)
{
	char dir[PATH_MAX], v[64];
	const char *log = getenv("MEMHP_FAKE_LOG");
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(v, sizeof(v), "%s", value);
	v[strcspn(v, "\n")] = '\0';
	ret = state_write(dir, v);
	if (log && *log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%s %s %d\n", strrchr(dir, '/') + 1, v, ret);
			fclose(f);
		}
	}
	return ret;
}

/* --- memhp.ko ------------------------------------------------------- */

#define MODULE_DIR "/sys/kernel/memhp/"

bool fake_module_is_attr(const char *path)
{
	const char *p = strstr(path, MODULE_DIR);

	return p && (!strcmp(p + strlen(MODULE_DIR), "probe") ||
		     !strcmp(p + strlen(MODULE_DIR), "remove"));
}

static int run(const char *fmt, const char *a, const char *b)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd) == 0 ? 0 : -EIO;
}

static int fake_probe(const char *root, unsigned long long start,
		      unsigned long long size, int node)
{
	char mem[PATH_MAX], dir[PATH_MAX], buf[64], link[PATH_MAX];
	unsigned long long bs;

	snprintf(mem, sizeof(mem), "%s/sys/devices/system/memory", root);
	if (read_file(mem, "block_size_bytes", buf, sizeof(buf)) < 0)
		return -ENOENT;
	bs = strtoull(buf, NULL, 16);
	if (!bs || !size || start % bs || size % bs)
		return -EINVAL;
	for (unsigned long long a = start; a < start + size; a += bs) {
		snprintf(dir, sizeof(dir), "%s/memory%llu", mem, a / bs);
		if (!access(dir, F_OK))
			return -EEXIST;
	}
	if (node < 0)
		node = 0;
	for (unsigned long long a = start; a < start + size; a += bs) {
		unsigned long long id = a / bs;

		snprintf(dir, sizeof(dir), "%s/memory%llu", mem, id);
		if (mkdir(dir, 0755) < 0)
			return -errno;
		write_file(dir, "state", "offline");
		write_file(dir, "online", "0");
		write_file(dir, "removable", "1");
		write_file(dir, "valid_zones", "Normal Movable");
		snprintf(buf, sizeof(buf), "%08llx", id);
		write_file(dir, "phys_index", buf);
		/* the kernel onlines what it adds as auto_online_blocks says */
		if (read_file(mem, "auto_online_blocks", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "offline"))
			do_online(dir, buf, "Normal Movable");
		snprintf(link, sizeof(link), "%s/sys/devices/system/node/node%d",
			 root, node);
		if (!access(link, F_OK)) {
			snprintf(buf, sizeof(buf), "node%d", node);
			snprintf(link, sizeof(link), "%s/%s", dir, buf);
			snprintf(buf, sizeof(buf), "../../node/node%d", node);
			if (symlink(buf, link) < 0)
				return -errno;
			snprintf(link, sizeof(link),
				 "%s/sys/devices/system/node/node%d/memory%llu",
				 root, node, id);
			snprintf(buf, sizeof(buf), "../../memory/memory%llu", id);
			if (symlink(buf, link) < 0)
				return -errno;
		}
	}
	/* tests: another agent sets auto_online_blocks while the range is
	 * added (memory/fake-kernel-policy holds what it writes) */
	if (read_file(mem, "fake-kernel-policy", buf, sizeof(buf)) == 0)
		write_file(mem, "auto_online_blocks", buf);
	snprintf(dir, sizeof(dir), "%s" MODULE_DIR "ranges/%#llx", root, start);
	if (run("mkdir -p '%s'%s", dir, ""))
		return -EIO;
	snprintf(buf, sizeof(buf), "%#llx", start);
	write_file(dir, "start", buf);
	snprintf(buf, sizeof(buf), "%#llx", size);
	write_file(dir, "size", buf);
	snprintf(buf, sizeof(buf), "%d", node);
	write_file(dir, "node", buf);
	return 0;
}

static int fake_remove(const char *root, unsigned long long start,
		       unsigned long long size)
{
	char mem[PATH_MAX], dir[PATH_MAX], buf[64];
	unsigned long long bs, have;

	snprintf(dir, sizeof(dir), "%s" MODULE_DIR "ranges/%#llx", root, start);
	if (read_file(dir, "size", buf, sizeof(buf)) < 0)
		return -ENOENT;
	have = strtoull(buf, NULL, 16);
	if (have != size)
		return -ENOENT;
	snprintf(mem, sizeof(mem), "%s/sys/devices/system/memory", root);
	if (read_file(mem, "block_size_bytes", buf, sizeof(buf)) < 0)
		return -ENOENT;
	bs = strtoull(buf, NULL, 16);
	for (unsigned long long a = start; a < start + size; a += bs) {
		char blk[PATH_MAX];

		snprintf(blk, sizeof(blk), "%s/memory%llu", mem, a / bs);
		if (read_file(blk, "state", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "offline"))
			return -EBUSY;
	}
	for (unsigned long long a = start; a < start + size; a += bs) {
		char blk[PATH_MAX];

		snprintf(blk, sizeof(blk), "%s/memory%llu", mem, a / bs);
		run("rm -rf '%s'%s", blk, "");
		snprintf(blk, sizeof(blk),
			 "%s/sys/devices/system/node/node*/memory%llu", root,
			 a / bs);
		run("rm -f %s%s", blk, "");
	}
	return run("rm -rf '%s'%s", dir, "");
}

int fake_module_write(const char *path, const char *value)
{
	char root[PATH_MAX];
	unsigned long long start, size;
	int node = -1, n;
	const char *attr = strstr(path, MODULE_DIR);

	snprintf(root, sizeof(root), "%.*s", (int)(attr - path), path);
	attr += strlen(MODULE_DIR);
	n = sscanf(value, "%lli %lli %d", &start, &size, &node);
	if (!strcmp(attr, "probe"))
		return n >= 2 ? fake_probe(root, start, size, node) : -EINVAL;
	return n == 2 ? fake_remove(root, start, size) : -EINVAL;
}

/* --- ACPI memory devices ------------------------------------------- */

bool fake_acpi_is_eject(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *p;

	if (!slash || strcmp(slash, "/eject") != 0)
		return false;
	for (p = slash; p > path && p[-1] != '/'; p--)
		;
	return strncmp(p, "PNP0C80:", 8) == 0;
}

struct bound {
	char dirs[64][PATH_MAX];
	int n;
};

/* the memory block directories the device's physical_node links name */
static int bound_blocks(const char *dir, struct bound *b)
{
	b->n = 0;
	for (int i = 0; i < 64; i++) {
		char link[PATH_MAX];

		if (i)
			snprintf(link, sizeof(link), "%s/physical_node%d", dir, i);
		else
			snprintf(link, sizeof(link), "%s/physical_node", dir);
		if (access(link, F_OK) < 0)
			break;
		if (!realpath(link, b->dirs[b->n]))
			return -errno;
		b->n++;
	}
	return 0;
}

/* As the kernel's acpi_eject_store() and the hot-remove work it queues:
 * the write is accepted at once; the blocks and their links go away, and
 * the device is left unbound with _STA 0, only if every block is offline (the kernel would try to offline
 * them itself; a fixture has no memory to move, so online blocks block). */
static int eject(const char *root, const char *dir, const char *value)
{
	char arg[64], path[PATH_MAX], buf[64];
	struct bound b;

	if (strcmp(value, "1") != 0)
		return -EINVAL;
	if (injected(dir, "eject", arg, sizeof(arg)))
		return -atoi(arg);
	if (injected(dir, "eject-ignore", arg, sizeof(arg)))
		return 0;	/* the firmware said no, asynchronously */
	if (bound_blocks(dir, &b) < 0)
		return -EIO;
	for (int i = 0; i < b.n; i++)
		if (read_file(b.dirs[i], "state", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "offline") != 0)
			return 0;
	for (int i = 0; i < b.n; i++) {
		const char *blk = strrchr(b.dirs[i], '/') + 1;

		snprintf(path, sizeof(path),
			 "%s/sys/devices/system/node/node*/%s", root, blk);
		run("rm -f %s%s", path, "");
		snprintf(path, sizeof(path), "%s/sys/bus/memory/devices/%s",
			 root, blk);
		unlink(path);
		run("rm -rf '%s'%s", b.dirs[i], "");
	}
	/* the device object stays, unbound and not present */
	for (int i = 0; i < b.n; i++) {
		if (i)
			snprintf(path, sizeof(path), "%s/physical_node%d", dir, i);
		else
			snprintf(path, sizeof(path), "%s/physical_node", dir);
		unlink(path);
	}
	write_file(dir, "status", "0");
	return 0;
}

int fake_acpi_write(const char *root, const char *path, const char *value)
{
	char dir[PATH_MAX], v[64];
	const char *log = getenv("MEMHP_FAKE_LOG");
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(v, sizeof(v), "%s", value);
	v[strcspn(v, "\n")] = '\0';
	ret = eject(root, dir, v);
	if (log && *log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%s eject %s %d\n", strrchr(dir, '/') + 1,
				v, ret);
			fclose(f);
		}
	}
	return ret;
}

/* --- drop_caches and compaction (memhp offline --reclaim) ----------- */

#define VM_DIR "/proc/sys/vm/"
#define NODE_DIR "/sys/devices/system/node/"

bool fake_reclaim_is_attr(const char *path)
{
	const char *p = strstr(path, VM_DIR);
	const char *slash = strrchr(path, '/');

	if (p && (!strcmp(p + strlen(VM_DIR), "drop_caches") ||
		  !strcmp(p + strlen(VM_DIR), "compact_memory")))
		return true;
	p = strstr(path, NODE_DIR);
	return p && slash && !strcmp(slash, "/compact") &&
	       !strncmp(p + strlen(NODE_DIR), "node", 4);
}

/* Moves @kb from @from_key to @to_key in the meminfo text @buf (lines
 * "[Node N ]KEY:   VALUE kB"), written back to @dir/@name. */
static void meminfo_move(const char *dir, const char *name,
			 const char *from_key, const char *to_key, long kb)
{
	char buf[4096], out[4096] = "", *line, *save = NULL;
	size_t len = 0;

	if (read_lines(dir, name, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *key = colon;
		long v;

		if (!colon)
			continue;
		while (key > line && key[-1] != ' ')
			key--;
		v = strtol(colon + 1, NULL, 10);
		if (!strncmp(key, from_key, (size_t)(colon - key)) &&
		    strlen(from_key) == (size_t)(colon - key))
			v -= kb;
		else if (!strncmp(key, to_key, (size_t)(colon - key)) &&
			 strlen(to_key) == (size_t)(colon - key))
			v += kb;
		else {
			len += (size_t)snprintf(out + len, sizeof(out) - len,
						"%s\n", line);
			continue;
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"%.*s %8ld kB\n",
					(int)(colon - line + 1), line, v);
	}
	if (len)
		out[len - 1] = '\0';	/* write_file ends it */
	write_file(dir, name, out);
}

/* drop_caches with bit 1: every node's fake-clean kB of page cache (and
 * proc/fake-clean's, against proc/meminfo's Cached) become free */
static void drop_clean(const char *root)
{
	char dir[PATH_MAX], clean[32];

	for (int n = 0; n < 64; n++) {
		snprintf(dir, sizeof(dir), "%s" NODE_DIR "node%d", root, n);
		if (read_file(dir, "fake-clean", clean, sizeof(clean)) < 0)
			continue;
		meminfo_move(dir, "meminfo", "FilePages", "MemFree",
			     atol(clean));
		write_file(dir, "fake-clean", "0");
	}
	snprintf(dir, sizeof(dir), "%s/proc", root);
	if (read_file(dir, "fake-clean", clean, sizeof(clean)) == 0) {
		meminfo_move(dir, "meminfo", "Cached", "MemFree", atol(clean));
		write_file(dir, "fake-clean", "0");
	}
}

int fake_reclaim_write(const char *root, const char *path, const char *value)
{
	const char *log = getenv("MEMHP_FAKE_LOG");
	const char *name = strstr(path, VM_DIR);
	char v[64], dir[PATH_MAX], inject[32], *end;
	long n;
	int ret = 0;

	snprintf(v, sizeof(v), "%s", value);
	v[strcspn(v, "\n")] = '\0';
	n = strtol(v, &end, 10);
	/* the name the log gives: drop_caches, compact_memory, nodeN/compact */
	if (name) {
		name += strlen(VM_DIR);
	} else {
		name = strstr(path, NODE_DIR) + strlen(NODE_DIR);
	}
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	/* injected: <attr>.fake-errno beside it holds an errno to fail with */
	snprintf(inject, sizeof(inject), "%s.fake-errno", strrchr(path, '/') + 1);
	if (read_file(dir, inject, inject, sizeof(inject)) == 0)
		ret = -atoi(inject);
	/* what 6.1 to 6.12 take: drop_caches 1 to 4; compact_memory 1 (6.12
	 * refuses the others); a node's compact anything */
	else if (!strcmp(name, "drop_caches") &&
		 (end == v || *end || n < 1 || n > 4))
		ret = -EINVAL;
	else if (!strcmp(name, "compact_memory") && (end == v || *end || n != 1))
		ret = -EINVAL;
	else if (!strcmp(name, "drop_caches") && (n & 1))
		drop_clean(root);
	if (log && *log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%s %s %d\n", name, v, ret);
			fclose(f);
		}
	}
	return ret;
}
