// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What is in a memory block, page by page, and whether offline can empty
 * it.  /proc/kpageflags holds one 64-bit word of flags per page frame,
 * indexed by PFN (Documentation/admin-guide/mm/pagemap.rst); a block's
 * frames are read in a few large pread()s, never one per page.  Each word
 * is sorted into one kind (memhp_kpf_kind), hugetlb runs longer than the
 * buddy allocator's largest order are gigantic, and the kinds decide the
 * verdict: pages the kernel cannot migrate (slab, page tables, reserved,
 * gigantic pages in use) hold the block; pages that move only when memory
 * elsewhere takes them, or that the flags do not explain, may need
 * retries.  /proc/kpagecount (mapcounts) says whether gigantic pages are
 * in use.
 *
 * Two things decide before the pages do, as offline_pages() checks them
 * first (6.1 and 6.12 alike): a block with a memory hole (frames that no
 * System RAM resource of proc/iomem covers, what walk_system_ram_range()
 * counts) is refused outright with EINVAL; one that overlaps a CMA area
 * (lib/cma.c) fails page isolation with EBUSY however often it is tried.
 * Both hold the block for good.  Without proc/iomem the frames without a
 * struct page in an online block are the hole (a lower bound).
 *
 * Both files are read below the sysfs root, like /proc/iomem, and only by
 * root on a live system: without them a census is unavailable, never a
 * guess.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

/* entries per pread: 512 KiB of flags, a 256M block of 4K pages */
#define CENSUS_CHUNK 65536u
/* a hugetlb page longer than this many base pages is beyond the buddy
 * allocator's largest order (MAX_ORDER 10 with 4K pages): gigantic */
#define GIGANTIC_MIN_PAGES 1024u

struct memhp_census {
	uint64_t block;
	bool available;
	int err;			/* positive errno when unavailable */
	uint64_t total;
	uint64_t pages[MEMHP_NR_PAGE_KINDS];
	uint64_t gigantic_mapped;	/* gigantic pages with a mapping */
	/* what overlaps the block, each with where that came from (NULL:
	 * unknown) */
	uint64_t cma, memory_hole;
	const char *cma_source, *hole_source;
	int cma_err;			/* why the CMA areas are unknown */
	/* online, and its valid_zones reads "none": the block spans two
	 * zones, and memory_block_offline() refuses it (EINVAL) before
	 * looking at a page */
	bool spans_zones;
	enum memhp_verdict verdict;
	char why[256];
};

static const char *const kind_names[MEMHP_NR_PAGE_KINDS] = {
	[MEMHP_PAGE_FREE] = "free",
	[MEMHP_PAGE_FILE] = "file",
	[MEMHP_PAGE_ANON] = "anon",
	[MEMHP_PAGE_UNEVICTABLE] = "unevictable",
	[MEMHP_PAGE_HUGETLB] = "hugetlb",
	[MEMHP_PAGE_GIGANTIC] = "gigantic",
	[MEMHP_PAGE_SLAB] = "slab",
	[MEMHP_PAGE_PAGETABLE] = "pagetable",
	[MEMHP_PAGE_RESERVED] = "reserved",
	[MEMHP_PAGE_OTHER] = "other",
	[MEMHP_PAGE_DRIVER] = "driver",
	[MEMHP_PAGE_HWPOISON] = "hwpoison",
	[MEMHP_PAGE_HOLE] = "hole",
};

MEMHP_EXPORT const char *memhp_page_kind_name(enum memhp_page_kind kind)
{
	return (unsigned int)kind < MEMHP_NR_PAGE_KINDS ? kind_names[kind]
							: NULL;
}

MEMHP_EXPORT const char *memhp_verdict_name(enum memhp_verdict v)
{
	static const char *const names[] = {
		[MEMHP_VERDICT_UNKNOWN] = "unknown",
		[MEMHP_VERDICT_WILL_GO] = "will-go",
		[MEMHP_VERDICT_MAY_RETRY] = "may-retry",
		[MEMHP_VERDICT_WONT_GO] = "will-not-go",
		[MEMHP_VERDICT_OFFLINE] = "offline",
	};

	return (unsigned int)v < sizeof(names) / sizeof(*names) ? names[v]
								: NULL;
}

#define F(bit) (1ull << (bit))

enum memhp_page_kind memhp_kpf_kind(uint64_t f)
{
	if (f & F(MEMHP_KPF_NOPAGE))
		return MEMHP_PAGE_HOLE;
	if (f & F(MEMHP_KPF_HWPOISON))
		return MEMHP_PAGE_HWPOISON;
	if (f & F(MEMHP_KPF_OFFLINE))
		return MEMHP_PAGE_DRIVER;
	/* every page of a free buddy chunk carries it (since 4.19) */
	if (f & F(MEMHP_KPF_BUDDY))
		return MEMHP_PAGE_FREE;
	if (f & F(MEMHP_KPF_HUGE))
		return MEMHP_PAGE_HUGETLB;
	if (f & F(MEMHP_KPF_SLAB))
		return MEMHP_PAGE_SLAB;
	if (f & F(MEMHP_KPF_PGTABLE))
		return MEMHP_PAGE_PAGETABLE;
	if (f & (F(MEMHP_KPF_RESERVED) | F(MEMHP_KPF_ZERO_PAGE)))
		return MEMHP_PAGE_RESERVED;
	if (f & (F(MEMHP_KPF_UNEVICTABLE) | F(MEMHP_KPF_MLOCKED)))
		return MEMHP_PAGE_UNEVICTABLE;
	if (f & F(MEMHP_KPF_ANON))
		return MEMHP_PAGE_ANON;
	/* not anonymous on an LRU list: page cache, shmem and tmpfs too */
	if (f & (F(MEMHP_KPF_LRU) | F(MEMHP_KPF_THP)))
		return MEMHP_PAGE_FILE;
	return MEMHP_PAGE_OTHER;
}

/* The kinds that keep offline from emptying a block, and those that may
 * need it to try again, in the order a verdict names them. */
static const enum memhp_page_kind holds[] = {
	MEMHP_PAGE_SLAB, MEMHP_PAGE_PAGETABLE, MEMHP_PAGE_RESERVED,
};
static const enum memhp_page_kind retries[] = {
	MEMHP_PAGE_OTHER, MEMHP_PAGE_UNEVICTABLE, MEMHP_PAGE_HUGETLB,
	MEMHP_PAGE_GIGANTIC, MEMHP_PAGE_DRIVER,
};

static const char *kind_phrase(enum memhp_page_kind k)
{
	switch (k) {
	case MEMHP_PAGE_SLAB: return "slab";
	case MEMHP_PAGE_PAGETABLE: return "page-table";
	case MEMHP_PAGE_RESERVED: return "reserved";
	case MEMHP_PAGE_OTHER: return "unidentified kernel";
	case MEMHP_PAGE_UNEVICTABLE: return "unevictable or mlocked";
	case MEMHP_PAGE_HUGETLB: return "hugetlb";
	case MEMHP_PAGE_GIGANTIC: return "gigantic hugetlb";
	case MEMHP_PAGE_DRIVER: return "driver-owned (PageOffline)";
	default: return kind_names[k];
	}
}

/* "1200 slab, 30 page-table" into @buf at @off */
static size_t list_kinds(const struct memhp_census *c,
			 const enum memhp_page_kind *kinds, size_t n,
			 char *buf, size_t off, size_t size)
{
	bool first = true;

	for (size_t i = 0; i < n && off < size; i++) {
		if (!c->pages[kinds[i]])
			continue;
		off += (size_t)snprintf(buf + off, size - off, "%s%llu %s",
					first ? "" : ", ",
					(unsigned long long)c->pages[kinds[i]],
					kind_phrase(kinds[i]));
		first = false;
	}
	return off < size ? off : size - 1;
}

static bool any(const struct memhp_census *c,
		const enum memhp_page_kind *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->pages[kinds[i]])
			return true;
	return false;
}

#define N(a) (sizeof(a) / sizeof(*(a)))

void memhp_census_judge(struct memhp_census *c)
{
	size_t off, size = sizeof(c->why);

	c->why[0] = '\0';
	if (!c->available) {
		c->verdict = MEMHP_VERDICT_UNKNOWN;
		snprintf(c->why, size, "no census: proc/kpageflags: %s",
			 memhp_strerror(c->err));
	} else if (c->pages[MEMHP_PAGE_HOLE] == c->total) {
		c->verdict = MEMHP_VERDICT_OFFLINE;
		snprintf(c->why, size, "no online pages");
	} else if (c->hole_source && c->memory_hole) {
		c->verdict = MEMHP_VERDICT_WONT_GO;
		snprintf(c->why, size, "memory hole: %llu pages are not System "
			 "RAM; the kernel refuses to offline the block",
			 (unsigned long long)c->memory_hole);
	} else if (c->spans_zones) {
		c->verdict = MEMHP_VERDICT_WONT_GO;
		snprintf(c->why, size, "spans more than one zone (valid_zones:"
			 " none); the kernel refuses to offline the block");
	} else if (any(c, holds, N(holds)) || c->gigantic_mapped || c->cma) {
		c->verdict = MEMHP_VERDICT_WONT_GO;
		off = (size_t)snprintf(c->why, size, "held by ");
		if (c->cma)
			off += (size_t)snprintf(c->why + off, size - off,
						"%llu in a CMA area%s",
						(unsigned long long)c->cma,
						any(c, holds, N(holds)) ?
						", " : "");
		off = list_kinds(c, holds, N(holds), c->why, off, size);
		if (c->gigantic_mapped)
			snprintf(c->why + off, size - off, "%s%llu gigantic "
				 "hugetlb pages in use", off > 8 ? ", " : "",
				 (unsigned long long)c->gigantic_mapped);
	} else if (any(c, retries, N(retries))) {
		c->verdict = MEMHP_VERDICT_MAY_RETRY;
		off = (size_t)snprintf(c->why, size, "must move or free ");
		list_kinds(c, retries, N(retries), c->why, off, size);
	} else {
		c->verdict = MEMHP_VERDICT_WILL_GO;
		snprintf(c->why, size, "%llu pages to migrate, %llu free",
			 (unsigned long long)memhp_census_get_in_use(c),
			 (unsigned long long)c->pages[MEMHP_PAGE_FREE]);
	}
	/* the kernel has CMA areas and nothing says where */
	off = strlen(c->why);
	if (c->available && c->verdict != MEMHP_VERDICT_OFFLINE &&
	    c->cma_err == ENODATA && off < size)
		snprintf(c->why + off, size - off, "; CMA areas not located");
}

/* What overlaps the block's @n frames from @pfn0: a memory hole, a CMA
 * area. */
static void census_overlaps(struct memhp_ctx *ctx, struct memhp_census *c,
			    uint64_t pfn0, uint64_t page)
{
	uint64_t ram, nopage = c->pages[MEMHP_PAGE_HOLE];
	int ret = memhp_iomem_ram_pages(ctx, pfn0, c->total, page, &ram);

	if (ret == 0) {
		c->memory_hole = c->total - ram;
		c->hole_source = "iomem";
	} else if (nopage && nopage < c->total) {
		c->memory_hole = nopage;
		c->hole_source = "kpageflags";
	}
	ret = memhp_cma_pages(ctx, pfn0, c->total, page, &c->cma,
			      &c->cma_source);
	c->cma_err = -ret;
}

/* The running count of one block's frames, fed chunk by chunk. */
struct tally {
	struct memhp_census *c;
	enum memhp_page_kind head_kind;	/* of the last compound head */
	bool have_head;
	uint64_t run_start, run_len;	/* the current hugetlb page */
	bool in_run;
};

static void end_run(struct tally *t, uint64_t *gigantic_first,
		    uint64_t *gigantic_n)
{
	if (t->in_run && t->run_len > GIGANTIC_MIN_PAGES) {
		t->c->pages[MEMHP_PAGE_HUGETLB] -= t->run_len;
		t->c->pages[MEMHP_PAGE_GIGANTIC] += t->run_len;
		if (gigantic_first && !*gigantic_n)
			*gigantic_first = t->run_start;
		if (gigantic_n)
			*gigantic_n = t->run_start + t->run_len -
				      *gigantic_first;
	}
	t->in_run = false;
}

/* Counts @n words starting at page @index of the block. */
static void tally(struct tally *t, const uint64_t *flags, size_t n,
		  uint64_t index, uint64_t *gfirst, uint64_t *gn)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t f = flags[i];
		enum memhp_page_kind k = memhp_kpf_kind(f);
		bool head = f & F(MEMHP_KPF_COMPOUND_HEAD);
		bool tail = f & F(MEMHP_KPF_COMPOUND_TAIL);

		/* a tail whose own flags say nothing is what its head is
		 * (file THP tails on older kernels) */
		if (tail && k == MEMHP_PAGE_OTHER && t->have_head)
			k = t->head_kind;
		if (head) {
			t->head_kind = k;
			t->have_head = true;
		} else if (!tail) {
			t->have_head = false;
		}
		if (k == MEMHP_PAGE_HUGETLB) {
			/* a head starts a page; tails at the block's start
			 * continue one begun below it */
			if (!t->in_run || head) {
				end_run(t, gfirst, gn);
				t->in_run = true;
				t->run_start = index + i;
				t->run_len = 0;
			}
			t->run_len++;
		} else {
			end_run(t, gfirst, gn);
		}
		t->c->pages[k]++;
	}
}

static int read_words(int fd, uint64_t pfn, uint64_t *buf, size_t n,
		      size_t *got)
{
	size_t want = n * sizeof(*buf), done = 0;

	while (done < want) {
		ssize_t r = pread(fd, (char *)buf + done, want - done,
				  (off_t)(pfn * sizeof(*buf) + done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;	/* past the kernel's last frame */
		done += (size_t)r;
	}
	*got = done / sizeof(*buf);
	return 0;
}

/* Gigantic pages of [@first, @first + @n) with a mapping, from
 * proc/kpagecount; 0 when it cannot be read. */
static uint64_t count_mapped(struct memhp_ctx *ctx, uint64_t pfn0,
			     uint64_t first, uint64_t n,
			     uint64_t *buf)
{
	int fd = memhp_open_regular(ctx, AREA_PROC, "kpagecount", O_RDONLY);
	uint64_t mapped = 0;

	if (fd < 0)
		return 0;
	for (uint64_t i = 0; i < n;) {
		size_t want = n - i < CENSUS_CHUNK ? (size_t)(n - i) :
						     CENSUS_CHUNK, got;

		if (read_words(fd, pfn0 + first + i, buf, want, &got) < 0 ||
		    !got)
			break;
		for (size_t j = 0; j < got; j++)
			mapped += buf[j] != 0;
		i += got;
	}
	close(fd);
	return mapped;
}

static int census_read(struct memhp_ctx *ctx, struct memhp_census *c,
		       uint64_t pfn0, uint64_t *buf)
{
	struct tally t = { .c = c };
	uint64_t gfirst = 0, gn = 0;
	int fd, ret = 0;

	fd = memhp_open_regular(ctx, AREA_PROC, "kpageflags", O_RDONLY);
	if (fd < 0)
		return fd;
	for (uint64_t i = 0; i < c->total;) {
		size_t want = c->total - i < CENSUS_CHUNK ?
			      (size_t)(c->total - i) : CENSUS_CHUNK, got;

		ret = read_words(fd, pfn0 + i, buf, want, &got);
		if (ret < 0)
			break;
		/* frames past the end of the file have no struct page */
		for (size_t j = got; j < want; j++)
			buf[j] = F(MEMHP_KPF_NOPAGE);
		tally(&t, buf, want, i, &gfirst, &gn);
		i += want;
	}
	close(fd);
	if (ret < 0)
		return ret;
	end_run(&t, &gfirst, &gn);
	if (c->pages[MEMHP_PAGE_GIGANTIC])
		c->gigantic_mapped = count_mapped(ctx, pfn0, gfirst, gn, buf);
	return 0;
}

MEMHP_EXPORT int memhp_census_new(struct memhp_ctx *ctx, uint64_t block,
				  struct memhp_census **census)
{
	long page = sysconf(_SC_PAGESIZE);
	struct memhp_census *c;
	uint64_t bs, *buf;
	int ret;

	*census = NULL;
	if (!ctx->block_size) {
		ret = memhp_blocks_scan(ctx, 0);
		if (ret < 0)
			return ret;
	}
	bs = ctx->block_size;
	if (page <= 0 || !bs || !memhp_block_id_fits(block, bs))
		return -ERANGE;
	c = calloc(1, sizeof(*c));
	buf = malloc(CENSUS_CHUNK * sizeof(*buf));
	if (!c || !buf) {
		free(c);
		free(buf);
		return -ENOMEM;
	}
	c->block = block;
	c->total = bs / (uint64_t)page;
	ret = census_read(ctx, c, block * bs / (uint64_t)page, buf);
	free(buf);
	if (ret < 0) {
		/* counted pages are not a census */
		memset(c->pages, 0, sizeof(c->pages));
		c->gigantic_mapped = 0;
		c->err = -ret;
		dbg(ctx, "census of block %llu: proc/kpageflags: %s",
		    (unsigned long long)block, memhp_strerror(ret));
	} else {
		const struct memhp_block *b = memhp_block_get_by_id(ctx, block);

		c->available = true;
		census_overlaps(ctx, c, block * bs / (uint64_t)page,
				(uint64_t)page);
		c->spans_zones = b && memhp_block_spans_zones(b);
	}
	memhp_census_judge(c);
	*census = c;
	return ret;
}

/*
 * Many censuses at once, on up to one thread per CPU (CENSUS_THREADS at
 * most): the kernel walks every page frame's flags for a read of
 * proc/kpageflags, which is most of a census's time (about 8 ms a 128M
 * block in a TCG guest), and reads at different offsets go on side by
 * side.  The first is read alone: it opens proc below the root and reads
 * iomem and the CMA areas into the context (memhp_overlaps_forget()),
 * which the others then only read.
 */
#define CENSUS_THREADS 8

struct census_job {
	struct memhp_ctx *ctx;
	const uint64_t *blocks;
	struct memhp_census **out;
	size_t n;
	atomic_size_t next;
	atomic_int err;
};

static void *census_worker(void *arg)
{
	struct census_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		int ret = memhp_census_new(j->ctx, j->blocks[i], &j->out[i]);
		int none = 0;

		if (ret < 0)
			atomic_compare_exchange_strong(&j->err, &none, ret);
	}
	return NULL;
}

int memhp_census_read_many(struct memhp_ctx *ctx, const uint64_t *blocks,
			   size_t n, struct memhp_census **out)
{
	pthread_t threads[CENSUS_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads, started = 0;
	struct census_job j;
	int ret;

	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (!n)
		return 0;
	ret = memhp_census_new(ctx, blocks[0], &out[0]);
	if (ret < 0 || n == 1)
		return ret;
	j = (struct census_job){ .ctx = ctx, .blocks = blocks, .out = out,
				 .n = n };
	atomic_init(&j.next, 1);
	atomic_init(&j.err, 0);
	nthreads = cpus > 1 ? (size_t)cpus : 1;
	if (nthreads > CENSUS_THREADS)
		nthreads = CENSUS_THREADS;
	if (nthreads > n - 1)
		nthreads = n - 1;
	/* this thread is one of them; one that cannot start is not needed */
	for (size_t t = 1; t < nthreads; t++)
		if (pthread_create(&threads[started], NULL, census_worker,
				   &j) == 0)
			started++;
	census_worker(&j);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	return atomic_load(&j.err);
}

MEMHP_EXPORT void memhp_census_free(struct memhp_census *c)
{
	free(c);
}

MEMHP_EXPORT uint64_t memhp_census_get_block(const struct memhp_census *c)
{
	return c->block;
}

MEMHP_EXPORT bool memhp_census_is_available(const struct memhp_census *c)
{
	return c->available;
}

MEMHP_EXPORT int memhp_census_get_errno(const struct memhp_census *c)
{
	return c->err;
}

MEMHP_EXPORT uint64_t memhp_census_get_total(const struct memhp_census *c)
{
	return c->available ? c->total : 0;
}

MEMHP_EXPORT uint64_t memhp_census_get_pages(const struct memhp_census *c,
					     enum memhp_page_kind kind)
{
	return (unsigned int)kind < MEMHP_NR_PAGE_KINDS ? c->pages[kind] : 0;
}

MEMHP_EXPORT uint64_t memhp_census_get_in_use(const struct memhp_census *c)
{
	if (!c->available)
		return 0;
	return c->total - c->pages[MEMHP_PAGE_FREE] -
	       c->pages[MEMHP_PAGE_HOLE] - c->pages[MEMHP_PAGE_HWPOISON] -
	       c->pages[MEMHP_PAGE_DRIVER];
}

MEMHP_EXPORT uint64_t memhp_census_get_unmovable(const struct memhp_census *c)
{
	return c->pages[MEMHP_PAGE_SLAB] + c->pages[MEMHP_PAGE_PAGETABLE] +
	       c->pages[MEMHP_PAGE_RESERVED] + c->pages[MEMHP_PAGE_GIGANTIC] +
	       c->pages[MEMHP_PAGE_OTHER];
}

MEMHP_EXPORT enum memhp_verdict memhp_census_get_verdict(
	const struct memhp_census *c)
{
	return c->verdict;
}

MEMHP_EXPORT const char *memhp_census_get_why(const struct memhp_census *c)
{
	return c->why;
}

/* an overlap's pages when a source says, -ENODATA when none does */
static int overlap(uint64_t n, const char *source, uint64_t *pages)
{
	*pages = source ? n : 0;
	return source ? 0 : -ENODATA;
}

MEMHP_EXPORT int memhp_census_get_cma(const struct memhp_census *c,
				      uint64_t *pages)
{
	return overlap(c->cma, c->cma_source, pages);
}

MEMHP_EXPORT const char *memhp_census_get_cma_source(
	const struct memhp_census *c)
{
	return c->cma_source;
}

MEMHP_EXPORT int memhp_census_get_memory_hole(const struct memhp_census *c,
					      uint64_t *pages)
{
	return overlap(c->memory_hole, c->hole_source, pages);
}

MEMHP_EXPORT const char *memhp_census_get_memory_hole_source(
	const struct memhp_census *c)
{
	return c->hole_source;
}
